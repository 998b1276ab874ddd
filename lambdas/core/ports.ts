/**
 * The ports of the core: what the pipeline (core/pipeline) needs from the world, as small
 * interfaces. Adapters (lambdas/adapters) implement them with the AWS SDK or the file system;
 * tests implement them in memory. Every port the core uses is declared here and nowhere else.
 */
import type { AlertMessage } from './alert/sns-message';
import type { AuditLevel, Coverage, Period } from './compliance/types';
import type { Finding } from './finding';
import type { OpenIncidentEntry, OpenIncidents } from './incident/open-incidents';
import type { Incident, IncidentAlert, IncidentChange, Principal, TellClaim } from './incident/types';
import type { AggregatedRow, ScanSummary } from './report/aggregate';

// ---------------------------------------------------------------------------------------------
// Reading audit logs

/** One audit-log object to read: a local file or an S3 object. */
export interface SourceObject {
  /** A path, or `s3://bucket/key`: names the object in findings' sources and alerts. */
  name: string;
  /** The part of the name that may name a cluster (`clusters/<name>/…`): an S3 key or a path. Default `name`. */
  key?: string;
  /** Stored size in bytes, for progress (0 when unknown). */
  size: number;
  /**
   * The object's bytes. Throws `MissingObjectError` when it does not exist (any more), and
   * `ObjectReadError` (or any other error) when it cannot be fetched now.
   */
  open(): Promise<AsyncIterable<Uint8Array>>;
}

/** The object does not exist (any more): it cannot come back, so retrying cannot help. */
export class MissingObjectError extends Error {
  override readonly name = 'MissingObjectError';
}

/**
 * Reading the object failed for a reason a retry may cure (access denied while a policy
 * propagates, throttling, a connection reset). A truncated or corrupt object is not this: the
 * reader reports it in its stats.
 */
export class ObjectReadError extends Error {
  override readonly name = 'ObjectReadError';
}

// ---------------------------------------------------------------------------------------------
// Detection state

/**
 * Where stateful detectors keep what they remember between events (and, deployed, between
 * Lambda invocations: several functions must agree, so updates are atomic).
 */
export interface StateStore {
  /**
   * Applies `change` to the value at `key` atomically and returns the new value. Implementations
   * with concurrent writers retry `change` on conflict, so it must be pure.
   */
  update<T>(key: string, change: (current: T | undefined) => T, ttlSeconds: number): Promise<T>;
}

// ---------------------------------------------------------------------------------------------
// Findings and alerts

/**
 * Where findings are kept. Writes are idempotent: a finding is identified by its cluster, time,
 * rule and fingerprint (one hit of the rule on one request, not the client-chosen auditID), so
 * reprocessing an object or a duplicate delivery stores nothing new.
 */
export interface FindingsStore {
  /** Stores the findings not stored before and returns exactly those (the ones to alert on). */
  putNew(findings: readonly Finding[]): Promise<Finding[]>;
  /** The findings of one cluster with `from <= time < to`, oldest first. */
  query(range: { cluster: string; from: Date; to: Date }): Promise<Finding[]>;
}

/** Where alerts go (an SNS topic in the Lambda). Throws when the alert was not accepted. */
export interface Publisher {
  publish(alert: AlertMessage): Promise<void>;
}

/**
 * One attempt at sending an alert. `alert` names the alert by its findings, so every attempt at
 * the same findings (a redelivery, a concurrent duplicate delivery) has the same one; `id` is
 * this attempt's alone.
 */
export interface AlertAttempt {
  alert: string;
  id: string;
}

/** What `AlertLedger.claim` took. */
export interface AlertClaim {
  /** The findings this attempt now holds: its to send. */
  mine: Finding[];
  /** Findings pending but held by another live attempt, which sends them (or fails, and its work comes back). */
  held: number;
}

/**
 * Which stored findings still owe an alert, and which attempt is sending them. A finding is
 * stored "alert pending" (one atomic write with the finding), claimed by one attempt before it
 * publishes, and marked once the alert was accepted by the publisher.
 */
export interface AlertLedger {
  /**
   * Takes, for this attempt, those of the findings that are stored, not yet alerted and not held
   * by another attempt whose claim is live: a conditional write each, so two attempts never hold
   * one finding. Claims lapse after a lease (a crashed attempt holds nothing for long).
   */
  claim(findings: readonly Finding[], attempt: AlertAttempt): Promise<AlertClaim>;
  /** Gives back what this attempt holds of the findings (its publish failed), so a retry may send at once. */
  release(findings: readonly Finding[], attempt: AlertAttempt): Promise<void>;
  markAlerted(findings: readonly Finding[]): Promise<void>;
}

/** One finding group (the aggregated-row key, per cluster) with the findings an alert attempt covers. */
export interface AlertGroup {
  cluster?: string;
  ruleId: string;
  actor: string;
  target: { resource: string; namespace?: string; name?: string };
  findings: Finding[];
}

/** Alert (with the hits the group's previous window counted without alerting), or counted into an open window. */
export type CooldownDecision = { alert: true; suppressedBefore: number } | { alert: false };

/**
 * The alert cooldown: the same finding group alerts once per window; later hits only raise its
 * count. A group may alert when it has no open window, its window ended, the open window was
 * claimed by the same findings (a redelivery after a failed publish must still send), or the
 * group's findings are more severe than what opened the window (a decoy must not buy silence for
 * the real thing); that raises the window's severity.
 */
export interface AlertCooldown {
  readonly windowMinutes: number;
  /** One decision per group, in order. */
  claim(groups: readonly AlertGroup[]): Promise<CooldownDecision[]>;
}

/** What an alert too large for one message keeps in full: its source, numbers, table and findings. */
export interface AlertArchive {
  source: string;
  cluster?: string;
  summary: ScanSummary;
  table: AggregatedRow[];
  findings: Finding[];
}

/**
 * Where the full findings of an alert too large for SNS are kept (an S3 bucket in the Lambda).
 * Names are deterministic, so a redelivered object overwrites its archive instead of adding one.
 */
export interface FindingsArchive {
  /** Writes the archive and returns where a person finds it, e.g. `s3://bucket/key`. */
  put(name: { cluster: string; day: string; id: string }, archive: AlertArchive): Promise<string>;
}

/**
 * Where incidents are kept: one open incident per cluster and principal, shared by every analyzer
 * (deployed: several functions record at once, so each recording is one atomic change, retried on
 * conflict, and they agree on the incident and on what each recording added).
 */
export interface IncidentStore {
  /** Records the findings (one cluster and principal; `sources` per finding or one for all) and returns what that changed. */
  record(
    cluster: string,
    principal: Principal,
    findings: readonly Finding[],
    sources: readonly string[] | string,
    windowMinutes: number,
    /** Decide the alert in the same atomic write and take the lease to send it (see `TellClaim`). */
    claim?: TellClaim,
  ): Promise<IncidentChange>;
  /** Remembers that the alert was sent, if its incident is still the one kept (never lowering what was told), and ends `attempt`'s lease. */
  markAlerted(alert: IncidentAlert, attempt?: string): Promise<void>;
  /** Ends `attempt`'s lease without marking anything: the alert was not sent, the next attempt tells it. */
  release(alert: IncidentAlert, attempt: string): Promise<void>;
  /**
   * Remembers that `principal` minted a credential for a service account (`namespace/name`) until
   * `until` (epoch ms): that service account's actions are then told in the principal's incidents.
   */
  rememberMint(cluster: string, serviceAccount: string, principal: Principal, until: number): Promise<void>;
  /** The principals who minted credentials for the cluster's service accounts, by `namespace/name`, with how long each mint counts (epoch ms). */
  mints(cluster: string): Promise<ReadonlyMap<string, { principal: Principal; until: number }>>;
}

/** How an incident ends: `quiet` after a sweep found it idle, `closed` by a person. */
export type IncidentEnd =
  | {
      how: 'quiet';
      /** The clock (epoch ms). */
      now: number;
      /** Idle means no finding for longer than the incident's window plus this (logs reach S3 late). */
      graceMinutes: number;
    }
  | { how: 'closed'; now: number; by: string; reason?: string };

/** What `end` found: `ended` (this call ended it), `active` (a finding came: not idle), `not-open` (already ended, or another incident is kept now), `gone` (expired). */
export type IncidentEndResult =
  { outcome: 'ended'; incident: Incident } | { outcome: 'active'; incident: Incident } | { outcome: 'not-open'; incident: Incident } | { outcome: 'gone' };

/**
 * The end of incidents (the watchdog's quiet sweep, the CLI's close): the open incidents are
 * listed in a bounded registry the recordings keep, so nothing scans the table.
 */
export interface IncidentLifecycle {
  /** The open incidents the registry lists (at most MAX_OPEN_INCIDENTS, the oldest opened dropped past it). */
  openIncidents(): Promise<OpenIncidents>;
  /** The incident an entry names, if it is still the one kept (another may have replaced it). */
  incidentOf(entry: OpenIncidentEntry): Promise<Incident | undefined>;
  /**
   * Ends the entry's incident atomically, only if it is still the one kept, still open and, for
   * `quiet`, still idle; sets `state` and `ended`. The registry forgets it unless it was active
   * (then its `idleFrom` moves to the new last finding).
   */
  end(entry: OpenIncidentEntry, how: IncidentEnd): Promise<IncidentEndResult>;
}

// ---------------------------------------------------------------------------------------------
// Coverage (what the analyzer saw) and the watchdog's memory

/** What the analyzer saw of each cluster per UTC day; the watchdog and the reporter read it. */
export interface CoverageStore {
  /**
   * Adds `objects` and the per-level event counts to the cluster's day, and moves the day's
   * newest object time forward to `lastObjectAt` when given and newer.
   */
  record(cluster: string, day: string, levels: Partial<Record<AuditLevel, number>>, objects: number, lastObjectAt?: string): Promise<void>;
  /** Every cluster the analyzer has seen. */
  clusters(): Promise<string[]>;
  /** The newest object time of the cluster up to `today` (`yyyy-mm-dd`), or undefined. */
  lastObjectAt(cluster: string, today: string): Promise<string | undefined>;
  /** The cluster's coverage over a period. */
  coverage(cluster: string, period: Pick<Period, 'from' | 'to'>): Promise<Coverage>;
}

/** What the watchdog remembers of one cluster's silence. */
export interface SilenceState {
  cluster: string;
  /** ISO time the silence began: the last object's time, or when the watchdog first looked for a cluster never seen. */
  since: string;
  /** True when the cluster had no object at all when the watchdog started expecting it. */
  neverSeen: boolean;
  /** The silence finding's auditID, once raised. */
  auditID?: string;
  /** When its alert was sent (or covered): from then on the silence raises nothing more. */
  alertedAt?: string;
}

/** The watchdog's memory of silences; every write is conditioned on `since`. */
export interface WatchdogState {
  get(cluster: string): Promise<SilenceState | undefined>;
  /** Remembers a silence's start unless one is remembered already; returns the one that is. */
  start(state: Pick<SilenceState, 'cluster' | 'since' | 'neverSeen'>): Promise<SilenceState>;
  markAlerted(state: Pick<SilenceState, 'cluster' | 'since' | 'neverSeen'>, auditID: string, alertedAt: string): Promise<void>;
  /** Forgets the silence that began at `since`; false when it was not the one remembered. */
  clear(cluster: string, since: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// Compliance reports

/** The three renderings of one compliance report. */
export interface ReportFiles {
  html: string;
  csv: string;
  json: string;
}

export type ReportKind = keyof ReportFiles;

/** Where one report's files were written: keys in the store, and URIs for people. */
export interface StoredReport {
  bucket: string;
  keys: Record<ReportKind, string>;
  uris: Record<ReportKind, string>;
}

/** Where compliance reports are written; keys depend only on the scope and period (a rerun overwrites). */
export interface ReportStore {
  putReport(scope: string, period: Pick<Period, 'from' | 'to'>, files: ReportFiles): Promise<StoredReport>;
  /** A link to one stored file, valid for `expiresInSeconds`. */
  presign(key: string, expiresInSeconds: number): Promise<string>;
}

// ---------------------------------------------------------------------------------------------
// Backfill: stored objects sent through the analyzer fleet

/** A stored object as a listing names it (folder markers are left out). */
export interface ListedObject {
  bucket: string;
  key: string;
  size: number;
  /** Without the quotes S3 puts around it. */
  eTag: string;
  lastModified: Date;
}

/** Lists the objects under a location (`s3://bucket/prefix`), a page at a time, every page. Throws when it cannot list. */
export interface ObjectLister {
  pages(location: string): AsyncIterable<readonly ListedObject[]>;
}

/** A message the work queue would not take, after the retries. */
export interface RejectedMessage {
  /** Its index in what was given to `send`. */
  index: number;
  code: string;
  message: string;
  /** The queue's verdict: the request was at fault (retrying it unchanged fails the same way). */
  senderFault: boolean;
}

export interface SendOutcome {
  /** Indexes (in what was given to `send`) the queue accepted. */
  accepted: number[];
  rejected: RejectedMessage[];
}

/**
 * A whole send failed (access denied, missing queue, no credentials, or a server error that
 * outlived the retries). `accepted` lists what earlier attempts of the same `send` got through, so
 * the caller can still record it.
 */
export class WorkQueueError extends Error {
  override readonly name = 'WorkQueueError';
  constructor(
    /** The failure's name, e.g. `AccessDenied`, `QueueDoesNotExist`, `CredentialsProviderError`. */
    readonly code: string,
    message: string,
    readonly accepted: number[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The analyzer's work queue: each object goes as the notification of a new object, so the fleet
 * analyzes it as live traffic. Takes at most a batch at a time (SQS: ten); throws `WorkQueueError`
 * when the send failed as a whole.
 */
export interface WorkQueue {
  send(objects: readonly ListedObject[]): Promise<SendOutcome>;
}

/** What a backfill remembers between runs: what the queue accepted, by `s3://bucket/key`, with the ETag it had. */
export interface BackfillRecord {
  queueUrl: string;
  locations: string[];
  /** `--since` and `--until` as typed. */
  since: string | null;
  until: string | null;
  createdAt: string;
  updatedAt: string;
  /** `s3://bucket/key` → ETag (without quotes) of the object version sent. */
  sent: Record<string, string>;
}

/** Where a backfill keeps its record (a file for the CLI). `save` replaces the record whole or not at all. */
export interface BackfillStateStore {
  /** The record kept, or undefined when there is none yet. Throws when one exists but cannot be read or is not for this run. */
  load(): Promise<BackfillRecord | undefined>;
  save(record: BackfillRecord): Promise<void>;
}
