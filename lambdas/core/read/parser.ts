import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import type { AuditEvent } from '../audit-event';
import { TRUNCATED_ANNOTATION } from '../audit-event';
import { clusterFromLogGroup, clusterFromResourceId, isRecord, shipperPayload } from './envelopes';
import { invalidEventReason, pruneDeepBodies } from './event-check';
import { readObjectHead } from './event-head';
import type { EventInterest } from './interest';
import { CompiledInterest } from './interest';
import { findValueEnd, ValueEndScanner } from './json-scan';
import type { Verdict } from './precheck';
import { FILTER, PARSE, PreCheck } from './precheck';
import { RecentKeys } from './recent-keys';
import type { ProblemKind, ReadStats } from './stats';
import { emptyStats, recordProblem } from './stats';
import { CLOSE_BRACE, NEWLINE, OPEN_BRACE } from './bytes';

export interface ParserOptions {
  /** What the rules can care about; events outside it are counted and skipped unparsed. Omitted: parse everything. */
  interest?: EventInterest;
  /** A document (line or concatenated value) longer than this is counted and skipped without being buffered whole. Default 4 MiB. */
  maxDocumentBytes?: number;
  /** Request/response bodies nested deeper than this are pruned. Default 100. */
  maxDepth?: number;
  /** Cluster for events whose envelope does not name one (e.g. from the object key). */
  cluster?: string;
  /** How many recent events duplicate detection remembers (by a digest of their content). Default 100,000. */
  dedupWindow?: number;
  /**
   * Asked between chunks; when it answers true the reader stops where it is: `complete` becomes
   * false and a `deadline` problem is counted. What was read before is emitted as usual.
   */
  shouldStop?: () => boolean;
}

/** One audit event as read, with where it was found. */
export interface ReadEvent {
  event: AuditEvent;
  cluster?: string;
  /** Byte offset of the document holding it, in the decompressed stream. */
  offset: number;
  /** 1-based line of the document holding it, in the decompressed stream. */
  line: number;
  /** The API server cut the bodies out of this event: evidence is missing, not clean. */
  truncated: boolean;
  /**
   * Set when the document was longer than `maxDocumentBytes`: the event was judged from the
   * fields that came before the limit (the API server writes who, verb, objectRef and response
   * status before the bodies); its size in bytes is at least this. Bodies, and anything after
   * them, are missing.
   */
  oversize?: number;
}

/** The head of an oversize document that is an audit event, and where the document starts. */
export interface SkippedHead {
  head: Record<string, unknown>;
  offset: number;
  line: number;
  raw: Buffer;
}

/** How a document reached `acceptFramed`. */
export const FramedKind = { Document: 0, Guessed: 1, Oversize: 2 } as const;
export type FramedKind = (typeof FramedKind)[keyof typeof FramedKind];

export const DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
const CONCAT_BOUNDARY = Buffer.from('}{');
/** Failed guesses at a `}{` boundary before the exact scanner takes over for that document. */
const MAX_BOUNDARY_GUESSES = 4;

/**
 * Turns decompressed bytes, pushed in chunks of any size, into audit events.
 *
 * Documents end at a newline, or at a `}{` where one JSON value is followed directly by the
 * next (Firehose concatenates CloudWatch Logs records that way). A `}{` may also sit inside a
 * string, so such a boundary is only a guess until the text before it parses; after a few
 * wrong guesses the exact scanner finds the end. Everything stays on Buffers until a document
 * must be parsed, and the pre-check decides most documents without parsing them.
 */
export class AuditLogParser {
  readonly stats: ReadStats = emptyStats();
  private readonly precheck?: PreCheck;
  private readonly maxDocumentBytes: number;
  private readonly maxDepth: number;
  private readonly defaultCluster?: string;
  private readonly recent: RecentKeys;

  /** Unconsumed bytes; always start at a document boundary. */
  private pending: Buffer | null = null;
  /** Where the boundary search resumes in `pending` (bytes before it hold no boundary). */
  private resumeAt = 0;
  /** Wrong `}{` guesses for the document at the start of `pending`. */
  private guesses = 0;
  /** Stream offset of pending[0] (of the next chunk when nothing is pending), and the line of the first unconsumed byte. */
  private base = 0;
  private line = 1;
  /** Discarding an oversize document up to the next boundary. */
  private skipping = false;
  /** The head of the oversize document being skipped, emitted with its size once its end is found. */
  private skippedHead: SkippedHead | undefined = undefined;
  /** While skipping: the last chunk ended with `}`, so a `{` next is a boundary. */
  private skippedBrace = false;
  /**
   * While skipping a document of a `}{`-concatenated stream: follows its structure to its real
   * end, since a `}{` inside one of its strings is no boundary (an attacker's body can hold one,
   * and the event after it would be lost). Undefined for JSON lines, where a newline is the end.
   */
  private skipScanner: ValueEndScanner | undefined = undefined;
  /**
   * Whether documents follow each other with no separator (`}{`), decided at the first boundary:
   * true after a `}{` that parses, false after a newline. Streams of JSON lines then skip the
   * search for `}{` altogether (a `}` is in every few dozen bytes of JSON, so it is not free).
   */
  private concatenated: boolean | undefined = undefined;
  /** Extent (from the document start) the exact scanner already found no end in; -1 for none. */
  private scannedUpTo = -1;

  constructor(options: ParserOptions = {}) {
    if (options.interest) this.precheck = new PreCheck(new CompiledInterest(options.interest));
    this.maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    this.maxDepth = options.maxDepth ?? 100;
    this.defaultCluster = options.cluster;
    this.recent = new RecentKeys(options.dedupWindow ?? 100_000);
  }

  push(chunk: Buffer, out: ReadEvent[]): void {
    if (chunk.length === 0) return;
    this.stats.bytesDecoded += chunk.length;
    if (this.skipping) {
      const resume = this.skipOversize(chunk);
      if (resume >= 0) {
        // The skipped document ends before `resume` (at its newline, or where the next one starts).
        this.endOversize(this.base + (chunk[resume - 1] === NEWLINE ? resume - 1 : resume), out);
        this.drain(chunk, resume, resume, out, false);
      }
      return;
    }
    if (this.pending && this.concatenated === false) {
      // JSON lines: join the unfinished line with this chunk's first line only, not the whole chunk.
      const nl = chunk.indexOf(NEWLINE);
      if (nl >= 0) {
        // The head ends in a newline, so it is consumed whole (or skipped as oversize).
        this.drain(Buffer.concat([this.pending, chunk.subarray(0, nl + 1)]), 0, this.resumeAt, out, false);
        this.base -= nl + 1; // drain left `base` at chunk[nl + 1]; the next drain wants chunk[0]
        this.drain(chunk, nl + 1, nl + 1, out, false);
        return;
      }
    }
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.drain(buf, 0, this.resumeAt, out, false);
  }

  /** The line the next unread byte is on, for locating stream-level errors. */
  get currentLine(): number {
    return this.line;
  }

  /** The stream offset of `buf[at]` in the buffer being drained. */
  protected streamOffset(at: number): number {
    return this.base + at;
  }

  /** Records a problem at the current place; `incomplete`: the object was not read to its end. */
  reportProblem(kind: ProblemKind, offset: number, line: number, detail: string, incomplete = false): void {
    if (incomplete) this.stats.complete = false;
    recordProblem(this.stats, kind, offset, line, detail);
  }

  /** Ends the stream: the last document needs no newline. */
  finish(out: ReadEvent[]): void {
    if (this.skipping) this.endOversize(this.base, out);
    if (this.pending) this.drain(this.pending, 0, this.resumeAt, out, true);
    this.pending = null;
  }

  /**
   * While an oversize document streams by: where in `chunk` the next document starts (after the
   * next newline, or at the `{` of the next `}{`), or -1 if the whole chunk is still skipped.
   */
  private skipOversize(chunk: Buffer): number {
    if (this.skipScanner) {
      const end = this.skipScanner.scan(chunk, 0, chunk.length);
      if (end === -1) {
        this.base += chunk.length;
        return -1;
      }
      this.skipScanner = undefined;
      if (end >= 0) {
        this.skipping = false;
        this.concatenated ??= true;
        return end;
      }
      // Not JSON after all: fall back to the next newline or `}{`.
    }
    const braceAtStart = this.skippedBrace && chunk[0] === OPEN_BRACE; // `}` ended the previous chunk
    this.skippedBrace = chunk[chunk.length - 1] === CLOSE_BRACE;
    const nl = chunk.indexOf(NEWLINE);
    const cc = braceAtStart || this.concatenated === false ? -1 : chunk.indexOf(CONCAT_BOUNDARY);
    if (!braceAtStart && nl < 0 && cc < 0) {
      this.base += chunk.length;
      return -1;
    }
    this.skipping = false;
    if (braceAtStart || (cc >= 0 && (nl < 0 || cc < nl))) {
      this.concatenated ??= true;
      return braceAtStart ? 0 : cc + 1;
    }
    this.concatenated ??= false;
    this.line++;
    return nl + 1;
  }

  /**
   * Consumes every document of `buf` from `start` whose end is known, and keeps the rest.
   * A document ends at a newline, or at a `}{` guess that parses. A document longer than
   * `maxDocumentBytes` is skipped up to the first boundary past that length, found in this
   * buffer or, by `skipOversize`, in the chunks that follow: the same bytes give the same
   * result however they are chunked.
   */
  private drain(buf: Buffer, start: number, scanFrom: number, out: ReadEvent[], final: boolean): void {
    // `this.base` is the stream offset of buf[0] throughout.
    const max = this.maxDocumentBytes;
    let doc = start;
    let from = Math.max(start, scanFrom);
    let nl = -2;
    let cc = -2;
    for (;;) {
      if (nl !== -1 && nl < from) nl = buf.indexOf(NEWLINE, from);
      if (cc !== -1 && cc < from) cc = this.concatenated === false ? -1 : buf.indexOf(CONCAT_BOUNDARY, from);
      const lineEnd = nl < 0 ? buf.length : nl;
      const atGuess = cc >= 0 && cc < lineEnd;
      const boundary = atGuess ? cc + 1 : nl;
      if (!atGuess && nl < 0) {
        from = buf.length;
        break;
      }
      if (boundary - doc > max) {
        if (atGuess) {
          // A `}{` past the limit may sit inside one of the document's strings: find its real end.
          const scanner = new ValueEndScanner(this.concatenated === undefined);
          const end = scanner.scan(buf, skipWhitespace(buf, doc, buf.length), buf.length);
          if (end >= 0) {
            this.oversize(buf, doc, end, out);
            doc = from = end;
            this.concatenated ??= true;
            continue;
          }
          if (end === -1) {
            this.skipFrom(buf, doc, out, scanner);
            return;
          }
        }
        this.oversize(buf, doc, atGuess ? boundary : nl, out);
        doc = from = atGuess ? boundary : boundary + 1;
        if (atGuess) this.concatenated ??= true;
        else {
          this.line++;
          cc = this.decideLines(cc);
        }
        continue;
      }
      if (this.guesses >= MAX_BOUNDARY_GUESSES) {
        // Too many wrong guesses for this document: find its end exactly, once per extent.
        const limit = Math.min(lineEnd, doc + max);
        if (this.scannedUpTo !== limit - doc) {
          this.scannedUpTo = limit - doc;
          const end = findValueEnd(buf, skipWhitespace(buf, doc, limit), limit);
          if (end > 0) {
            this.finalDocument(buf, doc, end, out);
            doc = from = end;
            this.newDocument();
            this.concatenated ??= true;
            continue;
          }
        }
      } else if (atGuess) {
        if (this.tryDocument(buf, doc, boundary, out)) {
          doc = from = boundary;
          this.newDocument();
          this.concatenated ??= true;
        } else {
          this.guesses++;
          from = boundary;
        }
        continue;
      }
      if (atGuess) {
        from = boundary;
        continue;
      }
      this.finalDocument(buf, doc, nl, out);
      this.line++;
      doc = from = nl + 1;
      this.newDocument();
      cc = this.decideLines(cc);
    }
    if (final && doc < buf.length) {
      if (buf.length - doc > max) this.oversize(buf, doc, buf.length, out);
      else this.finalDocument(buf, doc, buf.length, out);
      doc = buf.length;
    }
    if (buf.length - doc > max) {
      // No boundary within reach: judge the document from its head and skip on in the next chunks.
      let scanner: ValueEndScanner | undefined;
      if (this.concatenated !== false) {
        scanner = new ValueEndScanner(this.concatenated === undefined);
        const end = scanner.scan(buf, skipWhitespace(buf, doc, buf.length), buf.length);
        if (end >= 0) {
          // It ends in this buffer after all, with nothing after it yet.
          this.oversize(buf, doc, end, out);
          this.concatenated ??= true;
          doc = end;
          scanner = undefined;
        } else if (end === -2) scanner = undefined;
      }
      if (buf.length - doc > max || scanner) {
        this.skipFrom(buf, doc, out, scanner);
        return;
      }
    }
    const rest = buf.length - doc;
    this.base += doc;
    this.pending = rest > 0 ? buf.subarray(doc) : null;
    // Step back one byte: a `}` at the end may meet the next chunk's `{`.
    this.resumeAt = rest > 0 ? Math.max(0, from - doc - 1) : 0;
  }

  /** A newline was the first boundary: JSON lines. Returns the `}{` position to keep (none then). */
  private decideLines(cc: number): number {
    this.concatenated ??= false;
    return this.concatenated ? cc : -1;
  }

  private newDocument(): void {
    this.guesses = 0;
    this.scannedUpTo = -1;
  }

  /** Drops what is buffered of a document with no end in sight, judged from its head, and skips on in the next chunks. */
  private skipFrom(buf: Buffer, doc: number, out: ReadEvent[], scanner: ValueEndScanner | undefined): void {
    this.oversize(buf, doc, undefined, out);
    this.skipping = true;
    this.skipScanner = scanner;
    this.skippedBrace = buf[buf.length - 1] === CLOSE_BRACE;
    this.pending = null;
    this.resumeAt = 0;
    this.base += buf.length;
  }

  /**
   * A document over the limit, starting at `buf[doc]` and ending at `end` (undefined: not yet
   * seen). It is counted, and if its head is an audit event, that event goes to the rules with
   * `oversize` set: its bodies are lost, but who did what to which object is not (an attacker
   * must not hide a change by padding it). The head is the first `maxDocumentBytes`, of which only
   * whole fields are used; the event is emitted once the document's end, and so its size, is known.
   */
  private oversize(buf: Buffer, doc: number, end: number | undefined, out: ReadEvent[]): void {
    const offset = this.base + doc;
    this.reportProblem('oversize', offset, this.line, `document longer than ${this.maxDocumentBytes} bytes: judged from the fields before the limit`);
    this.newDocument();
    const headEnd = doc + this.maxDocumentBytes;
    const head = readObjectHead(buf, doc, headEnd);
    if (head?.kind !== 'Event') return;
    const skipped: SkippedHead = { head, offset, line: this.line, raw: buf.subarray(doc, headEnd) };
    if (end !== undefined) this.emitOversize(skipped, this.base + end, out);
    // Copied: the chunk it lies in is released while the rest of the document streams by.
    else this.skippedHead = { ...skipped, raw: Buffer.from(skipped.raw) };
  }

  /** The skipped document ended at stream offset `end`: its head, if it is an event, goes out now. */
  private endOversize(end: number, out: ReadEvent[]): void {
    const skipped = this.skippedHead;
    if (!skipped) return;
    this.skippedHead = undefined;
    this.emitOversize(skipped, end, out);
  }

  /** The event of an oversize document's head, located where the document starts, with the document's size. */
  protected emitOversize(skipped: SkippedHead, end: number, out: ReadEvent[]): void {
    const line = this.line;
    this.line = skipped.line;
    this.acceptEvent(skipped.head, this.defaultCluster, skipped.offset, out, skipped.raw, end - skipped.offset);
    this.line = line;
  }

  /** Parses `buf[start, end)` if it is one whole JSON value; false leaves no trace. */
  private tryDocument(buf: Buffer, start: number, end: number, out: ReadEvent[]): boolean {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return false;
    }
    this.acceptGuessed(value, buf, start, end, out);
    return true;
  }

  /** A document found by a `}{` guess that parsed (`value`). */
  protected acceptGuessed(value: unknown, buf: Buffer, start: number, end: number, out: ReadEvent[]): void {
    this.acceptDocument(value, buf, start, end, out);
  }

  /** A document whose end is certain: pre-checked, parsed, or counted as malformed. */
  private finalDocument(buf: Buffer, start: number, end: number, out: ReadEvent[]): void {
    start = skipWhitespace(buf, start, end);
    while (end > start && buf[end - 1] <= 0x20) end--;
    if (start === end) return;
    if (this.precheck) {
      const verdict = this.precheck.decideBytes(buf, start, end);
      if (verdict !== PARSE) {
        this.stats.documents++;
        this.countUnparsed(verdict);
        return;
      }
    }
    this.parseDocument(buf, start, end, out);
  }

  /**
   * A whole document, trimmed, that the pre-check could not skip: parsed, or counted as malformed.
   * `digest`: its bytes' `documentDigest`, when the framing stage took it (a line recovered as
   * several documents does not pass it on: each is named by its own text).
   */
  protected parseDocument(buf: Buffer, start: number, end: number, out: ReadEvent[], digest?: string): void {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch (error) {
      if (this.recoverDocuments(buf, start, end, out)) return;
      this.stats.documents++;
      recordProblem(this.stats, 'malformed-json', this.base + start, this.line, parseErrorDetail(error));
      return;
    }
    this.acceptDocument(value, buf, start, end, out, digest);
  }

  /**
   * A line that does not parse may still hold whole documents: several values with no separator
   * in a stream of JSON lines, or Fluentd's `<time>\t<tag>\t{…}` prefix, which the API server
   * never wrote. True when it did; anything left over is counted as malformed.
   */
  private recoverDocuments(buf: Buffer, start: number, end: number, out: ReadEvent[]): boolean {
    let at = buf[start] === OPEN_BRACE ? start : buf.indexOf(OPEN_BRACE, start);
    if (at < 0 || at >= end) return false;
    const first = at;
    for (;;) {
      const valueEnd = findValueEnd(buf, at, end);
      if (valueEnd < 0 || !this.tryDocument(buf, at, valueEnd, out)) break;
      at = skipWhitespace(buf, valueEnd, end);
      if (at === end) return true;
    }
    if (at === first) return false;
    this.stats.documents++;
    recordProblem(this.stats, 'malformed-json', this.base + at, this.line, 'trailing bytes after the last whole document on the line');
    return true;
  }

  private acceptDocument(value: unknown, buf: Buffer, start: number, end: number, out: ReadEvent[], digest?: string): void {
    this.stats.documents++;
    const offset = this.base + start;
    if (!isUtf8(buf.subarray(start, end))) {
      // Kept, with U+FFFD in place of the bad bytes: dropping it would let one bad byte hide an event.
      recordProblem(this.stats, 'invalid-utf8', offset, this.line, 'invalid UTF-8 replaced with U+FFFD');
    }
    if (Array.isArray(value)) {
      for (const item of value) this.acceptEnvelope(item, this.defaultCluster, false, offset, out);
      return;
    }
    this.acceptEnvelope(value, this.defaultCluster, true, offset, out, buf.subarray(start, end), digest);
  }

  /**
   * `raw`: the text `value` was parsed from, when it is exactly that (it names the event for
   * duplicate detection); `rawDigest`: its digest, when already taken.
   */
  private acceptEnvelope(
    value: unknown,
    cluster: string | undefined,
    unwrap: boolean,
    offset: number,
    out: ReadEvent[],
    raw?: Buffer | string,
    rawDigest?: string,
  ): void {
    if (!isRecord(value)) {
      recordProblem(this.stats, 'unknown-envelope', offset, this.line, `a JSON ${Array.isArray(value) ? 'array' : typeof value} is not an audit event`);
      return;
    }
    if (value.kind === 'Event') {
      this.acceptEvent(value, cluster, offset, out, raw, undefined, rawDigest);
    } else if (value.kind === 'EventList') {
      const items = Array.isArray(value.items) ? (value.items as unknown[]) : [];
      for (const item of items) {
        if (isRecord(item) && item.kind === undefined) item.kind = 'Event'; // list items may omit their TypeMeta
        if (isRecord(item) && item.kind === 'Event') this.acceptEvent(item, cluster, offset, out);
        else recordProblem(this.stats, 'invalid-event', offset, this.line, 'EventList item is not an Event');
      }
    } else if (value.messageType === 'DATA_MESSAGE') {
      const named = this.noteCluster(clusterFromLogGroup(value.logGroup)) ?? cluster;
      const logEvents = Array.isArray(value.logEvents) ? (value.logEvents as unknown[]) : [];
      const messages = logEvents.map((logEvent) => (isRecord(logEvent) && typeof logEvent.message === 'string' ? logEvent.message : undefined));
      // The record's messages pre-checked together: one buffer, one search per needle for all of them.
      const verdicts = this.precheck?.decideTexts(messages.filter((m) => m !== undefined));
      let next = 0;
      for (const message of messages) {
        if (message !== undefined) this.acceptEmbedded(message, named, offset, out, verdicts?.[next++]);
        else recordProblem(this.stats, 'unknown-envelope', offset, this.line, 'CloudWatch log event without a message string');
      }
    } else if (value.messageType === 'CONTROL_MESSAGE') {
      this.stats.controlMessages++;
    } else {
      const payload = unwrap ? shipperPayload(value) : undefined;
      const named = unwrap ? (this.noteCluster(clusterFromResourceId(value.resourceId)) ?? cluster) : cluster;
      if (typeof payload === 'string') this.acceptEmbedded(payload, named, offset, out);
      else if (isRecord(payload)) this.acceptEnvelope(payload, named, false, offset, out);
      else
        recordProblem(this.stats, 'unknown-envelope', offset, this.line, `no audit event in a document with keys ${Object.keys(value).slice(0, 6).join(', ')}`);
    }
  }

  /** An event (or EventList) carried as a JSON string inside another document; `verdict`: the pre-check's, when already taken. */
  private acceptEmbedded(text: string, cluster: string | undefined, offset: number, out: ReadEvent[], verdict?: Verdict): void {
    if (this.precheck) {
      const decided = verdict ?? this.precheck.decideText(text);
      if (decided !== PARSE) return this.countUnparsed(decided);
    }
    let inner: unknown;
    try {
      inner = JSON.parse(text);
    } catch (error) {
      recordProblem(this.stats, 'malformed-json', offset, this.line, `embedded event: ${parseErrorDetail(error)}`);
      return;
    }
    this.acceptEnvelope(inner, cluster, false, offset, out, text);
  }

  /**
   * `raw`: the event's own text, when it was read as such; `oversize`: set for an event judged
   * from the head of a document over the limit (the document's size as far as it was seen);
   * `rawDigest`: `raw`'s digest, when the framing stage took it.
   */
  private acceptEvent(
    value: Record<string, unknown>,
    cluster: string | undefined,
    offset: number,
    out: ReadEvent[],
    raw?: Buffer | string,
    oversize?: number,
    rawDigest?: string,
  ): void {
    const reason = invalidEventReason(value);
    if (reason) {
      recordProblem(this.stats, 'invalid-event', offset, this.line, reason);
      return;
    }
    if (value.verb === undefined) value.verb = '';
    const event = value as unknown as AuditEvent;
    this.stats.events++;
    const stage = event.stage ?? '';
    if (stage === 'RequestReceived') {
      this.countSkippedStage(stage);
      return;
    }
    if (this.recent.seen(rawDigest ?? contentDigest(raw ?? value, oversize))) {
      this.stats.duplicates++;
      return;
    }
    const truncated = event.annotations?.[TRUNCATED_ANNOTATION] === 'true';
    if (truncated) this.stats.truncatedEvents++;
    if (pruneDeepBodies(event, this.maxDepth)) {
      recordProblem(this.stats, 'deep-nesting', offset, this.line, `auditID ${event.auditID}: bodies pruned below depth ${this.maxDepth}`);
    }
    this.stats.emitted++;
    const read: ReadEvent = { event, cluster, offset, line: this.line, truncated };
    if (oversize !== undefined) read.oversize = oversize;
    out.push(read);
  }

  /**
   * Stage two of a split reader (see `framing.ts`): a document another parser framed and
   * pre-checked, found at stream offset `offset` on `line`, goes through the same acceptance as
   * here. `kind` says which path framed it: a trimmed whole document, a `}{` guess that parsed,
   * or the head of an oversize document (`size`: the document's size). `digest`: a document's
   * `documentDigest`, when the framing stage took it.
   */
  acceptFramed(kind: FramedKind, buf: Buffer, start: number, end: number, offset: number, line: number, size: number, out: ReadEvent[], digest?: string): void {
    this.base = offset - start;
    this.line = line;
    if (kind === FramedKind.Document) return this.parseDocument(buf, start, end, out, digest);
    if (kind === FramedKind.Oversize) {
      const raw = buf.subarray(start, end);
      const head = readObjectHead(raw, 0, raw.length);
      if (head?.kind === 'Event') this.acceptEvent(head, this.defaultCluster, offset, out, raw, size);
      return;
    }
    if (!this.tryDocument(buf, start, end, out)) {
      // Cannot happen (the same bytes parsed on the other side); counted rather than lost.
      this.stats.documents++;
      recordProblem(this.stats, 'malformed-json', offset, line, 'framed document no longer parses');
    }
  }

  private countUnparsed(verdict: number): void {
    this.stats.events++;
    if (verdict === FILTER) this.stats.filtered++;
    else this.countSkippedStage('RequestReceived');
  }

  private countSkippedStage(stage: string): void {
    this.stats.skippedByStage[stage] = (this.stats.skippedByStage[stage] ?? 0) + 1;
  }

  private noteCluster(name: string | undefined): string | undefined {
    if (name && !this.stats.clusters.includes(name) && this.stats.clusters.length < 100) this.stats.clusters.push(name);
    return name;
  }
}

/**
 * Names an event by its content for duplicate detection. A client chooses its Audit-ID, so two
 * events sharing one are not the same event: only a re-delivery of the same text is a duplicate
 * (the text as the API server wrote it, whichever envelope carried it; an event without its own
 * text, an EventList item, is named by its serialization). Only emitted events pay for this.
 */
function contentDigest(content: Buffer | string | Record<string, unknown>, oversize: number | undefined): string {
  const text = Buffer.isBuffer(content) || typeof content === 'string' ? content : JSON.stringify(content);
  const digest = documentDigest(text);
  return oversize === undefined ? digest : `${oversize}:${digest}`;
}

/** The digest duplicates are found by, of a document's bytes: the framing stage computes it on its thread (`framing.ts`). */
export function documentDigest(bytes: Buffer | string): string {
  return hash('sha256', bytes, 'base64');
}

/**
 * JSON.parse's message without the excerpt of the input it quotes (`Unexpected token 'p',
 * "password=…" is not valid JSON`): a problem sample leaves the process (logs, the CLI's
 * output), and the bytes of a broken line may be a secret.
 */
function parseErrorDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, ".*"(?:\.\.\.)? is not valid JSON$/s, ': not valid JSON');
}

function skipWhitespace(buf: Buffer, start: number, end: number): number {
  while (start < end && buf[start] <= 0x20) start++;
  return start;
}
