import fc from 'fast-check';
import { Xxh64, xxh64 } from '../../../lambdas/core/read/xxh64';

/** The specification's XXH64, written out with BigInt: slow and plain, to check the fast one against. */
function reference(bytes: Uint8Array): bigint {
  const M = (1n << 64n) - 1n;
  const [P1, P2, P3, P4, P5] = [0x9e3779b185ebca87n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n, 0x85ebca77c2b2ae63n, 0x27d4eb2f165667c5n];
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
  const u64 = (at: number): bigint => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readBigUInt64LE(at);
  const u32 = (at: number): bigint => BigInt(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(at));
  const round = (acc: bigint, input: bigint): bigint => (rotl((acc + input * P2) & M, 31n) * P1) & M;
  let at = 0;
  let h: bigint;
  if (bytes.length >= 32) {
    const v = [(P1 + P2) & M, P2, 0n, (M + 1n - P1) & M];
    for (; at + 32 <= bytes.length; at += 32) for (let i = 0; i < 4; i++) v[i] = round(v[i], u64(at + 8 * i));
    h = (rotl(v[0], 1n) + rotl(v[1], 7n) + rotl(v[2], 12n) + rotl(v[3], 18n)) & M;
    for (const lane of v) h = ((h ^ round(0n, lane)) * P1 + P4) & M;
  } else {
    h = P5;
  }
  h = (h + BigInt(bytes.length)) & M;
  for (; at + 8 <= bytes.length; at += 8) h = (rotl(h ^ round(0n, u64(at)), 27n) * P1 + P4) & M;
  if (at + 4 <= bytes.length) {
    h = (rotl(h ^ ((u32(at) * P1) & M), 23n) * P2 + P3) & M;
    at += 4;
  }
  for (; at < bytes.length; at++) h = (rotl(h ^ ((BigInt(bytes[at]) * P5) & M), 11n) * P1) & M;
  h = ((h ^ (h >> 33n)) * P2) & M;
  h = ((h ^ (h >> 29n)) * P3) & M;
  return h ^ (h >> 32n);
}

describe('XXH64', () => {
  it('matches the published vectors', () => {
    expect(xxh64(Buffer.from(''))).toBe(0xef46db3751d8e999n);
    expect(xxh64(Buffer.from('a'))).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxh64(Buffer.from('abc'))).toBe(0x44bc2cf5ad770999n);
  });

  it('matches the checksums the zstd CLI stored for long inputs (low 32 bits)', () => {
    const pattern = Buffer.alloc(1_000_003);
    for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 31 + 7) & 0xff;
    expect(new Xxh64().update(pattern).low32()).toBe(0xf5d9fcfc); // `zstd -c` wrote fc fc d9 f5
    expect(new Xxh64().update(Buffer.from('a'.repeat(100))).low32()).toBe(0xb1decfb3); // b3 cf de b1
  });

  it('agrees with the plain BigInt transcription of the specification, however the input is split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 5 }), (bytes, cuts) => {
        const hash = new Xxh64();
        let last = 0;
        for (const c of [...cuts.map((x) => x % (bytes.length + 1))].sort((a, b) => a - b)) {
          hash.update(bytes.subarray(last, c));
          last = c;
        }
        hash.update(bytes.subarray(last));
        expect(hash.digest()).toBe(reference(bytes));
      }),
      { seed: 64, numRuns: 300 },
    );
  });
});
