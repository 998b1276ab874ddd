import { Decompress } from 'fzstd';
import type { DecodeProblem } from './decode-problem';
import { Xxh64 } from './xxh64';

/**
 * The pure-JS zstd path (Node < 22.15), with the content checksum fzstd skips.
 *
 * fzstd decodes whatever it is given and never looks at a frame's checksum, so a flipped byte in a
 * raw block comes out as a wrong byte, silently. Here the frame structure is walked beside it:
 * each frame's bytes go to a fresh fzstd decoder, its output is hashed as it streams out, and
 * where the frame carries a checksum the low 32 bits of XXH64(content) must match. Because the
 * walk knows where each frame ends from the block headers alone, a frame fzstd rejects or whose
 * checksum fails is reported and the next frame is still read.
 */

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_RAW = 0;
const BLOCK_RLE = 1;
const BLOCK_RESERVED = 3;

/** What the walker found in the compressed bytes, in order. */
export type FramePiece =
  | { type: 'frame-start'; hasChecksum: boolean }
  /** Bytes of the current zstd frame (header, blocks and checksum alike) for its decoder. */
  | { type: 'frame-bytes'; bytes: Uint8Array }
  /** The frame's last block and checksum (if any) have been seen. */
  | { type: 'frame-end'; checksum: number | undefined };

export class ZstdFormatError extends Error {
  override readonly name = 'ZstdFormatError';
}

type State =
  | { at: 'magic' }
  | { at: 'skippable-size' }
  | { at: 'skip'; left: number }
  | { at: 'descriptor' }
  | { at: 'header-rest'; left: number; hasChecksum: boolean }
  | { at: 'block-header'; hasChecksum: boolean }
  | { at: 'block-body'; left: number; last: boolean; hasChecksum: boolean }
  | { at: 'checksum' };

/**
 * Splits zstd compressed bytes into frames from the headers alone (RFC 8878 §3.1): the frame
 * header's size follows from its descriptor byte, each block header gives the block's stored size
 * (an RLE block stores one byte), and a checksum of 4 bytes follows the last block if the
 * descriptor says so. Skippable frames are stepped over.
 */
export class ZstdFrameWalker {
  private state: State = { at: 'magic' };
  /** A fixed-size field that straddles two chunks. */
  private readonly field = new Uint8Array(8);
  private fieldLength = 0;
  /** A frame's magic, held until its descriptor says the frame starts. */
  private pendingMagic: Uint8Array | undefined;

  /** True between frames: the input may end here without being truncated. */
  get atBoundary(): boolean {
    return this.state.at === 'magic' && this.fieldLength === 0;
  }

  push(chunk: Uint8Array, out: FramePiece[]): void {
    let at = 0;
    while (at < chunk.length) {
      const state = this.state;
      switch (state.at) {
        case 'skip':
        case 'block-body': {
          const take = Math.min(state.left, chunk.length - at);
          if (state.at === 'block-body') out.push({ type: 'frame-bytes', bytes: chunk.subarray(at, at + take) });
          at += take;
          state.left -= take;
          if (state.left === 0) this.afterBody(state, out);
          break;
        }
        case 'header-rest': {
          const take = Math.min(state.left, chunk.length - at);
          out.push({ type: 'frame-bytes', bytes: chunk.subarray(at, at + take) });
          at += take;
          state.left -= take;
          if (state.left === 0) this.state = { at: 'block-header', hasChecksum: state.hasChecksum };
          break;
        }
        default: {
          const size = FIELD_SIZE[state.at];
          const take = Math.min(size - this.fieldLength, chunk.length - at);
          this.field.set(chunk.subarray(at, at + take), this.fieldLength);
          this.fieldLength += take;
          at += take;
          if (this.fieldLength === size) {
            this.fieldLength = 0;
            this.onField(state, this.field.subarray(0, size), out);
          }
        }
      }
    }
  }

  private onField(state: State, field: Uint8Array, out: FramePiece[]): void {
    const u32 = (): number => (field[0] | (field[1] << 8) | (field[2] << 16) | (field[3] << 24)) >>> 0;
    switch (state.at) {
      case 'magic': {
        const magic = u32();
        if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          this.state = { at: 'skippable-size' };
        } else if (magic === ZSTD_MAGIC) {
          this.state = { at: 'descriptor' };
          // The decoder gets the magic too: it parses the header itself.
          this.pendingMagic = field.slice(0, 4);
        } else {
          throw new ZstdFormatError(`not a zstd frame: magic 0x${magic.toString(16).padStart(8, '0')}`);
        }
        return;
      }
      case 'skippable-size': {
        const left = u32();
        this.state = left > 0 ? { at: 'skip', left } : { at: 'magic' };
        return;
      }
      case 'descriptor': {
        const descriptor = field[0];
        if (descriptor & 0x08) throw new ZstdFormatError('zstd frame header has its reserved bit set');
        const singleSegment = (descriptor >> 5) & 1;
        const contentSizeFlag = descriptor >> 6;
        const dictionaryFlag = descriptor & 3;
        const hasChecksum = ((descriptor >> 2) & 1) === 1;
        const rest = (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictionaryFlag] + (contentSizeFlag === 0 ? singleSegment : 1 << contentSizeFlag);
        out.push({ type: 'frame-start', hasChecksum });
        out.push({ type: 'frame-bytes', bytes: Uint8Array.of(...(this.pendingMagic ?? []), descriptor) });
        this.pendingMagic = undefined;
        this.state = rest > 0 ? { at: 'header-rest', left: rest, hasChecksum } : { at: 'block-header', hasChecksum };
        return;
      }
      case 'block-header': {
        const header = field[0] | (field[1] << 8) | (field[2] << 16);
        const last = (header & 1) === 1;
        const type = (header >> 1) & 3;
        if (type === BLOCK_RESERVED) throw new ZstdFormatError('zstd block of the reserved type');
        const stored = type === BLOCK_RLE ? 1 : header >>> 3;
        out.push({ type: 'frame-bytes', bytes: field.slice(0, 3) });
        const body = { at: 'block-body' as const, left: stored, last, hasChecksum: state.hasChecksum };
        if (stored > 0) this.state = body;
        else this.afterBody(body, out);
        return;
      }
      case 'checksum': {
        out.push({ type: 'frame-bytes', bytes: field.slice(0, 4) });
        out.push({ type: 'frame-end', checksum: u32() });
        this.state = { at: 'magic' };
        return;
      }
      default:
        return;
    }
  }

  private afterBody(state: State, out: FramePiece[]): void {
    if (state.at === 'skip') {
      this.state = { at: 'magic' };
    } else if (state.at === 'block-body') {
      if (!state.last) this.state = { at: 'block-header', hasChecksum: state.hasChecksum };
      else if (state.hasChecksum) this.state = { at: 'checksum' };
      else {
        out.push({ type: 'frame-end', checksum: undefined });
        this.state = { at: 'magic' };
      }
    }
  }
}

const FIELD_SIZE = { magic: 4, 'skippable-size': 4, descriptor: 1, 'block-header': 3, checksum: 4 } as const;

/** The type a block header names; exported for the tests that corrupt one on purpose. */
export const BLOCK_TYPE = { raw: BLOCK_RAW, rle: BLOCK_RLE, reserved: BLOCK_RESERVED } as const;

/**
 * Decodes zstd with fzstd, one decoder per frame, checking each frame's content checksum. Output
 * streams out as it is decoded, so bytes before a bad spot still reach the parser; a frame that
 * fails (fzstd error or checksum mismatch) is reported through `onProblem` and reading goes on
 * with the next frame. A malformed frame header ends the stream (no resynchronisation marker).
 */
export async function* unzstdChecked(input: AsyncIterable<Buffer>, onProblem: (problem: DecodeProblem) => void): AsyncGenerator<Buffer> {
  const walker = new ZstdFrameWalker();
  const pieces: FramePiece[] = [];
  const ready: Buffer[] = [];
  let frame: { decoder: Decompress; hash: Xxh64; failed: boolean; index: number } | undefined;
  let frames = 0;
  let storedBytes = 0;
  const fail = (kind: DecodeProblem['kind'], detail: string): void => {
    if (frame) frame.failed = true;
    onProblem({ kind, detail: `${detail} (zstd frame ${frame?.index ?? frames}, at stored byte ${storedBytes})` });
  };
  const feed = (bytes: Uint8Array, final: boolean): void => {
    if (!frame || frame.failed) return;
    try {
      frame.decoder.push(bytes, final);
    } catch (error) {
      fail('corrupt-input', `corrupt zstd data: ${(error as Error).message}`);
    }
  };

  for await (const chunk of input) {
    try {
      walker.push(chunk, pieces);
    } catch (error) {
      if (!(error instanceof ZstdFormatError)) throw error;
      yield* flush();
      fail('corrupt-input', `corrupt zstd data: ${error.message}`);
      return;
    }
    yield* flush();
    storedBytes += chunk.length;
  }
  yield* flush();
  if (!walker.atBoundary) fail('truncated-input', 'compressed stream ends early: the last zstd frame is cut off');

  function* flush(): Generator<Buffer> {
    for (const piece of pieces) {
      if (piece.type === 'frame-start') {
        const hash = new Xxh64();
        const current = {
          hash,
          failed: false,
          index: frames++,
          decoder: new Decompress((data) => {
            if (data.length === 0) return;
            hash.update(data);
            ready.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
          }),
        };
        frame = current;
      } else if (piece.type === 'frame-bytes') {
        feed(piece.bytes, false);
      } else {
        feed(new Uint8Array(0), true);
        if (frame && !frame.failed && piece.checksum !== undefined && frame.hash.low32() !== piece.checksum) {
          fail('corrupt-input', 'corrupt zstd data: the content checksum does not match');
        }
        frame = undefined;
      }
      yield* ready.splice(0);
    }
    pieces.length = 0;
  }
}
