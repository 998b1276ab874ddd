import { bytesAt } from './bytes';
import { PAIR_SCAN_WASM } from './pair-scan-module';

/** Needles one scanner looks for at most: a bucket (a bit of the tables) each. */
export const MAX_SCANNED_NEEDLES = 8;
/** Larger buffers are left to the caller's own search: the reader hands the pre-check slices of 256 KiB. */
const MAX_SCAN_BYTES = 2 * 1024 * 1024;
/**
 * Matched lanes allowed per input byte. Audit logs have about one per 700 bytes (the generated
 * EKS mix); input far denser than this (a line of `"verb"` repeated) is left to the caller's
 * native search, whose cost per match is lower than the verification here.
 */
const MAX_LANES_PER_BYTE = 1 / 64;
/** Bytes sampled to choose each needle's pair (see `choosePairs`). */
const SAMPLE_BYTES = 64 * 1024;
const TABLES = 0;
const INPUT = 64;
/** Zero bytes after the input: the last block reads 17 bytes from its start. */
const PAD = 32;
const RECORD = 24;
const PAGE = 64 * 1024;

/** The little of the WebAssembly API used here: the project's libraries leave out the DOM's types, where TypeScript declares it. */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, never>) => { readonly exports: unknown };
};

interface ScanExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  scan(input: number, length: number, out: number, maxLanes: number): number;
}

let compiled: object | null | undefined;

/** The scanner's module, compiled once per thread; null where WebAssembly or its SIMD is unavailable (`--jitless`). */
function pairScanModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(PAIR_SCAN_WASM);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/**
 * Finds every occurrence of a few needles in a buffer in one pass, for the pre-check (see
 * `PreCheck`): each needle is looked for by one pair of its bytes (pair-scan.wat, SIMD over 16
 * bytes at a time), and each place the pair occurs is compared with the whole needle. What it
 * finds is exactly what a search for each needle would find, in order: the pair is part of the
 * needle, so every occurrence holds it. Searching each needle on its own costs a pass over the
 * buffer per needle, with a stop at each occurrence of the needle's first searched byte.
 *
 * Which pair of a needle is searched is a matter of speed only: the rarest of its pairs in the
 * first large buffer scanned (until then, the pair at the offset the caller suggests).
 */
export class PairScanner {
  /** After a `scan` that returned true: needle k occurs at `found[k][0 .. count[k])`, ascending. */
  readonly found: Int32Array[];
  readonly count: Int32Array;
  /** Per needle, the index in its list of the occurrence `next` returned last. */
  private readonly cursor: Int32Array;
  private readonly needles: readonly Buffer[];
  private readonly pairAt: Int32Array;
  private readonly exports: ScanExports;
  private bytes: Uint8Array;
  private words: Int32Array;
  private sampled = false;

  private constructor(instance: { readonly exports: unknown }, needles: readonly Buffer[], suggested: readonly number[]) {
    this.exports = instance.exports as ScanExports;
    this.needles = needles;
    this.pairAt = Int32Array.from(needles, (n, k) => Math.max(0, Math.min(suggested[k], n.length - 2)));
    this.found = needles.map(() => new Int32Array(256));
    this.count = new Int32Array(needles.length);
    this.cursor = new Int32Array(needles.length);
    this.bytes = new Uint8Array(this.exports.memory.buffer);
    this.words = new Int32Array(this.exports.memory.buffer);
    this.writeTables();
  }

  /**
   * A scanner for `needles` (at most MAX_SCANNED_NEEDLES, each of two bytes or more, none holding
   * a zero byte), or undefined where WebAssembly SIMD is unavailable or no instance can be made.
   * `suggested`: per needle, where its searched pair starts until a sample says otherwise.
   */
  static create(needles: readonly Buffer[], suggested: readonly number[]): PairScanner | undefined {
    if (needles.length > MAX_SCANNED_NEEDLES || needles.some((n) => n.length < 2 || n.includes(0))) {
      throw new Error('pair scanner: at most 8 needles of two or more non-zero bytes');
    }
    const module = pairScanModule();
    if (!module) return undefined;
    let instance: { readonly exports: unknown };
    try {
      instance = new WebAssembly.Instance(module, {});
    } catch {
      return undefined; // no memory for it (each instance reserves address space): the native searches do the same work
    }
    return new PairScanner(instance, needles, suggested);
  }

  /**
   * Finds every needle in `buf`; false (nothing found is valid) when `buf` is too large or too
   * dense for this scan, or its memory cannot grow.
   */
  scan(buf: Buffer): boolean {
    const n = buf.length;
    if (n > MAX_SCAN_BYTES) return false;
    if (!this.sampled && n >= SAMPLE_BYTES) this.choosePairs(buf);
    const maxLanes = Math.floor(n * MAX_LANES_PER_BYTE) + 16;
    const out = (INPUT + n + PAD + 15) & ~15;
    if (!this.reserve(out + RECORD * (maxLanes + 1))) return false;
    const bytes = this.bytes;
    bytes.set(buf, INPUT);
    bytes.fill(0, INPUT + n, INPUT + n + PAD);
    const records = this.exports.scan(INPUT, n, out, maxLanes);
    if (records < 0) return false;
    this.count.fill(0);
    this.cursor.fill(0);
    const words = this.words;
    for (let r = 0; r < records; r++) {
      const record = out + r * RECORD;
      const block = words[record >> 2];
      for (let lanes = words[(record >> 2) + 1]; lanes !== 0; lanes &= lanes - 1) {
        const lane = lowestBit(lanes);
        for (let buckets = bytes[record + 8 + lane]; buckets !== 0; buckets &= buckets - 1) {
          const k = lowestBit(buckets);
          this.verify(buf, k, block + lane - this.pairAt[k]);
        }
      }
    }
    return true;
  }

  /**
   * Where needle k occurs next at or after `from` in the buffer last scanned; Infinity when
   * nowhere. Calls for a needle mostly go forward, so a cursor walks its list; a step back looks
   * the place up.
   */
  next(k: number, from: number): number {
    const list = this.found[k];
    const count = this.count[k];
    let i = this.cursor[k];
    if (i > 0 && list[i - 1] >= from) {
      let high = i - 1; // list[high] >= from: the answer is at or before it
      i = 0;
      while (i < high) {
        const middle = (i + high) >> 1;
        if (list[middle] < from) i = middle + 1;
        else high = middle;
      }
    } else {
      while (i < count && list[i] < from) i++;
    }
    this.cursor[k] = i;
    return i < count ? list[i] : Infinity;
  }

  /** Records needle k at `at` if it is there whole. */
  private verify(buf: Buffer, k: number, at: number): void {
    const needle = this.needles[k];
    if (at < 0 || at + needle.length > buf.length || !bytesAt(buf, at, needle)) return;
    let list = this.found[k];
    const c = this.count[k];
    if (c === list.length) {
      const grown = new Int32Array(2 * list.length);
      grown.set(list);
      this.found[k] = list = grown;
    }
    list[c] = at;
    this.count[k] = c + 1;
  }

  /** Each needle's pair becomes its rarest in `sample` (on a tie, the one it had, else the first). */
  private choosePairs(sample: Buffer): void {
    this.sampled = true;
    const pairs = new Uint32Array(65536);
    const end = Math.min(sample.length, SAMPLE_BYTES) - 1;
    for (let i = 0; i < end; i++) pairs[(sample[i] << 8) | sample[i + 1]]++;
    this.needles.forEach((needle, k) => {
      let best = this.pairAt[k];
      for (let i = 0; i + 1 < needle.length; i++) if (pairs[(needle[i] << 8) | needle[i + 1]] < pairs[(needle[best] << 8) | needle[best + 1]]) best = i;
      this.pairAt[k] = best;
    });
    this.writeTables();
  }

  /** The four nibble tables: bucket k's bit for the nibbles of its pair's first and second byte. */
  private writeTables(): void {
    const t = this.bytes;
    t.fill(0, TABLES, TABLES + 64);
    this.needles.forEach((needle, k) => {
      const bit = 1 << k;
      const first = needle[this.pairAt[k]];
      const second = needle[this.pairAt[k] + 1];
      t[TABLES + (first & 15)] |= bit;
      t[TABLES + 16 + (first >> 4)] |= bit;
      t[TABLES + 32 + (second & 15)] |= bit;
      t[TABLES + 48 + (second >> 4)] |= bit;
    });
  }

  /** Grows the memory to `size` bytes at least; false when it cannot grow (the caller then searches natively). */
  private reserve(size: number): boolean {
    const memory = this.exports.memory;
    if (memory.buffer.byteLength >= size) return true;
    try {
      memory.grow(Math.ceil((size - memory.buffer.byteLength) / PAGE));
    } catch {
      return false;
    }
    this.bytes = new Uint8Array(memory.buffer);
    this.words = new Int32Array(memory.buffer);
    return true;
  }
}

/** The index of the lowest set bit of `bits` (not 0). */
function lowestBit(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}
