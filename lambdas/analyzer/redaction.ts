import { redactFinding, redactProblemDetail, redactText } from '../core/detect/redact';
import type { Finding } from '../core/finding';
import type { ProblemSample } from '../core/read';

/**
 * Redaction for what the Lambdas make and print themselves. Object keys, principal ids, user
 * agents and the reader's problem samples are chosen by whoever writes to the bucket or calls
 * the API: a token in a key must not reach a log line or an alert any more than one in an event.
 */

/**
 * A finding made outside the engine (an object removed from the bucket, the watchdog's) as it may
 * be stored and sent: every string it carries passes through the engine's whole-finding redaction.
 */
export function redactOwnFinding(finding: Finding): Finding {
  return redactFinding(finding);
}

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
