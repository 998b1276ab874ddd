/**
 * Streaming XXH64, the hash a zstd frame's content checksum is taken from (its low 32 bits).
 * Only the pure-JS zstd path needs it (fzstd does not verify checksums), so it favours being
 * small and obviously right, yet avoids BigInt in the per-byte loop: 64-bit words are kept as
 * two unsigned 32-bit halves, and the arithmetic below is mod 2^64 on those halves.
 */

/** A 64-bit word as unsigned 32-bit halves. */
type Word = [hi: number, lo: number];

const P1: Word = [0x9e3779b1, 0x85ebca87];
const P2: Word = [0xc2b2ae3d, 0x27d4eb4f];
const P3: Word = [0x165667b1, 0x9e3779f9];
const P4: Word = [0x85ebca77, 0xc2b2ae63];
const P5: Word = [0x27d4eb2f, 0x165667c5];
const STRIPE = 32;

function add(a: Word, b: Word): Word {
  const lo = a[1] + b[1];
  return [(a[0] + b[0] + (lo > 0xffffffff ? 1 : 0)) >>> 0, lo >>> 0];
}

/** Result registers of `mulScalar`, so the hot loop allocates nothing. */
let outHi = 0;
let outLo = 0;

function mulScalar(aHi: number, aLo: number, bHi: number, bLo: number): void {
  // The full 64-bit product of the low halves, from 16-bit pieces so no partial product loses bits.
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  outLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  outHi = (carry + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
}

function mul(a: Word, b: Word): Word {
  mulScalar(a[0], a[1], b[0], b[1]);
  return [outHi, outLo];
}

function rotl(a: Word, r: number): Word {
  if (r >= 32) return rotl([a[1], a[0]], r - 32);
  if (r === 0) return a;
  return [((a[0] << r) | (a[1] >>> (32 - r))) >>> 0, ((a[1] << r) | (a[0] >>> (32 - r))) >>> 0];
}

const xor = (a: Word, b: Word): Word => [(a[0] ^ b[0]) >>> 0, (a[1] ^ b[1]) >>> 0];
const shr = (a: Word, r: number): Word => (r >= 32 ? [0, a[0] >>> (r - 32)] : [a[0] >>> r, ((a[1] >>> r) | (a[0] << (32 - r))) >>> 0]);
const negate = (a: Word): Word => add([~a[0] >>> 0, ~a[1] >>> 0], [0, 1]);

function readWord(bytes: Uint8Array, at: number): Word {
  const lo = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
  const hi = (bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24)) >>> 0;
  return [hi, lo];
}

const round = (acc: Word, input: Word): Word => mul(rotl(add(acc, mul(input, P2)), 31), P1);
const mergeRound = (acc: Word, lane: Word): Word => add(mul(xor(acc, round([0, 0], lane)), P1), P4);

export class Xxh64 {
  /** The four accumulators as hi, lo pairs. */
  private readonly lanes = new Uint32Array(8);
  private readonly pending = new Uint8Array(STRIPE);
  private pendingLength = 0;
  /** Total bytes hashed, kept as a double: exact far beyond any object this reads. */
  private total = 0;

  constructor(private readonly seed: Word = [0, 0]) {
    const initial = [add(add(seed, P1), P2), add(seed, P2), seed, add(seed, negate(P1))];
    initial.forEach(([hi, lo], i) => {
      this.lanes[2 * i] = hi;
      this.lanes[2 * i + 1] = lo;
    });
  }

  update(bytes: Uint8Array): this {
    this.total += bytes.length;
    let at = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(STRIPE - this.pendingLength, bytes.length);
      this.pending.set(bytes.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      at = take;
      if (this.pendingLength < STRIPE) return this;
      this.stripe(this.pending, 0);
      this.pendingLength = 0;
    }
    for (; at + STRIPE <= bytes.length; at += STRIPE) this.stripe(bytes, at);
    this.pending.set(bytes.subarray(at), 0);
    this.pendingLength = bytes.length - at;
    return this;
  }

  /** The digest as a bigint (for tests and diagnostics); `low32` is what zstd stores. */
  digest(): bigint {
    const [hi, lo] = this.finish();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  low32(): number {
    return this.finish()[1];
  }

  private stripe(bytes: Uint8Array, at: number): void {
    // The hot loop: the same round as `round`, on scalars, since allocating pairs per word is
    // several times slower than the arithmetic.
    const l = this.lanes;
    for (let i = 0; i < 4; i++, at += 8) {
      const lo = (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
      const hi = (bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24)) >>> 0;
      mulScalar(hi, lo, P2[0], P2[1]);
      const sumLo = l[2 * i + 1] + outLo;
      const sumHi = (l[2 * i] + outHi + (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
      const s = sumLo >>> 0;
      // rotl 31
      const rHi = ((sumHi << 31) | (s >>> 1)) >>> 0;
      const rLo = ((s << 31) | (sumHi >>> 1)) >>> 0;
      mulScalar(rHi, rLo, P1[0], P1[1]);
      l[2 * i] = outHi;
      l[2 * i + 1] = outLo;
    }
  }

  private finish(): Word {
    const l: Word[] = [0, 1, 2, 3].map((i) => [this.lanes[2 * i], this.lanes[2 * i + 1]]);
    let h: Word;
    if (this.total >= STRIPE) {
      h = add(add(rotl(l[0], 1), rotl(l[1], 7)), add(rotl(l[2], 12), rotl(l[3], 18)));
      for (const lane of l) h = mergeRound(h, lane);
    } else {
      h = add(this.seed, P5);
    }
    h = add(h, [Math.floor(this.total / 0x100000000) >>> 0, this.total >>> 0]);
    const rest = this.pending;
    let at = 0;
    for (; at + 8 <= this.pendingLength; at += 8) h = add(mul(rotl(xor(h, round([0, 0], readWord(rest, at))), 27), P1), P4);
    if (at + 4 <= this.pendingLength) {
      const word = (rest[at] | (rest[at + 1] << 8) | (rest[at + 2] << 16) | (rest[at + 3] << 24)) >>> 0;
      h = add(mul(rotl(xor(h, mul([0, word], P1)), 23), P2), P3);
      at += 4;
    }
    for (; at < this.pendingLength; at++) h = mul(rotl(xor(h, mul([0, rest[at]], P5)), 11), P1);
    h = mul(xor(h, shr(h, 33)), P2);
    h = mul(xor(h, shr(h, 29)), P3);
    return xor(h, shr(h, 32));
  }
}

/** XXH64 of one buffer, seed 0. */
export const xxh64 = (bytes: Uint8Array): bigint => new Xxh64().update(bytes).digest();
