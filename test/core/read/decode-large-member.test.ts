import { gzipSync } from 'node:zlib';
import { auditEvent } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import { cut, jsonLines, readAll } from '../../helpers/shipping';

/**
 * A gzip member larger than the compressed bytes kept for recovery (16 MiB): its start cannot be
 * decoded again, so the reader keeps only what a recovery can still use. The members after it
 * keep every guarantee of small members.
 */

const MIB = 1024 * 1024;
/** Stored (level 0) members: compressed size is the text's, so a few MiB of events make a large member. */
const stored = (events: Ev[]): Buffer => gzipSync(jsonLines(events), { level: 0 });
const batchOf = (bytes: number, tag: string): Ev[] => {
  const one = jsonLines([auditEvent({ requestURI: `/api/v1/namespaces/${tag}/pods/p-0000000` })]).length;
  return Array.from({ length: Math.ceil(bytes / one) }, (_, i) => auditEvent({ requestURI: `/api/v1/namespaces/${tag}/pods/p-${String(i).padStart(7, '0')}` }));
};
const uris = (events: Array<{ requestURI?: unknown }>): unknown[] => events.map((e) => e.requestURI);

/** A member whose deflate data has a byte flipped half way in. */
function corruptBody(events: Ev[]): Buffer {
  const bytes = Buffer.from(gzipSync(jsonLines(events)));
  bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
  return bytes;
}

/** The stored block whose header is the first at or after `near`, and the text of the blocks before it. */
function storedBlockNear(member: Buffer, near: number): { block: number; textBefore: number } {
  let at = 10; // after the gzip header (no optional fields)
  let textBefore = 0;
  while (at < near) {
    const length = member.readUInt16LE(at + 1);
    textBefore += length;
    at += 5 + length;
  }
  return { block: at, textBefore };
}

/** Pieces of 64 KiB, as a socket delivers them. */
const pieces = (bytes: Buffer): Buffer[] =>
  cut(
    bytes,
    Array.from({ length: Math.ceil(bytes.length / (64 * 1024)) }, (_, i) => i * 64 * 1024),
  );

describe('after a gzip member larger than the recovery record', () => {
  const big = batchOf(18 * MIB, 'big');
  const bigMember = stored(big);

  it('a corrupt member costs only itself: the large member, the member after it and the ones after the break are all read', async () => {
    expect(bigMember.length).toBeGreaterThan(17 * MIB);
    // m2 is large enough to start a chunk of its own, so its start is a restart point: the
    // corrupt member after it is recovered from there, as it would be without the large member.
    const m2 = batchOf(3 * MIB, 'm2');
    const m3 = batchOf(4096, 'm3');
    const bytes = Buffer.concat([bigMember, stored(m2), corruptBody(batchOf(20_000, 'bad')), stored(m3)]);
    const { events, stats } = await readAll(pieces(bytes));
    const good = uris([...big, ...m2, ...m3]);
    const wanted = new Set(good);
    expect(uris(events.map((e) => e.event)).filter((u) => wanted.has(u))).toEqual(good);
    expect(stats.problems['corrupt-input']).toBe(1);
    // Whatever else came out is the corrupt member's own: deflate data with a flipped byte decodes
    // to garbage until zlib notices, broken lines (counted as malformed) and copies of its own
    // earlier lines (its window holds nothing else; dropped as duplicates), as many as the
    // member's random content makes, so neither count is asserted.
    const others = uris(events.map((e) => e.event)).filter((u) => !wanted.has(u));
    expect(others.filter((u) => !String(u).startsWith('/api/v1/namespaces/bad/'))).toEqual([]);
    expect(stats.complete).toBe(false);
  });

  it('a member after it that breaks half way is delivered up to the break: its start is still kept to decode again', async () => {
    // m2 is stored (level 0) and large enough to start a chunk of its own, so its start is a
    // restart point; a stored block's length check is broken half way into it, and it is decoded
    // again from its start.
    const m2 = batchOf(3 * MIB, 'm2');
    const m3 = batchOf(4096, 'm3');
    const member2 = stored(m2);
    const { block, textBefore } = storedBlockNear(member2, member2.length / 2);
    member2[block + 3] ^= 0xff; // NLEN no longer complements LEN: "invalid stored block lengths"
    const { events, stats } = await readAll(pieces(Buffer.concat([bigMember, member2, stored(m3)])));
    const seen = new Set(uris(events.map((e) => e.event)));
    const lineLength = jsonLines([m2[0]]).length;
    // The member decoder gives up its last few KiB with the error (measured: 5 lines): every line
    // more than 64 KiB before the break is there, where losing zlib's job would lose up to 1 MiB.
    const whole = uris(m2.slice(0, Math.floor((textBefore - 64 * 1024) / lineLength)));
    expect(whole.length).toBeGreaterThan(m2.length / 3);
    expect(whole.filter((u) => !seen.has(u))).toEqual([]);
    expect(uris(big).every((u) => seen.has(u))).toBe(true);
    expect(uris(m3).every((u) => seen.has(u))).toBe(true);
    expect(stats.problems['corrupt-input']).toBe(1);
  });

  it('a corruption at its very end loses at most a chunk of it, and the members after it are read', async () => {
    const m2 = batchOf(4096, 'm2');
    const broken = Buffer.from(bigMember);
    broken[broken.length - 8] ^= 0xff; // its CRC: zlib fails at the member's end, with no member start kept to decode again
    const { events, stats } = await readAll(pieces(Buffer.concat([broken, stored(m2)])));
    const seen = uris(events.map((e) => e.event));
    expect(seen.slice(-m2.length)).toEqual(uris(m2));
    const bigSeen = seen.slice(0, -m2.length);
    // In order, nothing repeated, and only the output of the failing chunk (1 MiB of text) is missing.
    expect(bigSeen).toEqual(uris(big).slice(0, bigSeen.length));
    expect(jsonLines(big.slice(bigSeen.length)).length).toBeLessThanOrEqual(MIB + 4096);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.samples.find((s) => s.kind === 'corrupt-input')?.detail).toMatch(/too large to decode again/);
    expect(stats.duplicates).toBe(0);
  });
});
