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
  const out = new CanonicalText();
  out.write(value, 0);
  return out.finish();
}

/** Handed to the hash whenever this much canonical text has gathered: no whole copy of a large body is built. */
const FLUSH_LENGTH = 64 * 1024;
/** What JSON.stringify escapes in a string: quotes, backslashes, control characters and (lone) surrogates, for which it is called. */
// eslint-disable-next-line no-control-regex -- control characters are among what JSON.stringify escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * Canonical JSON (object keys sorted) streamed into SHA-256. Each value is written as
 * JSON.stringify writes it, without calling it for the plain strings, finite numbers and booleans
 * that make up most of an event: a fingerprint is taken for every hit, over whole request bodies.
 */
class CanonicalText {
  private readonly hash = createHash('sha256');
  private text = '';

  write(value: unknown, depth: number): void {
    if (this.text.length > FLUSH_LENGTH) this.flush();
    if (typeof value === 'string') {
      this.text += NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    } else if (typeof value === 'number') {
      this.text += Number.isFinite(value) ? String(value) : 'null';
    } else if (typeof value === 'boolean') {
      this.text += value ? 'true' : 'false';
    } else if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      this.text += 'null';
    } else if (typeof value !== 'object' || value === null) {
      this.text += JSON.stringify(value) ?? 'null';
    } else if (depth > 200) {
      this.text += '"…"'; // the reader prunes bodies far above this depth
    } else if (Array.isArray(value)) {
      this.text += '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.text += ',';
        this.write(value[i], depth + 1);
      }
      this.text += ']';
    } else {
      this.text += '{';
      let first = true;
      for (const key of Object.keys(value).sort()) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue; // as in JSON.stringify: an undefined key is an absent one
        if (!first) this.text += ',';
        first = false;
        this.write(key, depth + 1);
        this.text += ':';
        this.write(v, depth + 1);
      }
      this.text += '}';
    }
  }

  finish(): string {
    this.flush();
    return this.hash.digest().subarray(0, 16).toString('base64url');
  }

  private flush(): void {
    this.hash.update(this.text);
    this.text = '';
  }
}
