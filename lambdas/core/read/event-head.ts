import { CLOSE_BRACE, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './bytes';
import { findValueEnd, stringEndAt } from './json-scan';
import { setOwn } from '../own-property';

/**
 * The members of the JSON object starting at `buf[start]` whose values end before `end`, in
 * order, stopping at the first one that does not: what can be known of a document too long to
 * parse whole. The API server writes an event's fields in a fixed order, kind, apiVersion, level,
 * auditID, stage, requestURI, verb, user, impersonatedUser, sourceIPs, userAgent, objectRef and
 * responseStatus before the bodies, so the head of an oversize event says who did what to which
 * object and how it ended. Undefined when the bytes do not start an object.
 *
 * Members are defined as own properties, as JSON.parse does (a `__proto__` key must not become
 * the object's prototype). A duplicate key keeps its last value, as JSON.parse does.
 */
export function readObjectHead(buf: Buffer, start: number, end: number): Record<string, unknown> | undefined {
  let i = skip(buf, start, end);
  if (byteAt(buf, i, end) !== OPEN_BRACE) return undefined;
  const members: Record<string, unknown> = {};
  i++;
  for (;;) {
    i = skip(buf, i, end);
    if (byteAt(buf, i, end) !== QUOTE) return members;
    const keyEnd = stringEndAt(buf, i, end);
    if (keyEnd < 0) return members;
    const key = parse(buf, i, keyEnd);
    i = skip(buf, keyEnd, end);
    if (typeof key !== 'string' || byteAt(buf, i, end) !== COLON) return members;
    const valueStart = skip(buf, i + 1, end);
    const valueEnd = scalarOrValueEnd(buf, valueStart, end);
    if (valueEnd < 0) return members;
    const value = parse(buf, valueStart, valueEnd);
    if (value === NOT_JSON) return members;
    setOwn(members, key, value);
    i = skip(buf, valueEnd, end);
    if (byteAt(buf, i, end) !== COMMA) return members;
    i++;
  }
}

const NOT_JSON = Symbol('not JSON');

function parse(buf: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(buf.toString('utf8', start, end)) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** Index after the value at `buf[at]`; -1 when it does not end before `end` (a scalar must be followed by `,` or `}` to be whole). */
function scalarOrValueEnd(buf: Buffer, at: number, end: number): number {
  const c = byteAt(buf, at, end);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return findValueEnd(buf, at, end);
  if (c === QUOTE) return stringEndAt(buf, at, end);
  for (let i = at; i < end; i++) {
    const b = buf[i];
    if (b === COMMA || b === CLOSE_BRACE || b <= 0x20) return i > at ? i : -1;
  }
  return -1;
}

function skip(buf: Buffer, i: number, end: number): number {
  while (i < end && buf[i] <= 0x20) i++;
  return i;
}

/** The byte at `i`, or -1 past the readable extent (the buffer may hold more than may be read). */
function byteAt(buf: Buffer, i: number, end: number): number {
  return i < end ? buf[i] : -1;
}
