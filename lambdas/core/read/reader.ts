import type { DecodeHooks } from './decode';
import { decodeLayers, TooManyLayersError, UnsupportedCompressionError } from './decode';
import type { ParserOptions, ReadEvent } from './parser';
import { AuditLogParser } from './parser';
import type { ProblemKind, ReadStats } from './stats';
import { asUtf8, UnsupportedEncodingError } from './text-encoding';

/** About the most decoded text parsed between two looks at the deadline. */
const DEADLINE_SLICE_BYTES = 256 * 1024;

/** Where the slice from `at` ends: after the last line break within DEADLINE_SLICE_BYTES (no line is split), else there. */
function sliceEnd(chunk: Buffer, at: number): number {
  if (chunk.length - at <= DEADLINE_SLICE_BYTES) return chunk.length;
  const newline = chunk.subarray(at, at + DEADLINE_SLICE_BYTES).lastIndexOf(0x0a); // bounded: never searches before `at`
  return newline >= 0 ? at + newline + 1 : at + DEADLINE_SLICE_BYTES;
}

export type ReadOptions = ParserOptions;

export interface AuditLogReading {
  /** The audit events, in stream order. Never throws: every failure ends up in `stats`. */
  events: AsyncGenerator<ReadEvent, void, undefined>;
  /** Running statistics; final once `events` is exhausted. */
  stats: ReadStats;
}

/**
 * Reads one audit-log object (a file, an S3 GetObject body) of any supported shipping format
 * and compression, all detected from the bytes. Memory stays flat: at most one chunk plus one
 * document (bounded by `maxDocumentBytes`) is held at a time.
 */
export function readAuditLog(source: AsyncIterable<Buffer | Uint8Array | string>, options: ReadOptions = {}): AuditLogReading {
  const parser = new AuditLogParser(options);

  async function* events(): AsyncGenerator<ReadEvent, void, undefined> {
    const out: ReadEvent[] = [];
    for await (const _ of feedParser(source, parser, out, options.shouldStop)) {
      yield* out;
      out.length = 0;
    }
  }

  return { events: events(), stats: parser.stats };
}

/**
 * Feeds one object's decoded text to `parser` a slice at a time, yielding after each slice with
 * what it emitted in `out` (the caller empties it), and last after `parser.finish`. Never throws:
 * every failure is reported to the parser as a problem.
 */
export async function* feedParser(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  parser: AuditLogParser,
  out: ReadEvent[],
  shouldStop?: () => boolean,
): AsyncGenerator<void, void, undefined> {
  const stats = parser.stats;

  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      const bytes =
        typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      stats.bytesIn += bytes.length;
      yield bytes;
    }
  }

  try {
    const hooks: DecodeHooks = {
      onLayer: (layer) => stats.compression.push(layer),
      onProblem: ({ kind, detail, nothingLost }) =>
        parser.reportProblem(kind, stats.bytesDecoded, parser.currentLine, `${detail} (after ${stats.bytesIn} stored bytes)`, !nothingLost),
    };
    const layers = decodeLayers(counted(), hooks);
    reading: for await (const chunk of asUtf8(layers, (encoding) => stats.compression.push(encoding))) {
      // The deadline is asked between slices of a chunk, not only between chunks: a decompression
      // bomb of tiny junk lines takes about 250 ms per MiB to parse here, seconds on a busy host.
      for (let at = 0; at < chunk.length;) {
        if (shouldStop?.()) {
          parser.reportProblem(
            'deadline',
            stats.bytesDecoded,
            parser.currentLine,
            `stopped before the end of the object: the deadline came (after ${stats.bytesIn} stored bytes)`,
            true,
          );
          break reading;
        }
        const end = sliceEnd(chunk, at);
        parser.push(end - at === chunk.length ? chunk : chunk.subarray(at, end), out);
        at = end;
        yield;
      }
    }
  } catch (error) {
    const [kind, detail] = classifyStreamError(error);
    parser.reportProblem(kind, stats.bytesDecoded, parser.currentLine, `${detail} (after ${stats.bytesIn} stored bytes)`, true);
  }
  parser.finish(out);
  yield;
}

function classifyStreamError(error: unknown): [ProblemKind, string] {
  if (error instanceof UnsupportedCompressionError) return ['unsupported-compression', error.message];
  if (error instanceof UnsupportedEncodingError) return ['unsupported-encoding', error.message];
  if (error instanceof TooManyLayersError) return ['corrupt-input', error.message];
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  // zlib: Z_BUF_ERROR "unexpected end of file"; fzstd: code 5 (UnexpectedEOF).
  if (e.code === 'Z_BUF_ERROR' || e.code === 5) return ['truncated-input', `compressed stream ends early: ${message}`];
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) return ['corrupt-input', `corrupt compressed data: ${message}`];
  if (typeof e.code === 'number') return ['corrupt-input', `corrupt zstd data: ${message}`];
  return ['source-error', `reading the source failed: ${message}`];
}

/** A way to read an object: `readAuditLog` on this thread, or a reader pool's worker-thread reading; same events, same stats. */
export type ReadAuditLog = (source: AsyncIterable<Buffer | Uint8Array | string>, options?: ReadOptions) => AuditLogReading;
