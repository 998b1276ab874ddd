/**
 * What the reader saw. Every outcome other than "event emitted" is counted here, and the first
 * few of each kind of problem keep a location so a person can find the bad bytes.
 */
export type ProblemKind =
  | 'malformed-json'
  | 'invalid-utf8'
  | 'oversize'
  | 'deep-nesting'
  | 'invalid-event'
  | 'unknown-envelope'
  | 'truncated-input'
  | 'corrupt-input'
  | 'unsupported-compression'
  | 'source-error'
  /** The caller's deadline came before the end of the object (`ReadOptions.shouldStop`). */
  | 'deadline'
  /** Text in an encoding the reader does not decode (e.g. UTF-32). */
  | 'unsupported-encoding'
  /** A rule threw on an event; the event's other rules and the other events were still analysed. */
  | 'rule-error';

export interface ProblemSample {
  kind: ProblemKind;
  /** Byte offset of the document in the decompressed stream (for stream errors: bytes read so far). */
  offset: number;
  /** 1-based line of the decompressed stream where the document starts. */
  line: number;
  detail: string;
}

export interface ReadStats {
  /** Bytes read from the source, as stored (compressed). */
  bytesIn: number;
  /** Bytes after every compression layer was removed. */
  bytesDecoded: number;
  /** Layers peeled, outermost first: compression, e.g. [gzip, gzip] for Firehose-over-CloudWatch, then a text encoding other than plain UTF-8 (utf-16le, utf-8-bom). */
  compression: string[];
  /** JSON documents (lines, or values in a concatenated stream) read. */
  documents: number;
  /** Audit events seen: emitted + filtered + skippedByStage + duplicates. */
  events: number;
  /** Events handed to the caller. */
  emitted: number;
  /** Events the pre-check proved no rule can care about; never parsed. */
  filtered: number;
  /** Events dropped for their stage (RequestReceived), by stage. */
  skippedByStage: Record<string, number>;
  /** Re-deliveries of an event already emitted: the same content, not merely the same auditID (which a client chooses). */
  duplicates: number;
  /** Events carrying the audit.k8s.io/truncated annotation (evidence missing, not clean). */
  truncatedEvents: number;
  /** CloudWatch Logs CONTROL_MESSAGE records. */
  controlMessages: number;
  /** Cluster names found in envelopes (CloudWatch log group, AKS resource id). */
  clusters: string[];
  /** Problems by kind; see `samples` for where the first ones are. */
  problems: Record<ProblemKind, number>;
  samples: ProblemSample[];
  /** False when the stream ended early (truncated, corrupt, unsupported, source error). */
  complete: boolean;
}

export const MAX_SAMPLES_PER_KIND = 5;

export function emptyStats(): ReadStats {
  return {
    bytesIn: 0,
    bytesDecoded: 0,
    compression: [],
    documents: 0,
    events: 0,
    emitted: 0,
    filtered: 0,
    skippedByStage: {},
    duplicates: 0,
    truncatedEvents: 0,
    controlMessages: 0,
    clusters: [],
    problems: {
      'malformed-json': 0,
      'invalid-utf8': 0,
      oversize: 0,
      'deep-nesting': 0,
      'invalid-event': 0,
      'unknown-envelope': 0,
      'truncated-input': 0,
      'corrupt-input': 0,
      'unsupported-compression': 0,
      'source-error': 0,
      deadline: 0,
      'unsupported-encoding': 0,
      'rule-error': 0,
    },
    samples: [],
    complete: true,
  };
}

export function recordProblem(stats: ReadStats, kind: ProblemKind, offset: number, line: number, detail: string): void {
  const seen = stats.problems[kind]++;
  if (seen < MAX_SAMPLES_PER_KIND) stats.samples.push({ kind, offset, line, detail: detail.slice(0, 200) });
}

/** Adds `from` into `into`, for totals over many objects. Samples keep the first of each kind. */
export function mergeStats(into: ReadStats, from: ReadStats): void {
  into.bytesIn += from.bytesIn;
  into.bytesDecoded += from.bytesDecoded;
  for (const c of from.compression) if (!into.compression.includes(c)) into.compression.push(c);
  into.documents += from.documents;
  into.events += from.events;
  into.emitted += from.emitted;
  into.filtered += from.filtered;
  for (const [stage, n] of Object.entries(from.skippedByStage)) into.skippedByStage[stage] = (into.skippedByStage[stage] ?? 0) + n;
  into.duplicates += from.duplicates;
  into.truncatedEvents += from.truncatedEvents;
  into.controlMessages += from.controlMessages;
  for (const c of from.clusters) if (!into.clusters.includes(c)) into.clusters.push(c);
  for (const kind of Object.keys(from.problems) as ProblemKind[]) into.problems[kind] += from.problems[kind];
  for (const s of from.samples) {
    if (into.samples.filter((x) => x.kind === s.kind).length < MAX_SAMPLES_PER_KIND) into.samples.push(s);
  }
  into.complete &&= from.complete;
}
