import type { ParserOptions, ReadEvent, SkippedHead } from './parser';
import { AuditLogParser, documentDigest, FramedKind } from './parser';
import type { AuditLogReading, ReadOptions } from './reader';
import { feedParser } from './reader';
import type { ProblemKind, ReadStats } from './stats';

/**
 * The reader split in two stages that can run on two threads. Stage one (`frameAuditLog`)
 * decompresses, finds document boundaries and pre-checks, as the reader does, and hands on only
 * the bytes of the documents that must be parsed, in batches that can be transferred between
 * threads. Stage two (`FramedAcceptor`) parses those documents and applies every rule of the
 * reader (envelopes, validation, duplicates, pruning), in stream order, so a reading split in two
 * gives the same events and the same stats as `readAuditLog`.
 */

/** A stage-one problem, forwarded in order with the documents. */
export interface FramedProblem {
  kind: ProblemKind;
  offset: number;
  line: number;
  detail: string;
  incomplete: boolean;
}

/** What stage one counted itself (the documents it skipped, the bytes it read), running totals. */
export interface FramingCounters {
  bytesIn: number;
  bytesDecoded: number;
  documents: number;
  events: number;
  filtered: number;
  skippedByStage: Record<string, number>;
  compression: string[];
}

/** Fields per record in `FramedBatch.records`. */
const FIELDS = 6;
/** A record that is a problem: `start` indexes `problems`. */
const PROBLEM = -1;

export interface FramedBatch {
  /** The framed documents' bytes back to back, in a buffer of their own (transferable). */
  bytes: Uint8Array;
  /**
   * Records in stream order, FIELDS numbers each: kind (a `FramedKind`, or PROBLEM), start, end
   * (in `bytes`), stream offset, line, and for an oversize head the document's size, for a
   * document the index of its digest in `digests`.
   */
  records: Float64Array;
  problems: FramedProblem[];
  /** Each document's digest (`documentDigest`), taken here so that the thread parsing does not hash what it parses. */
  digests: string[];
  counters: FramingCounters;
  /** The last batch of the object. */
  done: boolean;
}

/** Documents' bytes gathered before a batch is handed on (a batch holds at least one document, whatever its size). */
const BATCH_BYTES = 256 * 1024;
/** Records before a batch is handed on, however small its documents. */
const BATCH_RECORDS = 2048;

/** Stage one: the reader's framing and pre-check, with every document it would parse written to a batch instead. */
class FramingParser extends AuditLogParser {
  private bytes = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private used = 0;
  private records: number[] = [];
  private problems: FramedProblem[] = [];
  private digests: string[] = [];

  override reportProblem(kind: ProblemKind, offset: number, line: number, detail: string, incomplete = false): void {
    this.records.push(PROBLEM, this.problems.length, 0, 0, 0, 0);
    this.problems.push({ kind, offset, line, detail, incomplete });
  }

  protected override parseDocument(buf: Buffer, start: number, end: number): void {
    this.digests.push(documentDigest(buf.subarray(start, end)));
    this.add(FramedKind.Document, buf, start, end, this.streamOffset(start), this.currentLine, this.digests.length - 1);
  }

  protected override acceptGuessed(_value: unknown, buf: Buffer, start: number, end: number): void {
    this.add(FramedKind.Guessed, buf, start, end, this.streamOffset(start), this.currentLine, 0);
  }

  protected override emitOversize(skipped: SkippedHead, end: number): void {
    this.add(FramedKind.Oversize, skipped.raw, 0, skipped.raw.length, skipped.offset, skipped.line, end - skipped.offset);
  }

  get full(): boolean {
    return this.used >= BATCH_BYTES || this.records.length >= BATCH_RECORDS * FIELDS;
  }

  take(done: boolean): FramedBatch {
    const s = this.stats;
    const batch: FramedBatch = {
      bytes: new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.used),
      records: Float64Array.from(this.records),
      problems: this.problems,
      digests: this.digests,
      counters: {
        bytesIn: s.bytesIn,
        bytesDecoded: s.bytesDecoded,
        documents: s.documents,
        events: s.events,
        filtered: s.filtered,
        skippedByStage: { ...s.skippedByStage },
        compression: [...s.compression],
      },
      done,
    };
    // The buffer goes to the other thread: a fresh one for the next batch.
    this.bytes = Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.used = 0;
    this.records = [];
    this.problems = [];
    this.digests = [];
    return batch;
  }

  private add(kind: FramedKind, buf: Buffer, start: number, end: number, offset: number, line: number, size: number): void {
    const length = end - start;
    if (this.used + length > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(2 * this.bytes.length, this.used + length));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    buf.copy(this.bytes, this.used, start, end);
    this.records.push(kind, this.used, this.used + length, offset, line, size);
    this.used += length;
  }
}

/** Reader options that can cross to another thread (no deadline callback). */
export type FramingOptions = Omit<ReadOptions, 'shouldStop'>;

/**
 * Stage one over a whole object: batches of framed documents, the last with `done`. Never throws
 * (failures are problems in the batches). `shouldStop` is asked as the reader asks it; a stage one
 * on another thread leaves the deadline to stage two's side.
 */
export async function* frameAuditLog(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  options: FramingOptions,
  shouldStop?: () => boolean,
): AsyncGenerator<FramedBatch, void, undefined> {
  const parser = new FramingParser(options);
  const none: ReadEvent[] = [];
  for await (const _ of feedParser(source, parser, none, shouldStop)) {
    if (parser.full) yield parser.take(false);
  }
  yield parser.take(true);
}

/** Stage two: accepts stage one's batches in order into one reading's events and stats. */
export class FramedAcceptor {
  private readonly parser: AuditLogParser;
  readonly stats: ReadStats;
  private seen: FramingCounters = { bytesIn: 0, bytesDecoded: 0, documents: 0, events: 0, filtered: 0, skippedByStage: {}, compression: [] };

  constructor(options: ParserOptions) {
    this.parser = new AuditLogParser(options);
    this.stats = this.parser.stats;
  }

  /** The batch's events are appended to `out`; its counters are added to the stats. */
  accept(batch: FramedBatch, out: ReadEvent[]): void {
    const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    const r = batch.records;
    for (let i = 0; i + FIELDS <= r.length; i += FIELDS) {
      const kind = r[i];
      if (kind === PROBLEM) {
        const p = batch.problems[r[i + 1]];
        this.parser.reportProblem(p.kind, p.offset, p.line, p.detail, p.incomplete);
      } else if (kind === FramedKind.Document) {
        this.parser.acceptFramed(FramedKind.Document, bytes, r[i + 1], r[i + 2], r[i + 3], r[i + 4], 0, out, batch.digests[r[i + 5]]);
      } else {
        this.parser.acceptFramed(kind as FramedKind, bytes, r[i + 1], r[i + 2], r[i + 3], r[i + 4], r[i + 5], out);
      }
    }
    this.addCounters(batch.counters);
  }

  /** The current line as stage two knows it, for a problem stage two reports itself. */
  reportProblem(kind: ProblemKind, detail: string): void {
    this.parser.reportProblem(kind, this.stats.bytesDecoded, this.parser.currentLine, detail, true);
  }

  private addCounters(c: FramingCounters): void {
    const s = this.stats;
    const seen = this.seen;
    s.bytesIn += c.bytesIn - seen.bytesIn;
    s.bytesDecoded += c.bytesDecoded - seen.bytesDecoded;
    s.documents += c.documents - seen.documents;
    s.events += c.events - seen.events;
    s.filtered += c.filtered - seen.filtered;
    for (const [stage, n] of Object.entries(c.skippedByStage)) s.skippedByStage[stage] = (s.skippedByStage[stage] ?? 0) + n - (seen.skippedByStage[stage] ?? 0);
    // Stage two never names a layer: stage one's list is the object's.
    s.compression.splice(0, s.compression.length, ...c.compression);
    this.seen = c;
  }
}

/**
 * Both stages on this thread, through the same batches: what a worker-thread reading does, minus
 * the thread. The reader's tests run through it to hold the split to the reader's guarantees.
 */
export function readAuditLogFramed(source: AsyncIterable<Buffer | Uint8Array | string>, options: ReadOptions = {}): AuditLogReading {
  const { shouldStop, ...framing } = options;
  const acceptor = new FramedAcceptor(framing);
  async function* events(): AsyncGenerator<ReadEvent, void, undefined> {
    const out: ReadEvent[] = [];
    for await (const batch of frameAuditLog(source, framing, shouldStop)) {
      acceptor.accept(batch, out);
      yield* out;
      out.length = 0;
    }
  }
  return { events: events(), stats: acceptor.stats };
}
