import { isUtf8 } from 'node:buffer';
import type { AuditEvent } from '../audit-event';
import { TRUNCATED_ANNOTATION } from '../audit-event';
import { clusterFromLogGroup, clusterFromResourceId, isRecord, shipperPayload } from './envelopes';
import { invalidEventReason, pruneDeepBodies } from './event-check';
import type { EventInterest } from './interest';
import { CompiledInterest } from './interest';
import { findValueEnd } from './json-scan';
import { FILTER, PARSE, PreCheck } from './precheck';
import { RecentKeys } from './recent-keys';
import type { ReadStats } from './stats';
import { emptyStats, recordProblem } from './stats';

export interface ParserOptions {
  /** What the rules can care about; events outside it are counted and skipped unparsed. Omitted: parse everything. */
  interest?: EventInterest;
  /** A document (line or concatenated value) longer than this is counted and skipped without being buffered whole. Default 4 MiB. */
  maxDocumentBytes?: number;
  /** Request/response bodies nested deeper than this are pruned. Default 100. */
  maxDepth?: number;
  /** Cluster for events whose envelope does not name one (e.g. from the object key). */
  cluster?: string;
  /** How many recent (auditID, stage) pairs duplicate detection remembers. Default 100,000. */
  dedupWindow?: number;
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
}

export const DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;
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
  /** Stream offset and line of the first byte not yet consumed. */
  private base = 0;
  private line = 1;
  /** Discarding an oversize document up to the next newline. */
  private skipping = false;

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
    let buf = chunk;
    let start = 0;
    if (this.skipping) {
      // An oversize document ends at the next newline, or at the next `}{` in a concatenated stream.
      const nl = chunk.indexOf(NEWLINE);
      const cc = chunk.indexOf(CONCAT_BOUNDARY);
      if (nl < 0 && cc < 0) {
        this.base += chunk.length;
        return;
      }
      this.skipping = false;
      if (cc >= 0 && (nl < 0 || cc < nl)) {
        start = cc + 1;
      } else {
        this.line++;
        start = nl + 1;
      }
      this.base += start;
      buf = chunk.subarray(start);
      start = 0;
    } else if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
    }
    this.drain(buf, start, Math.max(start, this.resumeAt), out, false);
  }

  /** Ends the stream: the last document needs no newline. */
  finish(out: ReadEvent[]): void {
    if (this.pending) this.drain(this.pending, 0, this.resumeAt, out, true);
    this.pending = null;
  }

  private drain(buf: Buffer, start: number, scanFrom: number, out: ReadEvent[], final: boolean): void {
    let doc = start;
    let from = scanFrom;
    let nl = -2;
    let cc = -2;
    for (;;) {
      if (nl !== -1 && nl < from) nl = buf.indexOf(NEWLINE, from);
      if (cc !== -1 && cc < from) cc = buf.indexOf(CONCAT_BOUNDARY, from);
      const lineEnd = nl < 0 ? buf.length : nl;
      if (cc >= 0 && cc < lineEnd) {
        // A guess: `}` at cc may close this document.
        if (this.guesses < MAX_BOUNDARY_GUESSES) {
          if (this.tryDocument(buf, doc, cc + 1, out)) {
            doc = from = cc + 1;
            this.guesses = 0;
          } else {
            this.guesses++;
            from = cc + 1;
          }
          continue;
        }
        const end = findValueEnd(buf, skipWhitespace(buf, doc, lineEnd), lineEnd);
        if (end > 0) {
          this.finalDocument(buf, doc, end, out);
          doc = from = end;
          this.guesses = 0;
          continue;
        }
        if (nl < 0) {
          from = buf.length;
          break; // the document goes on in the next chunk
        }
      }
      if (nl < 0) {
        from = buf.length;
        break;
      }
      this.finalDocument(buf, doc, nl, out);
      this.line++;
      doc = from = nl + 1;
      this.guesses = 0;
    }
    if (final && doc < buf.length) {
      this.finalDocument(buf, doc, buf.length, out);
      doc = buf.length;
    }
    const rest = buf.length - doc;
    const offset = this.base + doc;
    this.base = offset;
    if (rest === 0) {
      this.pending = null;
      this.resumeAt = 0;
    } else if (rest > this.maxDocumentBytes) {
      recordProblem(this.stats, 'oversize', offset, this.line, `document longer than ${this.maxDocumentBytes} bytes skipped`);
      this.pending = null;
      this.resumeAt = 0;
      this.guesses = 0;
      this.base += rest;
      this.skipping = true;
    } else {
      this.pending = buf.subarray(doc);
      // Step back one byte: a `}` at the end may meet the next chunk's `{`.
      this.resumeAt = Math.max(0, from - doc - 1);
    }
  }

  /** Parses `buf[start, end)` if it is one whole JSON value; false leaves no trace. */
  private tryDocument(buf: Buffer, start: number, end: number, out: ReadEvent[]): boolean {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return false;
    }
    this.acceptDocument(value, buf, start, end, out);
    return true;
  }

  /** A document whose end is certain: pre-checked, parsed, or counted as malformed. */
  private finalDocument(buf: Buffer, start: number, end: number, out: ReadEvent[]): void {
    start = skipWhitespace(buf, start, end);
    while (end > start && buf[end - 1] <= 0x20) end--;
    if (start === end) return;
    if (end - start > this.maxDocumentBytes) {
      recordProblem(this.stats, 'oversize', this.base + start, this.line, `document longer than ${this.maxDocumentBytes} bytes skipped`);
      return;
    }
    if (this.precheck) {
      const verdict = this.precheck.decideBytes(buf, start, end);
      if (verdict !== PARSE) {
        this.stats.documents++;
        this.countUnparsed(verdict);
        return;
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch (error) {
      // Fluentd writes `<time>\t<tag>\t{…}`: a prefix the API server never wrote.
      const brace = buf[start] === 0x7b ? -1 : buf.indexOf(0x7b, start);
      if (brace > start && brace < end && this.tryDocument(buf, brace, end, out)) return;
      this.stats.documents++;
      recordProblem(this.stats, 'malformed-json', this.base + start, this.line, (error as Error).message);
      return;
    }
    this.acceptDocument(value, buf, start, end, out);
  }

  private acceptDocument(value: unknown, buf: Buffer, start: number, end: number, out: ReadEvent[]): void {
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
    this.acceptEnvelope(value, this.defaultCluster, true, offset, out);
  }

  private acceptEnvelope(value: unknown, cluster: string | undefined, unwrap: boolean, offset: number, out: ReadEvent[]): void {
    if (!isRecord(value)) {
      recordProblem(this.stats, 'unknown-envelope', offset, this.line, `a JSON ${Array.isArray(value) ? 'array' : typeof value} is not an audit event`);
      return;
    }
    if (value.kind === 'Event') {
      this.acceptEvent(value, cluster, offset, out);
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
      for (const logEvent of logEvents) {
        const message = isRecord(logEvent) ? logEvent.message : undefined;
        if (typeof message === 'string') this.acceptEmbedded(message, named, offset, out);
        else recordProblem(this.stats, 'unknown-envelope', offset, this.line, 'CloudWatch log event without a message string');
      }
    } else if (value.messageType === 'CONTROL_MESSAGE') {
      this.stats.controlMessages++;
    } else {
      const payload = unwrap ? shipperPayload(value) : undefined;
      const named = unwrap ? (this.noteCluster(clusterFromResourceId(value.resourceId)) ?? cluster) : cluster;
      if (typeof payload === 'string') this.acceptEmbedded(payload, named, offset, out);
      else if (isRecord(payload)) this.acceptEnvelope(payload, named, false, offset, out);
      else recordProblem(this.stats, 'unknown-envelope', offset, this.line, `no audit event in a document with keys ${Object.keys(value).slice(0, 6).join(', ')}`);
    }
  }

  /** An event (or EventList) carried as a JSON string inside another document. */
  private acceptEmbedded(text: string, cluster: string | undefined, offset: number, out: ReadEvent[]): void {
    if (this.precheck) {
      const verdict = this.precheck.decideText(text);
      if (verdict !== PARSE) return this.countUnparsed(verdict);
    }
    let inner: unknown;
    try {
      inner = JSON.parse(text);
    } catch (error) {
      recordProblem(this.stats, 'malformed-json', offset, this.line, `embedded event: ${(error as Error).message}`);
      return;
    }
    this.acceptEnvelope(inner, cluster, false, offset, out);
  }

  private acceptEvent(value: Record<string, unknown>, cluster: string | undefined, offset: number, out: ReadEvent[]): void {
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
    if (this.recent.seen(`${event.auditID}\n${stage}`)) {
      this.stats.duplicates++;
      return;
    }
    const truncated = event.annotations?.[TRUNCATED_ANNOTATION] === 'true';
    if (truncated) this.stats.truncatedEvents++;
    if (pruneDeepBodies(event, this.maxDepth)) {
      recordProblem(this.stats, 'deep-nesting', offset, this.line, `auditID ${event.auditID}: bodies pruned below depth ${this.maxDepth}`);
    }
    this.stats.emitted++;
    out.push({ event, cluster, offset, line: this.line, truncated });
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

function skipWhitespace(buf: Buffer, start: number, end: number): number {
  while (start < end && buf[start] <= 0x20) start++;
  return start;
}
