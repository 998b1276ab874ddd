import * as zlib from 'node:zlib';
import type { ByteSource } from './byte-source';
import type { DecodeProblem } from './decode-problem';

/**
 * One gzip member at a time (RFC 1952), for recovery after a corrupt member only: the normal path
 * is zlib's multi-member gunzip on the thread pool, which cannot say where a member starts or give
 * back what it decoded before an error. This path knows both, at the cost of speed.
 */

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED_FLAGS = 0xe0;
export const HEADER_BYTES = 10;
/** Small pieces, so an error loses at most one piece's output (gzip -dc loses up to 32 KiB). */
const PIECE = 16 * 1024;
/** A 16 KiB piece inflates to at most ~16.5 MiB; zlib must never wait for a reader here. */
const INFLATE_OPTIONS = { chunkSize: 64 * 1024, readableHighWaterMark: 32 * 1024 * 1024 } as zlib.ZlibOptions;

/** ID1 ID2 CM=deflate and no reserved flag: what zlib itself accepts as a member start. */
export function isMemberHeader(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x1f && bytes[at + 1] === 0x8b && bytes[at + 2] === 0x08 && (bytes[at + 3] & RESERVED_FLAGS) === 0;
}

/**
 * A member header with the extra flags (XFL) and OS byte zlib and the common encoders write. Used
 * to mark restart points while decoding normally, where a false match inside deflate data must be
 * practically impossible (about once in 10^11 bytes), not merely rare.
 */
export function isLikelyMemberHeader(bytes: Uint8Array, at: number): boolean {
  const xfl = bytes[at + 8];
  const os = bytes[at + 9];
  return isMemberHeader(bytes, at) && (xfl === 0 || xfl === 2 || xfl === 4) && (os <= 13 || os === 255);
}

/** The last likely member header in `bytes` at index ≥ 1 with its 10 header bytes inside, or -1. */
export function lastLikelyMemberHeader(bytes: Buffer): number {
  for (let at = bytes.lastIndexOf(MAGIC, bytes.length - HEADER_BYTES); at > 0; at = bytes.lastIndexOf(MAGIC, at - 1)) {
    if (isLikelyMemberHeader(bytes, at)) return at;
  }
  return -1;
}

const MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

export type MemberEnd = { ok: true } | ({ ok: false } & DecodeProblem);

/**
 * Decodes the member at the source's position, yielding its output as it comes. Ends with what
 * happened: a whole member (CRC and size checked), or the problem and its kind.
 */
export async function* inflateMember(source: ByteSource): AsyncGenerator<Buffer, MemberEnd> {
  const start = source.position;
  const header = await skipHeader(source);
  if (header !== true) return { ok: false, ...header };
  const inflater = zlib.createInflateRaw(INFLATE_OPTIONS);
  let crc = 0;
  let size = 0;
  try {
    for (;;) {
      const piece = await source.read(PIECE);
      if (!piece) return { ok: false, kind: 'truncated-input', detail: `compressed stream ends early: gzip member at stored byte ${start} is cut off` };
      const before = inflater.bytesWritten;
      const error = await write(inflater, piece);
      for (let out = inflater.read() as Buffer | null; out !== null; out = inflater.read() as Buffer | null) {
        crc = zlib.crc32(out, crc);
        size += out.length;
        yield out;
      }
      if (error) return { ok: false, kind: 'corrupt-input', detail: `corrupt compressed data: ${error.message} (gzip member at stored byte ${start})` };
      const used = inflater.bytesWritten - before;
      if (used < piece.length) {
        source.rewind(source.position - (piece.length - used)); // the deflate data ended inside this piece
        break;
      }
    }
  } finally {
    inflater.destroy();
  }
  const trailer = await source.readExactly(8);
  if (trailer.length < 8)
    return { ok: false, kind: 'truncated-input', detail: `compressed stream ends early: gzip member at stored byte ${start} has no trailer` };
  if (trailer.readUInt32LE(0) !== crc >>> 0 || trailer.readUInt32LE(4) !== size % 0x100000000) {
    return { ok: false, kind: 'corrupt-input', detail: `corrupt compressed data: incorrect data check (gzip member at stored byte ${start})` };
  }
  return { ok: true };
}

async function skipHeader(source: ByteSource): Promise<true | DecodeProblem> {
  const start = source.position;
  const truncated: DecodeProblem = { kind: 'truncated-input', detail: `compressed stream ends early: gzip member header at stored byte ${start} is cut off` };
  const fixed = await source.readExactly(HEADER_BYTES);
  if (fixed.length < HEADER_BYTES) return truncated;
  if (!isMemberHeader(fixed, 0)) return { kind: 'corrupt-input', detail: `corrupt compressed data: no gzip member header at stored byte ${start}` };
  const flags = fixed[3];
  if (flags & FEXTRA) {
    const length = await source.readExactly(2);
    if (length.length < 2 || (await source.readExactly(length.readUInt16LE(0))).length < length.readUInt16LE(0)) return truncated;
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag && !(await skipPastZero(source))) return truncated;
  }
  if (flags & FHCRC && (await source.readExactly(2)).length < 2) return truncated;
  return true;
}

async function skipPastZero(source: ByteSource): Promise<boolean> {
  for (;;) {
    const chunk = await source.read();
    if (!chunk) return false;
    const zero = chunk.indexOf(0);
    if (zero >= 0) {
      source.rewind(source.position - (chunk.length - zero - 1));
      return true;
    }
  }
}

/** Resolves when zlib has taken the piece, with its error if it failed on it. */
function write(stream: zlib.InflateRaw, piece: Buffer): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const onError = (error: Error): void => resolve(error);
    stream.once('error', onError);
    stream.write(piece, (error) => {
      stream.off('error', onError);
      resolve(error ?? undefined);
    });
  });
}

/** Bytes stepped over looking for a member header. */
export interface Skipped {
  /** Offset of the first byte skipped. */
  from: number;
  count: number;
  /** Every skipped byte was zero. */
  zeros: boolean;
  /** A member header follows them (the source is at it); false when the input ended first. */
  found: boolean;
}

/**
 * Moves the source to the next member header at or after its position, reading (and dropping)
 * the bytes before it, and says what they were.
 */
export async function seekMemberHeader(source: ByteSource): Promise<Skipped> {
  const from = source.position;
  let zeros = true;
  let carry: Buffer = Buffer.alloc(0);
  for (;;) {
    const chunk = await source.read();
    if (!chunk) return { from, count: source.position - from, zeros, found: false };
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const bytesStart = source.position - bytes.length;
    for (let at = bytes.indexOf(MAGIC); at >= 0 && at + 3 < bytes.length; at = bytes.indexOf(MAGIC, at + 1)) {
      if (isMemberHeader(bytes, at)) {
        zeros &&= allZero(bytes.subarray(0, at));
        source.rewind(bytesStart + at);
        return { from, count: source.position - from, zeros, found: true };
      }
    }
    zeros &&= allZero(bytes); // the carry is looked at twice: harmless
    carry = bytes.subarray(Math.max(0, bytes.length - 3)); // a header may straddle two chunks
    source.forgetBefore(source.position - carry.length);
  }
}

function allZero(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/**
 * What the bytes at the source's position are, the source unmoved: a member start (or what is left
 * is the start of one, which inflateMember reports cut off), the end of the input, or other bytes.
 */
export async function peekMemberStart(source: ByteSource): Promise<'member' | 'end' | 'other'> {
  const start = source.position;
  const head = await source.readExactly(4);
  source.rewind(start);
  if (head.length === 0) return 'end';
  const member = Buffer.from([0x1f, 0x8b, 0x08, head[3] & ~RESERVED_FLAGS]);
  return head.equals(member.subarray(0, head.length)) ? 'member' : 'other';
}
