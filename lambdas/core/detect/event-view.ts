import type { AuditEvent } from '../audit-event';
import { TRUNCATED_ANNOTATION } from '../audit-event';
import type { Actor } from './identity';
import { classifyActor } from './identity';

export type JsonObject = Record<string, unknown>;

/** Subresources whose requests stream: their ResponseStarted stage is the one that says it happened. */
export const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * One audit event as the rules read it: the fields they test, normalized once, and the object
 * the request produced, taken from where the audit level put it.
 */
export interface EventView {
  event: AuditEvent;
  cluster?: string;
  verb: string;
  resource: string;
  subresource: string;
  apiGroup: string;
  namespace: string;
  name: string;
  actor: Actor;
  impersonatedUser?: string;
  /** Request URI query parameters (dryRun, command, container, ...). */
  query: URLSearchParams;
  /** HTTP status of the response; undefined when the level did not record it. */
  code?: number;
  /** The request took effect: not failed (>= 400) and not a dry run. */
  succeeded: boolean;
  dryRun: boolean;
  /**
   * The object as the request left it: the response body for writes that return the object,
   * else the request body unless it is a patch. Undefined at Metadata level.
   */
  object?: JsonObject;
  /** The patch body of a `patch` request (JSON patch array, merge or strategic merge patch, apply). */
  patch?: unknown;
  /** Why evidence may be missing: the audit level, truncation, size. Undefined when the bodies are there. */
  missingEvidence?: string;
  /**
   * Set when the event was longer than the reader's limit and was judged from the fields before
   * its bodies (`ReadEvent.oversize`): at least this many bytes. No body, and often no timestamps
   * or annotations, were read.
   */
  oversize?: number;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Path segments that reach an object's prototype when a patch is applied to a plain object. */
const PROTOTYPE_SEGMENT = /(?:^|\/)(?:__proto__|constructor|prototype)(?:\/|$)/;

/**
 * A JSON patch without the operations whose path runs through `__proto__`, `constructor` or
 * `prototype`: applied to a plain object (as the rules read patches), such a path writes into
 * Object.prototype, every object in the process. The API server applies them to typed objects,
 * where those names are unknown fields, so nothing of what the request did is lost. Other patch
 * kinds pass as they are.
 */
export function safePatch(patch: unknown): unknown {
  if (!Array.isArray(patch)) return patch;
  const unsafe = (op: unknown): boolean =>
    isObject(op) && ['path', 'from'].some((k) => typeof op[k] === 'string' && PROTOTYPE_SEGMENT.test(op[k].replace(/~1/g, '/').replace(/~0/g, '~')));
  return patch.some(unsafe) ? patch.filter((op) => !unsafe(op)) : patch;
}

/** `oversize`: the size the reader saw when the event was over its limit (`ReadEvent.oversize`). */
export function viewOf(event: AuditEvent, cluster?: string, oversize?: number): EventView {
  const ref = event.objectRef ?? {};
  const uri = event.requestURI ?? '';
  const q = uri.indexOf('?');
  const query = new URLSearchParams(q >= 0 ? uri.slice(q + 1) : '');
  const code = event.responseStatus?.code;
  const dryRun = query.getAll('dryRun').length > 0;
  const response = isObject(event.responseObject) && event.responseObject.kind !== 'Status' ? event.responseObject : undefined;
  const request = isObject(event.requestObject) ? event.requestObject : undefined;
  const view: EventView = {
    event,
    cluster,
    verb: event.verb,
    resource: ref.resource ?? '',
    subresource: ref.subresource ?? '',
    apiGroup: ref.apiGroup ?? '',
    namespace: ref.namespace ?? '',
    name: ref.name ?? (isObject(request?.metadata) && typeof request.metadata.name === 'string' ? request.metadata.name : ''),
    actor: classifyActor(event.user?.username, event.user?.groups),
    impersonatedUser: event.impersonatedUser?.username,
    query,
    code,
    succeeded: (code === undefined || code < 400) && !dryRun,
    dryRun,
  };
  if (event.verb === 'patch') {
    view.patch = safePatch(event.requestObject);
    view.object = response;
  } else {
    view.object = response ?? request;
  }
  if (oversize !== undefined) {
    view.oversize = oversize;
    view.missingEvidence = `the event was over the reader's size limit (at least ${oversize} bytes): its bodies were not read`;
  } else if (event.annotations?.[TRUNCATED_ANNOTATION] === 'true') view.missingEvidence = 'the API server truncated this event';
  else if (
    view.object === undefined &&
    view.patch === undefined &&
    (event.verb === 'create' || event.verb === 'update' || event.verb === 'patch') &&
    !STREAMING_SUBRESOURCES.has(view.subresource) &&
    view.subresource !== 'proxy'
  ) {
    view.missingEvidence = `audit level ${event.level ?? 'unknown'} recorded no request body`;
  }
  return view;
}

/** Only what happened counts: the final stage (ResponseStarted for streams), events with no stage as final. */
export function isFinalStage(view: EventView): boolean {
  const stage = view.event.stage;
  if (stage === undefined || stage === 'ResponseComplete' || stage === 'Panic') return true;
  return stage === 'ResponseStarted' && STREAMING_SUBRESOURCES.has(view.subresource);
}

export function asObject(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Verbs that change state; everything else is a read or a stream. */
export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;
const WRITES = new Set<string>(WRITE_VERBS);

export const isWrite = (verb: string | undefined): boolean => verb !== undefined && WRITES.has(verb);
