import type { Finding } from './finding';
import type { AlertMessage } from './alert/sns-message';

/**
 * Where findings are kept. Writes are idempotent: a finding is identified by its cluster, time,
 * rule and auditID, so reprocessing an object or a duplicate delivery stores nothing new.
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
