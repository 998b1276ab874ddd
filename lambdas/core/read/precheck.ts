import type { CompiledInterest } from './interest';
import { NO_RESOURCE } from './interest';
import { BACKSLASH, CLOSE_BRACE, COLON, COMMA, LOWER_R, OPEN_BRACE, QUOTE } from './bytes';

/** What the pre-check decided about one raw event. */
export const PARSE = 0;
export const FILTER = 1;
export const SKIP_STAGE = 2;
export type Verdict = typeof PARSE | typeof FILTER | typeof SKIP_STAGE;

const KEY_VERB = 0;
const KEY_OBJECT_REF = 1;
const KEY_STAGE = 2;
const FIRST_MARKER = 3;
const KEYS = ['"verb"', '"objectRef"', '"stage"'];
/** More occurrences of one key than this in a single event: give up and parse. */
const MAX_VALUES = 4;
const STAGE_REQUEST_RECEIVED = 'RequestReceived';

/**
 * Printable ASCII from the most to the least frequent in audit logs (measured on generated EKS
 * traffic and the shared corpus). A needle is searched from its rarest byte: Buffer#indexOf
 * runs memchr on the first byte, and a quote (16% of all bytes) there makes it stop every few
 * bytes, while a rare one lets it run at memory speed.
 */
const BY_FREQUENCY = '"esat:niorc-,ud0pml21.b48{}k5/93f6v7gyRhTwI[]VA\\P EOSZNCxjDqzMUFGLHYBXJW=K_Q@()&?*$%;\'+!#<>^`|~';
/** Bytes searched for natively; the rest of the needle is compared at each hit. */
const WINDOW = 5;

/**
 * Decides from the raw bytes (or, for events embedded as strings, the raw string) whether an
 * event can be skipped without JSON.parse. It must never hide an event a rule needs, so it
 * answers FILTER only when it can prove the event's verb, resource and subresource match no
 * selector whatever the document's key order:
 * - every `"verb":"…"` anywhere in the event is a candidate verb (bodies such as
 *   SubjectAccessReviews nest the same key), and every `"objectRef":{…}` is read exactly (an
 *   ObjectReference holds only strings, so a tiny parser of its own reads it) for a candidate
 *   resource and subresource; "no objectRef" is always a candidate too. The event is skipped
 *   only if every combination of candidates is uninteresting;
 * - a key in any other form (`"verb": "get"` with a space, escaped strings, an objectRef that
 *   is not a flat object of strings, too many occurrences) means PARSE, as does the presence of
 *   any marker (e.g. `system:anonymous`);
 * - wrapped events (`{"log":"{\"verb\":…}"}`) never match the keys, so they are parsed and
 *   their inner string is pre-checked on its own.
 * An event that would be parsed is skipped after all when its only stage is RequestReceived.
 *
 * Searches are native. For a Buffer holding many lines, the next occurrence of each needle is
 * remembered, so a needle absent from a line costs one scan of the buffer in all, not one per line.
 */
export class PreCheck {
  private readonly needleText: string[];
  private readonly needleBytes: Buffer[];
  /** Per needle, the few bytes searched for natively (from its rarest byte), and where they start in it. */
  private readonly windowBytes: Buffer[];
  private readonly windowOffset: number[];
  private readonly firstSubstring: number;
  private readonly cacheFrom: Float64Array;
  private readonly cachePos: Float64Array;
  private buf: Buffer | null = null;
  private str = '';
  private readonly verbs: string[] = [];
  private readonly resources: string[] = [];
  private readonly subresources: string[] = [];
  private rangeStart = 0;
  private rangeEnd = 0;
  private readonly interned = new InternedStrings();
  /**
   * Whether the event being decided contains `interest.substrings[i]`. Searched within the event
   * only: a selector's substring is often absent from the whole log (`"audit"` in a ConfigMap), and
   * looking for its next occurrence past the event would scan the rest of the chunk every time.
   */
  private readonly has = (i: number): boolean => this.within(this.firstSubstring + i, this.rangeStart, this.rangeEnd);

  constructor(private readonly interest: CompiledInterest) {
    this.needleText = [...KEYS, ...interest.markers];
    this.firstSubstring = this.needleText.length;
    this.needleText.push(...interest.substrings);
    this.needleBytes = this.needleText.map((n) => Buffer.from(n, 'utf8'));
    this.windowOffset = this.needleBytes.map(rarestOffset);
    this.windowBytes = this.needleBytes.map((n, i) => n.subarray(this.windowOffset[i], this.windowOffset[i] + WINDOW));
    this.cacheFrom = new Float64Array(this.needleText.length);
    this.cachePos = new Float64Array(this.needleText.length);
  }

  /** Decides for the event in `buf[start, end)`. Calls for one buffer should go in increasing `start`. */
  decideBytes(buf: Buffer, start: number, end: number): Verdict {
    if (buf !== this.buf) {
      this.buf = buf;
      this.resetCache();
    }
    return this.decide(start, end);
  }

  /** Decides for an event held as a whole string (CloudWatch `message`, shipper `log`). */
  decideText(text: string): Verdict {
    this.buf = null;
    this.str = text;
    this.resetCache();
    return this.decide(0, text.length);
  }

  private decide(start: number, end: number): Verdict {
    this.rangeStart = start;
    this.rangeEnd = end;
    if (this.collectVerbs(start, end) <= 0) return PARSE;
    for (let m = FIRST_MARKER; m < this.firstSubstring; m++) {
      if (this.next(m, start) < end) return this.stageVerdict(start, end);
    }
    if (!this.collectObjectRefs(start, end)) return PARSE;
    this.resources.push(NO_RESOURCE);
    this.subresources.push('');
    for (const verb of this.verbs) {
      for (let i = 0; i < this.resources.length; i++) {
        if (this.interest.matches(verb, this.resources[i], this.subresources[i], this.has)) return this.stageVerdict(start, end);
      }
    }
    return FILTER;
  }

  /**
   * SKIP_STAGE when the event's one and only `"stage"` is RequestReceived, else PARSE. The API
   * server always writes the top-level stage, and no Kubernetes object has a `stage` field, so
   * a single occurrence is the event's own.
   */
  private stageVerdict(start: number, end: number): Verdict {
    const at = this.next(KEY_STAGE, start);
    if (at >= end) return PARSE;
    const valueStart = at + KEYS[KEY_STAGE].length + 2;
    if (this.codeAt(valueStart - 2) !== COLON || this.codeAt(valueStart - 1) !== QUOTE) return PARSE;
    const valueEnd = this.stringEnd(valueStart, end);
    if (valueEnd - valueStart !== STAGE_REQUEST_RECEIVED.length || this.slice(valueStart, valueEnd) !== STAGE_REQUEST_RECEIVED) return PARSE;
    return this.next(KEY_STAGE, valueEnd) < end ? PARSE : SKIP_STAGE;
  }

  /** Collects every `"verb":"value"` in [start, end); -1 when any occurrence has another form. */
  private collectVerbs(start: number, end: number): number {
    const out = this.verbs;
    out.length = 0;
    let from = start;
    for (;;) {
      const at = this.next(KEY_VERB, from);
      if (at >= end) return out.length;
      const colon = at + KEYS[KEY_VERB].length;
      if (colon + 1 >= end || this.codeAt(colon) !== COLON || this.codeAt(colon + 1) !== QUOTE) return -1;
      const valueEnd = this.stringEnd(colon + 2, end);
      if (valueEnd < 0 || out.length === MAX_VALUES) return -1;
      out.push(this.slice(colon + 2, valueEnd));
      from = valueEnd + 1;
    }
  }

  /**
   * Reads every `"objectRef":{…}` in [start, end) into the parallel lists `resources` and
   * `subresources`. False when one is in a form this reader does not follow exactly.
   */
  private collectObjectRefs(start: number, end: number): boolean {
    this.resources.length = 0;
    this.subresources.length = 0;
    let from = start;
    for (;;) {
      const at = this.next(KEY_OBJECT_REF, from);
      if (at >= end) return true;
      if (this.resources.length === MAX_VALUES) return false;
      from = this.buf ? this.readObjectRefBytes(this.buf, at + KEYS[KEY_OBJECT_REF].length, end) : this.readObjectRefText(at + KEYS[KEY_OBJECT_REF].length, end);
      if (from < 0) return false;
    }
  }

  /**
   * Reads `:{"key":"value",…}` at `i` (flat, strings only, no escapes), pushing its resource and
   * subresource; returns the index after the `}`, or -1. An ObjectReference's keys are resource,
   * namespace, name, uid, apiGroup, apiVersion, resourceVersion and subresource: length and first
   * letter tell the two wanted ones apart without making a string of every key.
   */
  private readObjectRefBytes(buf: Buffer, i: number, end: number): number {
    if (i + 2 >= end || buf[i] !== COLON || buf[i + 1] !== OPEN_BRACE) return -1;
    i += 2;
    let resource = NO_RESOURCE;
    let subresource = '';
    if (buf[i] === CLOSE_BRACE) i++;
    else {
      for (;;) {
        if (buf[i] !== QUOTE) return -1;
        const keyStart = ++i;
        while (i < end && buf[i] !== QUOTE && buf[i] !== BACKSLASH) i++;
        if (i + 2 >= end || buf[i] !== QUOTE || buf[i + 1] !== COLON || buf[i + 2] !== QUOTE) return -1;
        const keyLength = i - keyStart;
        const valueStart = (i += 3);
        while (i < end && buf[i] !== QUOTE && buf[i] !== BACKSLASH) i++;
        if (i >= end || buf[i] !== QUOTE) return -1;
        if (keyLength === 8 && buf[keyStart] === LOWER_R) resource = this.interned.get(buf, valueStart, i);
        else if (keyLength === 11) subresource = this.interned.get(buf, valueStart, i);
        const c = buf[++i];
        i++;
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return -1;
      }
    }
    this.resources.push(resource);
    this.subresources.push(subresource);
    return i;
  }

  /** readObjectRefBytes for an event held as a string. */
  private readObjectRefText(i: number, end: number): number {
    const str = this.str;
    if (i + 2 >= end || str.charCodeAt(i) !== COLON || str.charCodeAt(i + 1) !== OPEN_BRACE) return -1;
    i += 2;
    let resource = NO_RESOURCE;
    let subresource = '';
    if (str.charCodeAt(i) === CLOSE_BRACE) i++;
    else {
      for (;;) {
        if (str.charCodeAt(i) !== QUOTE) return -1;
        const keyEnd = this.stringEnd(i + 1, end);
        if (keyEnd < 0 || str.charCodeAt(keyEnd + 1) !== COLON || str.charCodeAt(keyEnd + 2) !== QUOTE) return -1;
        const valueStart = keyEnd + 3;
        const valueEnd = this.stringEnd(valueStart, end);
        if (valueEnd < 0) return -1;
        const keyLength = keyEnd - i - 1;
        if (keyLength === 8 && str.charCodeAt(i + 1) === LOWER_R) resource = str.slice(valueStart, valueEnd);
        else if (keyLength === 11) subresource = str.slice(valueStart, valueEnd);
        i = valueEnd + 1;
        const c = str.charCodeAt(i++);
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return -1;
      }
    }
    this.resources.push(resource);
    this.subresources.push(subresource);
    return i;
  }

  /** Index of the quote closing a string whose content starts at `from`; -1 if it has an escape or does not close before `end`. */
  private stringEnd(from: number, end: number): number {
    if (this.buf) {
      // One pass in JS: these strings are short, so a native call per string costs more than the loop.
      const buf = this.buf;
      for (let i = from; i < end; i++) {
        const c = buf[i];
        if (c === QUOTE) return i;
        if (c === BACKSLASH) return -1;
      }
      return -1;
    }
    const q = this.str.indexOf('"', from);
    if (q < 0 || q >= end) return -1;
    const b = this.str.indexOf('\\', from);
    return b >= 0 && b < q ? -1 : q;
  }

  private slice(from: number, to: number): string {
    return this.buf ? this.interned.get(this.buf, from, to) : this.str.slice(from, to);
  }

  private codeAt(i: number): number {
    return this.buf ? this.buf[i] : this.str.charCodeAt(i);
  }

  /** Position of the next occurrence of needle `id` at or after `from`; Infinity when none. */
  private next(id: number, from: number): number {
    const cached = this.cachePos[id];
    if (from >= this.cacheFrom[id] && from <= cached) return cached;
    const at = this.buf ? this.findBytes(this.buf, id, from) : this.str.indexOf(this.needleText[id], from);
    this.cacheFrom[id] = from;
    this.cachePos[id] = at < 0 ? Infinity : at;
    return this.cachePos[id];
  }

  /** Whether needle `id` occurs in [start, end): the cached next occurrence when it is known, else a search bounded by `end`. */
  private within(id: number, start: number, end: number): boolean {
    if (start >= this.cacheFrom[id] && start <= this.cachePos[id]) return this.cachePos[id] < end;
    if (!this.buf) return this.str.slice(start, end).includes(this.needleText[id]);
    const at = this.findBytes(this.buf.subarray(0, end), id, start);
    if (at >= 0) {
      this.cacheFrom[id] = start;
      this.cachePos[id] = at;
    }
    return at >= 0;
  }

  /** Searches for the needle's rare window, then compares the whole needle there. */
  private findBytes(buf: Buffer, id: number, from: number): number {
    const offset = this.windowOffset[id];
    const window = this.windowBytes[id];
    const needle = this.needleBytes[id];
    const whole = needle.length === window.length;
    for (let w = buf.indexOf(window, from + offset); w >= 0; w = buf.indexOf(window, w + 1)) {
      const at = w - offset;
      if (whole) return at;
      if (at + needle.length > buf.length) return -1;
      if (bytesAt(buf, at, needle)) return at;
    }
    return -1;
  }

  private resetCache(): void {
    this.cacheFrom.fill(0);
    this.cachePos.fill(-1);
  }
}

/**
 * The few distinct verbs and resource names of a log, made into strings once: the same short
 * byte runs recur on every line, and a lookup that compares bytes is cheaper than a new string.
 */
class InternedStrings {
  private readonly slots: string[] = new Array<string>(1024).fill('');

  get(buf: Buffer, from: number, to: number): string {
    const length = to - from;
    if (length === 0) return '';
    const slot = ((length * 31 + buf[from] * 7 + buf[to - 1] * 131 + buf[from + (length >> 1)]) & 1023);
    const cached = this.slots[slot];
    if (cached.length === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (cached.charCodeAt(i) !== buf[from + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const text = buf.toString('latin1', from, to);
    if (length <= 64) this.slots[slot] = text;
    return text;
  }
}

/** Whether `needle` sits in `buf` at `at`. A JS loop: needles are short, Buffer#compare's checks cost more. */
function bytesAt(buf: Buffer, at: number, needle: Buffer): boolean {
  for (let i = 0; i < needle.length; i++) if (buf[at + i] !== needle[i]) return false;
  return true;
}

/**
 * Strings in nearly every audit event. A window found in one of them would stop the search on
 * every line for nothing (`henti` of `system:unauthenticated` hits `system:authenticated` four
 * times a line), so windows are chosen outside them.
 */
const EVERYWHERE = [
  'system:authenticated', 'system:serviceaccount:', 'system:serviceaccounts', 'system:node:', 'system:nodes', 'system:masters',
  'authorization.k8s.io/decision', 'authorization.k8s.io/reason', 'authentication.k8s.io', 'coordination.k8s.io',
  'ResponseComplete', 'ResponseStarted', 'RequestReceived', 'requestReceivedTimestamp', 'stageTimestamp', 'creationTimestamp',
  'resourceVersion', 'apiVersion', 'audit.k8s.io/v1', 'userAgent', 'sourceIPs', 'managedFields', 'kube-system', 'namespace',
].join('\n');

/**
 * Where the window to search for starts: at the rarest first byte among windows that do not
 * occur in EVERYWHERE; on a tie the later one (a needle's distinctive part tends to be its end).
 */
function rarestOffset(needle: Buffer): number {
  let best = 0;
  let bestRank = -1;
  for (let i = 0; i <= Math.max(0, needle.length - WINDOW); i++) {
    if (needle.length > WINDOW && EVERYWHERE.includes(needle.subarray(i, i + WINDOW).toString('latin1'))) continue;
    const rank = BY_FREQUENCY.indexOf(String.fromCharCode(needle[i]));
    const r = rank < 0 ? BY_FREQUENCY.length : rank; // non-ASCII and control bytes are rare
    if (r >= bestRank) {
      best = i;
      bestRank = r;
    }
  }
  return best;
}
