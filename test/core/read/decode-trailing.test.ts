import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { auditEvent } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import { cut, firehoseRaw, jsonLines, readAll } from '../../helpers/shipping';

/**
 * zlib's gunzip ends the stream at a zero byte after a member and ignores everything after it,
 * so whoever can write an object could hide later members (real audit events) behind a few zero
 * bytes, and the object would be reported complete. Bytes after a gzip member that are not a
 * gzip member are never dropped silently: reading resumes at a later member if there is one,
 * and the skipped bytes are counted.
 */

const batch = (n: number, tag: string): Ev[] => Array.from({ length: n }, (_, i) => auditEvent({ requestURI: `/api/v1/namespaces/${tag}/pods/p-${i}` }));
const member = (events: Ev[]): Buffer => gzipSync(jsonLines(events));
const auditIds = (events: Ev[]): unknown[] => events.map((e) => e.auditID);
const zeros = (n: number): Buffer => Buffer.alloc(n);
const JUNK = Buffer.from('\x00\x00not gzip, but who wrote it?\n');
const detailOf = (stats: { samples: Array<{ kind: string; detail: string }> }): string | undefined =>
  stats.samples.find((s) => s.kind === 'corrupt-input')?.detail;

describe('bytes after a gzip member that are not a gzip member', () => {
  it('zero bytes then another member: both members are read, the skipped bytes are counted', async () => {
    const [a, b] = [batch(3, 'a'), batch(2, 'b')];
    const first = member(a);
    const { events, stats } = await readAll(Buffer.concat([first, zeros(100), member(b)]));
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds([...a, ...b]));
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.problems['truncated-input']).toBe(0);
    expect(stats.complete).toBe(false);
    expect(detailOf(stats)).toContain(`100 bytes that are not gzip data (all zero) at stored byte ${first.length}`);
  });

  it('junk then another member: both members are read, the junk is counted', async () => {
    const [a, b] = [batch(2, 'a'), batch(2, 'b')];
    const first = member(a);
    const junk = Buffer.from('junk that is not gzip');
    const { events, stats } = await readAll(Buffer.concat([first, junk, member(b)]));
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds([...a, ...b]));
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
    expect(detailOf(stats)).toContain(`${junk.length} bytes that are not gzip data at stored byte ${first.length}`);
  });

  it('junk after the last member: the member is read, the junk is counted and the object is incomplete', async () => {
    const a = batch(3, 'a');
    const { events, stats } = await readAll(Buffer.concat([member(a), JUNK]));
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds(a));
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
    expect(detailOf(stats)).toContain(`${JUNK.length} bytes that are not gzip data after the last gzip member`);
  });

  it('zeros, a false member header and junk, then a member: every real event is read once', async () => {
    const [a, b] = [batch(2, 'a'), batch(2, 'b')];
    const fake = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 0, 3, 0xff, 0xff, 0xff]);
    const { events, stats } = await readAll(Buffer.concat([member(a), zeros(7), fake, JUNK, member(b)]));
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds([...a, ...b]));
    expect(stats.duplicates).toBe(0);
    expect(stats.problems['corrupt-input']).toBeGreaterThanOrEqual(1);
    expect(stats.complete).toBe(false);
  });

  it('zero padding at the very end: counted with a clear detail, but the object is complete (zeros hide nothing)', async () => {
    const [a, b] = [batch(2, 'a'), batch(2, 'b')];
    const { events, stats } = await readAll(Buffer.concat([member(a), member(b), zeros(512)]));
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds([...a, ...b]));
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(detailOf(stats)).toContain('512 zero bytes after the last gzip member');
    expect(stats.complete).toBe(true);
  });

  it('zeros then junk at the end: incomplete', async () => {
    const a = batch(2, 'a');
    const { events, stats } = await readAll(Buffer.concat([member(a), zeros(64), Buffer.from('x')]));
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds(a));
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('megabytes of members, zeros, then megabytes more, delivered in socket-sized pieces', async () => {
    // The stream end falls in a later decoder chunk than the first, with writes queued behind it.
    const before = Array.from({ length: 2500 }, (_, i) => batch(2, `r${i}`));
    const after = Array.from({ length: 5000 }, (_, i) => batch(2, `s${i}`));
    const bytes = Buffer.concat([...before.map(member), zeros(4096), ...after.map(member)]);
    const pieces = cut(
      bytes,
      Array.from({ length: Math.ceil(bytes.length / 16384) }, (_, i) => i * 16384),
    );
    const { events, stats } = await readAll(pieces);
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds([...before, ...after].flat()));
    expect(stats.duplicates).toBe(0);
    expect(stats.problems['malformed-json']).toBe(0);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('after a corrupt member, zeros then a member are still read', async () => {
    const [a, b, c] = [batch(2, 'a'), batch(2, 'b'), batch(2, 'c')];
    const bad = Buffer.from(member(batch(5, 'bad')));
    bad[bad.length - 8] ^= 0xff; // fails its CRC
    const { events, stats } = await readAll(Buffer.concat([member(a), bad, member(b), zeros(9), member(c)]));
    const good = auditIds([...a, ...b, ...c]);
    expect(events.map((e) => e.event.auditID).filter((id) => good.includes(id))).toEqual(good);
    expect(stats.problems['corrupt-input']).toBe(2);
    expect(stats.complete).toBe(false);
  });
});

describe('inside Firehose gzip-in-gzip (the inner layer)', () => {
  it('zeros between inner members: the records after them are read, the problem is counted', async () => {
    const [r1, r2] = [batch(6, 'r1'), batch(6, 'r2')];
    const { events, stats } = await readAll(gzipSync(Buffer.concat([firehoseRaw(r1, 3), zeros(100), firehoseRaw(r2, 3)])));
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds([...r1, ...r2]));
    expect(stats.compression).toEqual(['gzip', 'gzip']);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('junk after the last inner member: counted, incomplete', async () => {
    const r1 = batch(6, 'r1');
    const { events, stats } = await readAll(gzipSync(Buffer.concat([firehoseRaw(r1, 3), JUNK])));
    expect(events.map((e) => e.event.auditID)).toEqual(auditIds(r1));
    expect(stats.compression).toEqual(['gzip', 'gzip']);
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });
});

describe('a sound stream is unchanged', () => {
  it('multi-member, any chunking: same events as the plain text, complete, nothing counted', async () => {
    const records = Array.from({ length: 50 }, (_, i) => batch(2, `r${i}`));
    const bytes = Buffer.concat(records.map(member));
    const plain = await readAll(jsonLines(records.flat()));
    for (const size of [1, 7, 1000, bytes.length]) {
      const pieces = cut(
        bytes,
        Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => i * size),
      );
      const { events, stats } = await readAll(pieces);
      expect(events).toEqual(plain.events);
      expect(stats.complete).toBe(true);
      expect(Object.values(stats.problems).every((n) => n === 0)).toBe(true);
    }
  });
});

describe('property: whatever follows a member and however it is cut, no member behind it is lost', () => {
  const fillers: Record<string, (n: number) => Buffer> = {
    zeros,
    junk: (n) => Buffer.alloc(n, 'j'),
    zerosThenJunk: (n) => Buffer.concat([zeros(n), Buffer.from('j')]),
  };

  it('holds for any filler, length, position and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 5 }),
        fc.nat(),
        fc.constantFrom(...Object.keys(fillers)),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (sizes, where, how, length, cuts) => {
          const members = sizes.map((n, i) => batch(n, `m${i}`));
          const at = 1 + (where % (members.length - 1)); // between two members
          const parts = members.map(member);
          parts.splice(at, 0, fillers[how](length));
          const bytes = Buffer.concat(parts);
          const { events, stats } = await readAll(
            cut(
              bytes,
              cuts.map((c) => c % bytes.length),
            ),
          );
          expect(events.map((e) => e.event.auditID)).toEqual(auditIds(members.flat()));
          expect(stats.problems['corrupt-input']).toBe(1);
          expect(stats.complete).toBe(false);
        },
      ),
      { seed: 1111, numRuns: 60 },
    );
  }, 60_000);
});
