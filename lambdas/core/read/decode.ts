import type { Transform } from 'node:stream';
import { Readable, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';

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
const CHUNK = 1024 * 1024;

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

/**
 * Peels every compression layer, detecting each from its first bytes: an EKS object written by
 * Firehose with GZIP on is gzip around concatenated gzip members, so the output of one layer is
 * sniffed again. `onLayer` hears each layer's name, outermost first.
 */
export async function* decodeLayers(input: AsyncIterable<Buffer>, onLayer: (name: Compression) => void, depth = 0): AsyncGenerator<Buffer> {
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
    if (depth === 0) onLayer('plain');
    yield* whole();
    return;
  }
  if (kind !== 'gzip' && kind !== 'zstd') throw new UnsupportedCompressionError(kind);
  if (depth >= MAX_LAYERS) throw new TooManyLayersError();
  onLayer(kind);
  yield* decodeLayers(kind === 'gzip' ? gunzip(whole()) : unzstd(whole()), onLayer, depth + 1);
}

/** zlib's gunzip reads multi-member gzip. */
function gunzip(input: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  return onThreadPool(zlib.createGunzip(POOL_OPTIONS), input);
}

type ZstdFactory = (options: zlib.ZlibOptions) => Transform;

/** Node ≥ 22.15 decodes zstd natively; on older runtimes the small pure-JS fzstd does. */
function unzstd(input: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const native = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  return native ? onThreadPool(native(POOL_OPTIONS), input) : fzstdDecode(input);
}

/**
 * zlib streams run on libuv's thread pool, but each output chunk needs a turn of the main
 * thread to start the next job. Large chunks and read-ahead buffers keep the decoder a few
 * chunks ahead of the parser, so the two overlap instead of taking turns. (zlib passes these
 * stream options on to its Transform; @types/node does not list them in ZlibOptions.)
 */
const POOL_OPTIONS = { chunkSize: CHUNK, readableHighWaterMark: 4 * CHUNK, writableHighWaterMark: 4 * CHUNK } as zlib.ZlibOptions;

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

async function* fzstdDecode(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const ready: Buffer[] = [];
  let ended = false;
  const decoder = new ZstdStream((data, final) => {
    ready.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    if (final) ended = true;
  });
  for await (const chunk of input) {
    decoder.push(chunk);
    yield* ready.splice(0);
  }
  if (!ended) decoder.push(new Uint8Array(0), true);
  yield* ready.splice(0);
}
