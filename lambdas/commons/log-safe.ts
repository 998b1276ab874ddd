import { redactProblemDetail, redactText } from '../core/detect/redact';
import type { ProblemSample } from '../core/read';

/**
 * Redaction for what the Lambdas print themselves. Object keys, principal ids, user agents and
 * the reader's problem samples are chosen by whoever writes to the bucket or calls the API: a
 * token in a key must not reach a log line any more than one in an event. (Findings, whatever
 * their source, are redacted by the finding policy: core/detect/finding-policy.ts.)
 */

/** A string from an event, a notification or an object key, for a log line. */
export function logSafe(text: string): string;
export function logSafe(text: string | undefined): string | undefined;
export function logSafe(text: string | undefined): string | undefined {
  return text === undefined ? undefined : redactText(text);
}

/** The reader's problem samples for a log line: their details quote the object. */
export function safeSamples(samples: readonly ProblemSample[]): ProblemSample[] {
  return samples.map((s) => ({ ...s, detail: redactProblemDetail(s.detail) }));
}
