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
const CHUNK = 256 * 1024;

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

/** zlib's gunzip reads multi-member gzip; it runs on libuv's thread pool, so parsing overlaps it. */
function gunzip(input: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const stream = zlib.createGunzip({ chunkSize: CHUNK });
  // Errors reach the consumer through the gunzip stream, which pipeline destroys with them.
  pipeline(Readable.from(input, { objectMode: false }), stream, () => undefined);
  return stream;
}

type ZstdFactory = (options: { chunkSize: number }) => NodeJS.ReadWriteStream & AsyncIterable<Buffer>;

/** Node ≥ 22.15 decodes zstd natively; on older runtimes the small pure-JS fzstd does. */
function unzstd(input: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const native = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  if (native) {
    const stream = native({ chunkSize: CHUNK });
    pipeline(Readable.from(input, { objectMode: false }), stream, () => undefined);
    return stream;
  }
  return fzstdDecode(input);
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
