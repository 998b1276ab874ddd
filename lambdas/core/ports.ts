import type { Finding } from './finding';
import type { AlertMessage } from './alert/sns-message';
import type { AggregatedRow, ScanSummary } from './report/aggregate';

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
