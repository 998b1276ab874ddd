import type { AuditEvent } from '../audit-event';
import { isRecord } from './envelopes';

type Check = (v: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isStringList: Check = (v) => Array.isArray(v) && v.every(isString);
const isStringMap = (item: Check): Check => (v) => isRecord(v) && Object.values(v).every(item);
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);

/** Fields of a user (or impersonated user) the rules and renderers read, and their JSON types. */
const USER_FIELDS: Readonly<Record<string, Check>> = {
  username: isString,
  uid: isString,
  groups: isStringList,
  extra: isStringMap(isStringList),
};

const OBJECT_REF_FIELDS: Readonly<Record<string, Check>> = {
  resource: isString,
  namespace: isString,
  name: isString,
  uid: isString,
  apiGroup: isString,
  apiVersion: isString,
  resourceVersion: isString,
  subresource: isString,
};

const RESPONSE_STATUS_FIELDS: Readonly<Record<string, Check>> = {
  code: isNumber,
  status: isString,
  reason: isString,
  message: isString,
};

/** Which fields a record may carry, each with its type: absent is fine, wrong is not. */
function fieldsProblem(value: unknown, fields: ReadonlyArray<[string, Check]>, path: string): string | undefined {
  if (!isRecord(value)) return `${path} is not an object`;
  for (const [key, check] of fields) {
    if (value[key] !== undefined && value[key] !== null && !check(value[key])) return `${path}.${key} is not ${describe(check)}`;
  }
  return undefined;
}

function describe(check: Check): string {
  if (check === isString) return 'a string';
  if (check === isNumber) return 'a number';
  if (check === isStringList) return 'a list of strings';
  return 'a map of the expected type';
}

/** Top-level fields and their types; the bodies (requestObject, responseObject) are any JSON the user sent. */
const EVENT_FIELDS: Readonly<Record<string, Check>> = {
  level: isString,
  stage: isString,
  requestURI: isString,
  verb: isString,
  userAgent: isString,
  sourceIPs: isStringList,
  requestReceivedTimestamp: isString,
  stageTimestamp: isString,
  timestamp: isString,
  annotations: isStringMap(isString),
};

// Entries listed once, not per event: the check runs on every event the rules see.
const EVENT_CHECKS = Object.entries(EVENT_FIELDS);
const EVENT_RECORDS: ReadonlyArray<[string, ReadonlyArray<[string, Check]>]> = [
  ['user', Object.entries(USER_FIELDS)],
  ['impersonatedUser', Object.entries(USER_FIELDS)],
  ['objectRef', Object.entries(OBJECT_REF_FIELDS)],
  ['responseStatus', Object.entries(RESPONSE_STATUS_FIELDS)],
];

/**
 * Why a parsed `kind: Event` object is not an audit event the rules can use; undefined when it is.
 * Every field a rule or a renderer reads is checked for its JSON type here, once, so that no rule
 * has to distrust the shape (the API server never writes a numeric username, but a bucket writer
 * can, and one such event must cost that event only, not the object). `null` counts as absent.
 * A missing verb is tolerated (the reader sets it to ''): some exporters drop it, and dropping
 * the event would hide who touched what (an anonymous read is still an anonymous read).
 */
export function invalidEventReason(value: Record<string, unknown>): string | undefined {
  if (typeof value.apiVersion === 'string' && !value.apiVersion.startsWith('audit.k8s.io/')) {
    return `apiVersion ${value.apiVersion} is not audit.k8s.io`;
  }
  if (typeof value.auditID !== 'string' || value.auditID === '') return 'auditID missing';
  for (const [key, check] of EVENT_CHECKS) {
    if (value[key] !== undefined && value[key] !== null && !check(value[key])) return `${key} is not ${describe(check)}`;
  }
  for (const [key, fields] of EVENT_RECORDS) {
    if (value[key] === undefined || value[key] === null) continue;
    const problem = fieldsProblem(value[key], fields, key);
    if (problem) return problem;
  }
  if (value.objectRef == null && typeof value.requestURI !== 'string') return 'neither objectRef nor requestURI';
  return undefined;
}

/** JSON `null` where the API server omits a field: the rules read both as absent. Call after the check passed. */
export function dropNulls(value: Record<string, unknown>): void {
  for (const [key] of EVENT_CHECKS) if (value[key] === null) delete value[key];
  for (const [key, fields] of EVENT_RECORDS) {
    const record = value[key];
    if (record === null) delete value[key];
    else if (isRecord(record)) for (const [field] of fields) if (record[field] === null) delete record[field];
  }
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
