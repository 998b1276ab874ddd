import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { auditEvent } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import { cut, firehoseRaw, jsonLines, readAll } from '../../helpers/shipping';

/**
 * A corrupt gzip member costs only itself: what was decoded before it is delivered (gzip -dc
 * recovers every line of the members before it), the problem is counted, and reading resumes at
 * the next member.
 */

const batch = (n: number, tag: string): Ev[] => Array.from({ length: n }, (_, i) => auditEvent({ requestURI: `/api/v1/namespaces/${tag}/pods/p-${i}` }));
const member = (events: Ev[]): Buffer => gzipSync(jsonLines(events));
const auditIds = (events: Ev[]): unknown[] => events.map((e) => e.auditID);

/** A member whose deflate data has a byte flipped half way in (zlib: invalid code or data check). */
function corruptBody(events: Ev[]): Buffer {
  const bytes = Buffer.from(member(events));
  bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
  return bytes;
}

/** A member that decodes whole but fails its CRC: every byte of it is suspect. */
function corruptCrc(events: Ev[]): Buffer {
  const bytes = Buffer.from(member(events));
  bytes[bytes.length - 8] ^= 0xff;
  return bytes;
}

/** Splits into pieces of `size` bytes, as a socket delivers them. */
const pieces = (bytes: Buffer, size: number): Buffer[] =>
  cut(
    bytes,
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size),
  );

describe('a corrupt gzip member', () => {
  it('keeps every event of the members before it and reads the members after it (the reported case)', async () => {
    // m1 decodes to more than one zlib output chunk (1 MiB): the chunk zlib was working on when it
    // failed is what main lost, together with everything after the corrupt member.
    const m1 = batch(3500, 'm1');
    const m2 = batch(3, 'm2');
    const m3 = batch(2, 'm3');
    const bytes = Buffer.concat([member(m1), corruptCrc(batch(4, 'bad')), member(m2), member(m3)]);
    const { events, stats } = await readAll(bytes);
    const good = auditIds([...m1, ...m2, ...m3]);
    expect(events.map((e) => e.event.auditID).filter((id) => good.includes(id))).toEqual(good);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.problems['truncated-input']).toBe(0);
    // Decoding again from a member start must neither repeat nor shift output (the reader would
    // drop a repeat as a duplicate, and a shift would make a malformed line).
    expect(stats.duplicates).toBe(0);
    expect(stats.problems['malformed-json']).toBe(0);
    expect(stats.complete).toBe(false);
    expect(stats.samples.find((s) => s.kind === 'corrupt-input')?.detail).toMatch(/gzip member at stored byte \d+/);
  });

  it('with small members: m1, a member corrupt inside its deflate data, m2, m3', async () => {
    const [m1, m2, m3] = [batch(2, 'm1'), batch(1, 'm2'), batch(3, 'm3')];
    const bytes = Buffer.concat([member(m1), corruptBody(batch(40, 'bad')), member(m2), member(m3)]);
    const { events, stats } = await readAll(bytes);
    const good = auditIds([...m1, ...m2, ...m3]);
    expect(events.map((e) => e.event.auditID).filter((id) => good.includes(id))).toEqual(good);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('at the very start: the members after it are read', async () => {
    const [m1, m2] = [batch(2, 'm1'), batch(2, 'm2')];
    const { events, stats } = await readAll(Buffer.concat([corruptBody(batch(30, 'bad')), member(m1), member(m2)]));
    const good = auditIds([...m1, ...m2]);
    expect(events.map((e) => e.event.auditID).filter((id) => good.includes(id))).toEqual(good);
    expect(stats.compression).toEqual(['gzip']);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('as the last member: everything before it is kept', async () => {
    const [m1, m2] = [batch(2000, 'm1'), batch(2, 'm2')];
    const { events, stats } = await readAll(Buffer.concat([member(m1), member(m2), corruptCrc(batch(3, 'bad'))]));
    const good = auditIds([...m1, ...m2]);
    expect(events.map((e) => e.event.auditID).filter((id) => good.includes(id))).toEqual(good);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('a truncated final member is reported as truncated, and the members before it are kept whole', async () => {
    const [m1, m2, m3] = [batch(2500, 'm1'), batch(3, 'm2'), batch(500, 'm3')];
    const last = member(m3);
    const { events, stats } = await readAll(Buffer.concat([member(m1), member(m2), last.subarray(0, last.length / 2)]));
    const ids = events.map((e) => e.event.auditID);
    expect(ids.slice(0, m1.length + m2.length)).toEqual(auditIds([...m1, ...m2]));
    expect(ids.slice(m1.length + m2.length)).toEqual(auditIds(m3).slice(0, ids.length - m1.length - m2.length));
    expect(stats.problems['truncated-input']).toBe(1);
    expect(stats.problems['corrupt-input']).toBe(0);
    expect(stats.complete).toBe(false);
  });

  it('inside Firehose gzip-in-gzip: a corrupt inner member costs only its record', async () => {
    const records = Array.from({ length: 6 }, (_, i) => batch(3, `r${i}`));
    const inner = Buffer.concat(records.map((r, i) => (i === 2 ? corruptBody(batch(60, 'bad')) : firehoseRaw(r, 3))));
    const { events, stats } = await readAll(gzipSync(inner));
    const good = auditIds(records.filter((_, i) => i !== 2).flat());
    expect(events.map((e) => e.event.auditID).filter((id) => good.includes(id))).toEqual(good);
    expect(stats.compression).toEqual(['gzip', 'gzip']);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('in the middle of megabytes of small members delivered in socket-sized pieces', async () => {
    // Many members before the break: recovery restarts from a member start near it, not from the top.
    const records = Array.from({ length: 3000 }, (_, i) => batch(2, `r${i}`));
    const broken = 2200;
    const bytes = Buffer.concat(records.map((r, i) => (i === broken ? corruptCrc(r) : member(r))));
    const { events, stats } = await readAll(pieces(bytes, 16 * 1024));
    const good = auditIds(records.filter((_, i) => i !== broken).flat());
    expect(events.map((e) => e.event.auditID).filter((id) => good.includes(id))).toEqual(good);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.duplicates).toBe(0);
    expect(stats.problems['malformed-json']).toBe(0);
  });

  it('does not change a sound multi-member stream: same events as the plain text, complete, nothing counted', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => batch(3, `r${i}`));
    const plain = await readAll(jsonLines(records.flat()));
    const gz = await readAll(pieces(Buffer.concat(records.map(member)), 64 * 1024));
    expect(gz.events).toEqual(plain.events);
    expect(gz.stats.complete).toBe(true);
    expect(gz.stats.bytesDecoded).toBe(plain.stats.bytesDecoded);
    expect(Object.values(gz.stats.problems).every((n) => n === 0)).toBe(true);
  });
});

describe('property: whatever member is corrupt, the others are all read and the problem is counted', () => {
  const corruptions: Record<string, (events: Ev[]) => Buffer> = {
    body: corruptBody,
    crc: corruptCrc,
    reservedFlag: (events) => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x20]), member(events).subarray(4)]),
    nameFlag: (events) => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x08]), member(events).subarray(4)]),
    garbage: () => Buffer.from('this is not gzip at all\n'),
  };

  it('holds for any position, corruption and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.constantFrom(...Object.keys(corruptions)),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (sizes, where, how, cuts) => {
          const members = sizes.map((n, i) => batch(n, `m${i}`));
          const at = where % (members.length + 1);
          fc.pre(!(at === 0 && how === 'garbage')); // not gzip at all: the object is read as text
          const parts = members.map(member);
          parts.splice(at, 0, corruptions[how](batch(20, 'bad')));
          const bytes = Buffer.concat(parts);
          const { events, stats } = await readAll(
            cut(
              bytes,
              cuts.map((c) => c % bytes.length),
            ),
          );
          const good = auditIds(members.flat());
          expect(events.map((e) => e.event.auditID).filter((id) => good.includes(id))).toEqual(good);
          expect(stats.duplicates).toBe(0);
          expect(stats.problems['corrupt-input'] + stats.problems['truncated-input']).toBeGreaterThanOrEqual(1);
          expect(stats.complete).toBe(false);
        },
      ),
      { seed: 115, numRuns: 60 },
    );
  }, 60_000);
});
