import type { Transform } from 'node:stream';
import { Readable, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import type { DecodeProblem } from './decode-problem';
import { CHUNK, decoderOptions, gunzipMembers } from './gunzip';
import { unzstdChecked } from './zstd-frames';

export type { DecodeProblem } from './decode-problem';

/** Compression named by its magic bytes. Only gzip and zstd are decoded; the rest get a named error. */
export type Compression = 'plain' | 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'lz4' | 'zip' | 'snappy' | '7z';

const MAGIC: ReadonlyArray<[Compression, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['snappy', [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
];
/** Enough bytes to tell every format above apart. */
export const MAGIC_BYTES = 10;
/** gzip inside gzip is what Firehose writes; deeper than this is not a log, it is a bomb or a bug. */
const MAX_LAYERS = 4;

export function detectCompression(head: Buffer): Compression {
  for (const [name, magic] of MAGIC) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return name;
  }
  return 'plain';
}

export class UnsupportedCompressionError extends Error {
  override readonly name = 'UnsupportedCompressionError';
  constructor(readonly compression: Compression) {
    super(`unsupported compression: ${compression} (only gzip and zstd are decoded; decompress the object first)`);
  }
}

export class TooManyLayersError extends Error {
  override readonly name = 'TooManyLayersError';
  constructor() {
    super(`more than ${MAX_LAYERS} nested compression layers`);
  }
}

export interface DecodeHooks {
  /** Hears each layer's name, outermost first. */
  onLayer: (name: Compression) => void;
  /** Hears each problem a layer read past (a corrupt gzip member, a zstd frame that fails its checksum). */
  onProblem: (problem: DecodeProblem) => void;
}

/**
 * Peels every compression layer, detecting each from its first bytes: an EKS object written by
 * Firehose with GZIP on is gzip around concatenated gzip members, so the output of one layer is
 * sniffed again. A layer that finds a corrupt member or frame reports it and reads on; errors it
 * cannot read past (a truncated stream, a failing source) are thrown.
 */
export async function* decodeLayers(input: AsyncIterable<Buffer>, hooks: DecodeHooks, depth = 0): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < MAGIC_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  if (headLength === 0) return;
  const kind = detectCompression(Buffer.concat(head));
  async function* whole(): AsyncGenerator<Buffer> {
    try {
      yield* head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.(); // a consumer that stops early releases the source (an S3 socket)
    }
  }
  if (kind === 'plain') {
    if (depth === 0) hooks.onLayer('plain');
    yield* whole();
    return;
  }
  if (kind !== 'gzip' && kind !== 'zstd') throw new UnsupportedCompressionError(kind);
  if (depth >= MAX_LAYERS) throw new TooManyLayersError();
  hooks.onLayer(kind);
  const layer = separatedAtBreaks((onProblem) => (kind === 'gzip' ? gunzipMembers(whole(), onProblem) : unzstd(whole(), onProblem)), hooks.onProblem);
  yield* decodeLayers(layer, hooks, depth + 1);
}

const NEWLINE = Buffer.from('\n');

/**
 * Where a layer skipped bytes, what follows must not be glued to the half line before the break
 * (that would turn the next member's first event into one malformed line with the cut-off one):
 * a newline goes between them. Whitespace, so concatenated JSON is not harmed either; none before
 * any output, so the next layer still sniffs its magic bytes.
 */
async function* separatedAtBreaks(
  decode: (onProblem: (problem: DecodeProblem) => void) => AsyncIterable<Buffer>,
  onProblem: (problem: DecodeProblem) => void,
): AsyncGenerator<Buffer> {
  let broken = false;
  let lastByte: number | undefined;
  for await (const chunk of decode((problem) => {
    broken = true;
    onProblem(problem);
  })) {
    if (chunk.length === 0) continue;
    if (broken && lastByte !== undefined && lastByte !== 0x0a) yield NEWLINE;
    broken = false;
    lastByte = chunk[chunk.length - 1];
    yield chunk;
  }
}

type ZstdFactory = (options: zlib.ZlibOptions) => Transform;

/**
 * Node ≥ 22.15 decodes zstd natively (checksums included); on older runtimes the small pure-JS
 * fzstd does, with the frame walk that adds the checksum it skips.
 */
function unzstd(input: AsyncIterable<Buffer>, onProblem: (problem: DecodeProblem) => void): AsyncIterable<Buffer> {
  const native = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  return native ? onThreadPool(native(decoderOptions()), input) : unzstdChecked(input, onProblem);
}

function onThreadPool(decoder: Transform, input: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  // Errors reach the consumer through the decoder, which pipeline destroys with them.
  pipeline(Readable.from(coalesce(input, CHUNK), { objectMode: false, highWaterMark: 4 * CHUNK }), decoder, () => undefined);
  return decoder;
}

/** Joins small chunks (S3 sockets deliver 16-64 KiB) so each decoder job runs long on its thread. */
async function* coalesce(input: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of input) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}
