import { createHash } from 'node:crypto';
import type { AuditEvent } from '../audit-event';
import type { RuleHit } from './rule';

/**
 * What identifies one request across the stages the API server logs it at and across
 * re-deliveries in any wrapper: everything the client and the server fixed when the request came
 * in. The auditID alone is not enough: the client chooses it, so a failed or dry-run decoy can
 * carry the same one as the real request. Stage, stage time, response status and response body
 * are left out: they are what differs between two stages of one request.
 */
export function requestIdentity(event: AuditEvent): unknown[] {
  return [
    event.auditID,
    event.requestReceivedTimestamp ?? event.timestamp ?? null,
    event.verb,
    event.requestURI ?? null,
    event.user ?? null,
    event.impersonatedUser ?? null,
    event.sourceIPs ?? null,
    event.userAgent ?? null,
    event.objectRef ?? null,
    event.requestObject ?? null,
  ];
}

/** The fingerprint of one hit of one rule on one request (see `Finding.fingerprint`). */
export function hitFingerprint(ruleId: string, event: AuditEvent, hit: Pick<RuleHit, 'summary' | 'evidence'>): string {
  return digest([ruleId, requestIdentity(event), hit.summary, hit.evidence ?? null]);
}

/** A short, collision-resistant name for any JSON value. */
export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest().subarray(0, 16).toString('base64url');
}
