import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { auditEvent } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import { cut, jsonLines, readAll } from '../../helpers/shipping';
import { Xxh64 } from '../../../lambdas/core/read/xxh64';

/**
 * zstd read with the pure-JS decoder (fzstd, Node < 22.15) is checked against each frame's
 * content checksum, which fzstd itself never looks at: a changed byte makes the reading
 * incomplete ('corrupt-input'), never complete with wrong bytes.
 */

const hasNativeZstd = typeof (zlib as unknown as { createZstdDecompress?: unknown }).createZstdDecompress === 'function';
const describeFallback = hasNativeZstd ? describe.skip : describe;

/** Written by the zstd CLI: one compressed block and a content checksum. */
const fixture = (): Buffer => Buffer.from(readFileSync(join(__dirname, '..', '..', 'fixtures', 'falco-first-10.jsonl.zst')));

/**
 * A frame of raw (stored) blocks, as zstd writes incompressible data: the bytes are copied, so
 * only the checksum can tell a changed one. Window 2 MiB, no content size, blocks of 64 KiB.
 */
function rawFrame(content: Buffer, withChecksum = true): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, withChecksum ? 0x04 : 0x00, 0x58])];
  for (let at = 0; at < content.length || at === 0; at += 65536) {
    const block = content.subarray(at, at + 65536);
    const last = at + 65536 >= content.length ? 1 : 0;
    const header = (block.length << 3) | last; // type 0: raw
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), block);
  }
  if (withChecksum) {
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32LE(new Xxh64().update(content).low32());
    parts.push(checksum);
  }
  return Buffer.concat(parts);
}

const batch = (n: number, tag: string): Ev[] => Array.from({ length: n }, (_, i) => auditEvent({ requestURI: `/api/v1/namespaces/${tag}/pods/p-${i}` }));

describeFallback('zstd content checksums on the pure-JS path', () => {
  it('reads a sound object written by the zstd CLI as complete', async () => {
    const { events, stats } = await readAll(cut(fixture(), [7, 100, 1000]));
    expect(events.length).toBeGreaterThan(0);
    expect(stats.compression).toEqual(['zstd']);
    expect(stats.complete).toBe(true);
    expect(stats.problems['corrupt-input']).toBe(0);
  });

  it('reports a changed checksum as corrupt input, the reading incomplete', async () => {
    const bytes = fixture();
    bytes[bytes.length - 2] ^= 0x01;
    const { events, stats } = await readAll(bytes);
    expect(events.length).toBeGreaterThan(0); // the bytes were delivered; they are not to be trusted whole
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
    expect(stats.samples.find((s) => s.kind === 'corrupt-input')?.detail).toMatch(/checksum does not match/);
  });

  it('detects a byte changed inside a raw block (fzstd copies it through without a word)', async () => {
    const events = batch(200, 'raw');
    const sound = rawFrame(jsonLines(events));
    expect((await readAll(sound)).stats.complete).toBe(true);
    const bytes = Buffer.from(sound);
    const at = bytes.indexOf('"verb":"get"', 70_000);
    expect(at).toBeGreaterThan(65_536 + 9); // in the second block
    bytes[at + 8] = 'p'.charCodeAt(0); // get -> pet: still valid JSON, only the checksum can tell
    const { stats } = await readAll(cut(bytes, [4096, 65000, 70000]));
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('detects a changed byte inside a compressed block, whatever fzstd makes of it', async () => {
    const bytes = fixture();
    bytes[Math.floor(bytes.length / 2)] ^= 0x10;
    const { stats } = await readAll(bytes);
    expect(stats.problems['corrupt-input'] + stats.problems['truncated-input']).toBeGreaterThanOrEqual(1);
    expect(stats.complete).toBe(false);
  });

  it('reads the frames after a corrupt one, and skips skippable frames', async () => {
    const [first, second, third] = [batch(3, 'f1'), batch(3, 'f2'), batch(3, 'f3')];
    const bad = rawFrame(jsonLines(second));
    bad[bad.length - 1] ^= 0xff;
    const skippable = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
    const { events, stats } = await readAll(Buffer.concat([rawFrame(jsonLines(first)), skippable, bad, rawFrame(jsonLines(third), false)]));
    expect(events.map((e) => e.event.auditID)).toEqual([...first, ...second, ...third].map((e) => e.auditID));
    expect(stats.problems['corrupt-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });

  it('reports a frame cut off after its last block but before its checksum as truncated', async () => {
    const sound = rawFrame(jsonLines(batch(3, 't')));
    const { stats } = await readAll(sound.subarray(0, sound.length - 2));
    expect(stats.problems['truncated-input']).toBe(1);
    expect(stats.complete).toBe(false);
  });
});
