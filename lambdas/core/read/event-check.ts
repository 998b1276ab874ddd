import type { AuditEvent } from '../audit-event';
import { isRecord } from './envelopes';

type Check = (v: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
function isStringList(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const item of v) if (typeof item !== 'string') return false;
  return true;
}
const isStringMap =
  (item: Check): Check =>
  (v) => {
    if (!isRecord(v)) return false;
    for (const key in v) if (!item(v[key])) return false;
    return true;
  };

const TYPE_NAMES = new Map<Check, string>([
  [isString, 'a string'],
  [isNumber, 'a number'],
  [isStringList, 'a list of strings'],
]);

/** Fields of a user (or impersonated user) the rules and renderers read, and their JSON types. */
const USER_FIELDS = new Map<string, Check>([
  ['username', isString],
  ['uid', isString],
  ['groups', isStringList],
  ['extra', isStringMap(isStringList)],
]);

const OBJECT_REF_FIELDS = new Map<string, Check>(
  ['resource', 'namespace', 'name', 'uid', 'apiGroup', 'apiVersion', 'resourceVersion', 'subresource'].map((k) => [k, isString]),
);

const RESPONSE_STATUS_FIELDS = new Map<string, Check>([
  ['code', isNumber],
  ['status', isString],
  ['reason', isString],
  ['message', isString],
]);

/** Top-level fields and their types (records: their own fields'); the bodies are any JSON the user sent. */
const EVENT_FIELDS = new Map<string, Check | Map<string, Check>>([
  ['level', isString],
  ['stage', isString],
  ['requestURI', isString],
  ['verb', isString],
  ['userAgent', isString],
  ['sourceIPs', isStringList],
  ['requestReceivedTimestamp', isString],
  ['stageTimestamp', isString],
  ['timestamp', isString],
  ['annotations', isStringMap(isString)],
  ['user', USER_FIELDS],
  ['impersonatedUser', USER_FIELDS],
  ['objectRef', OBJECT_REF_FIELDS],
  ['responseStatus', RESPONSE_STATUS_FIELDS],
]);

/** Checks the fields of `record` listed in `fields`, deleting those that are null; the first wrong one's complaint. */
function checkFields(record: Record<string, unknown>, fields: ReadonlyMap<string, Check | Map<string, Check>>, path: string): string | undefined {
  for (const key in record) {
    const check = fields.get(key);
    if (check === undefined) continue;
    const value = record[key];
    if (value === null) {
      delete record[key];
    } else if (typeof check === 'function') {
      if (!check(value)) return `${path}${key} is not ${TYPE_NAMES.get(check) ?? 'a map of the expected type'}`;
    } else if (!isRecord(value)) {
      return `${path}${key} is not an object`;
    } else {
      const problem = checkFields(value, check, `${path}${key}.`);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * Why a parsed `kind: Event` object is not an audit event the rules can use; undefined when it is.
 * Every field a rule or a renderer reads is checked for its JSON type here, once, so that no rule
 * has to distrust the shape (the API server never writes a numeric username, but a bucket writer
 * can, and one such event must cost that event only, not the object). `null` is read as absent:
 * such fields are deleted. A missing verb is tolerated (the reader sets it to ''): some exporters
 * drop it, and dropping the event would hide who touched what (an anonymous read is still one).
 * One pass over the keys the event has: this runs on every event the rules see.
 */
export function invalidEventReason(value: Record<string, unknown>): string | undefined {
  if (typeof value.apiVersion === 'string' && !value.apiVersion.startsWith('audit.k8s.io/')) {
    return `apiVersion ${value.apiVersion} is not audit.k8s.io`;
  }
  if (typeof value.auditID !== 'string' || value.auditID === '') return 'auditID missing';
  const problem = checkFields(value, EVENT_FIELDS, '');
  if (problem) return problem;
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
  let pruned = false;
  // Arrays by index: `for…in` would make a string of every index (a pod is mostly arrays).
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) pruned = pruneMember(value as unknown[], i, depthLeft) || pruned;
  else for (const key in value) pruned = pruneMember(value as Record<string, unknown>, key, depthLeft) || pruned;
  return pruned;
}

/** Prunes below `node[key]`, or replaces it with the marker when it is a container at the last level allowed. */
function pruneMember(node: Record<string, unknown> | unknown[], key: string | number, depthLeft: number): boolean {
  // (an index into an array, a key into an object: the caller pairs them)
  const members = node as Record<string | number, unknown>;
  const item = members[key];
  if (typeof item !== 'object' || item === null) return false;
  if (depthLeft > 1) return pruneDeep(item, depthLeft - 1);
  members[key] = PRUNED;
  return true;
}
