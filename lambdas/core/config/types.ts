import type { Severity } from '../finding';
import type { Settings } from './settings';

/**
 * An exception: findings of the named rules (ids, categories, or '*') are not raised for the
 * identities and scope it names. Every field given must match (a list matches any of its
 * entries); an exception names at least one identity or scope field, carries a reason, and
 * stops applying after `expires`.
 */
export interface Exception {
  rules: string[];
  users?: string[];
  groups?: string[];
  /** `namespace:name` of service accounts. */
  serviceAccounts?: string[];
  namespaces?: string[];
  /** Object names (the target's name). */
  names?: string[];
  reason: string;
  /** ISO 8601; after it the exception no longer applies and is reported as expired. */
  expires?: string;
}

export interface Config {
  /** Rule ids (or categories) switched off. */
  disabled: string[];
  /** Severity overrides by rule id. */
  severity: Record<string, Severity>;
  settings: Settings;
  exceptions: Exception[];
}
