import { createHash } from 'node:crypto';
import type { AuditEvent } from '../audit-event';
import type { RuleHit } from './rule';

/**
 * What identifies one request across the stages the API server logs it at and across
 * re-deliveries in any wrapper: everything the client and the server fixed when the request came
 * in, and the cluster it came to. The auditID alone is not enough: the client chooses it, so a
 * failed or dry-run decoy, or a request to another cluster, can carry the same one as the real
 * request. Left out: what differs between two stages of one request (stage, stage time, response
 * status and body, level, annotations) and what the API server adds to objectRef once it has
 * decoded the body (uid, resourceVersion: absent from the RequestReceived stage).
 *
 * An event judged from the head of an oversize document has no requestObject and usually no
 * timestamp; every re-delivery of it is cut at the same place, so its identity is stable too.
 */
export function requestIdentity(event: AuditEvent, cluster?: string): unknown[] {
  const ref = event.objectRef;
  return [
    cluster ?? null,
    event.auditID,
    event.requestReceivedTimestamp ?? event.timestamp ?? null,
    event.verb,
    event.requestURI ?? null,
    event.user ?? null,
    event.impersonatedUser ?? null,
    event.sourceIPs ?? null,
    event.userAgent ?? null,
    ref ? { ...ref, uid: undefined, resourceVersion: undefined } : null,
    event.requestObject ?? null,
  ];
}

/** The digest of a request's identity; computed once per event, shared by every hit on it. */
export function requestDigest(event: AuditEvent, cluster?: string): string {
  return digest(requestIdentity(event, cluster));
}

/** The fingerprint of one hit of one rule on one request (see `Finding.fingerprint`). */
export function hitFingerprint(ruleId: string, request: string, hit: Pick<RuleHit, 'summary' | 'evidence'>): string {
  return digest([ruleId, request, hit.summary, hit.evidence ?? null]);
}

/**
 * A short, collision-resistant name for any JSON value. Object keys are taken in sorted order, so
 * a shipper that re-serialises the event with its keys in another order changes nothing.
 */
export function digest(value: unknown): string {
  const hash = createHash('sha256');
  const parts: string[] = [];
  const flush = (): void => {
    hash.update(parts.join(''));
    parts.length = 0;
  };
  canonical(value, parts, 0, flush);
  flush();
  return hash.digest().subarray(0, 16).toString('base64url');
}

/** Canonical JSON, in pieces handed to the hash a few thousand at a time: no whole copy of a large body is built. */
function canonical(value: unknown, out: string[], depth: number, flush: () => void): void {
  if (out.length > 4096) flush();
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    out.push('null');
  } else if (typeof value !== 'object' || value === null) {
    out.push(JSON.stringify(value) ?? 'null');
  } else if (depth > 200) {
    out.push('"…"'); // the reader prunes bodies far above this depth
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i > 0) out.push(',');
      canonical(v, out, depth + 1, flush);
    });
    out.push(']');
  } else {
    out.push('{');
    let first = true;
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue; // as in JSON.stringify: an undefined key is an absent one
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      canonical(v, out, depth + 1, flush);
    }
    out.push('}');
  }
}
