import type { AuditEvent } from '../audit-event';
import { isRecord } from './envelopes';

/**
 * Why a parsed `kind: Event` object is not an audit event the rules can use; undefined when it is.
 * A missing verb is tolerated (the reader sets it to ''): some exporters drop it, and dropping
 * the event would hide who touched what (an anonymous read is still an anonymous read).
 */
export function invalidEventReason(value: Record<string, unknown>): string | undefined {
  if (typeof value.apiVersion === 'string' && !value.apiVersion.startsWith('audit.k8s.io/')) {
    return `apiVersion ${value.apiVersion} is not audit.k8s.io`;
  }
  if (typeof value.auditID !== 'string' || value.auditID === '') return 'auditID missing';
  if (value.verb !== undefined && typeof value.verb !== 'string') return 'verb is not a string';
  if (value.stage !== undefined && typeof value.stage !== 'string') return 'stage is not a string';
  if (value.user !== undefined && !isRecord(value.user)) return 'user is not an object';
  if (value.objectRef !== undefined && !isRecord(value.objectRef)) return 'objectRef is not an object';
  if (value.objectRef === undefined && typeof value.requestURI !== 'string') return 'neither objectRef nor requestURI';
  return undefined;
}

export const PRUNED = '[pruned: nested deeper than the reader allows]';

/**
 * Replaces what lies deeper than `maxDepth` in the request and response bodies (the only
 * fields whose nesting a user controls, e.g. custom resources) with a marker, so that code
 * walking them later cannot overflow the stack. The event itself is kept: dropping it would let
 * an attacker hide a change behind a deep object. Returns whether anything was pruned.
 */
export function pruneDeepBodies(event: AuditEvent, maxDepth: number): boolean {
  const a = pruneDeep(event.requestObject, maxDepth);
  const b = pruneDeep(event.responseObject, maxDepth);
  return a || b;
}

function pruneDeep(value: unknown, depthLeft: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const node = value as Record<string, unknown>; // arrays too: their indexes are keys
  let pruned = false;
  for (const key in node) {
    const item = node[key];
    if (typeof item !== 'object' || item === null) continue;
    if (depthLeft <= 1) {
      node[key] = PRUNED;
      pruned = true;
    } else if (pruneDeep(item, depthLeft - 1)) pruned = true;
  }
  return pruned;
}
