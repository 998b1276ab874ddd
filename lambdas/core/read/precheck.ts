import type { CompiledInterest } from './interest';
import { NO_RESOURCE } from './interest';

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
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

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
 *
 * Searches are native (Buffer#indexOf / String#indexOf). For a Buffer holding many lines, the
 * next occurrence of each needle is remembered, so a needle absent from a line costs one scan of
 * the buffer in all, not one per line.
 */
export class PreCheck {
  private readonly needleBytes: Buffer[];
  private readonly needleText: string[];
  private readonly cacheFrom: Float64Array;
  private readonly cachePos: Float64Array;
  private buf: Buffer | null = null;
  private str = '';
  private readonly verbs: string[] = [];
  private readonly stages: string[] = [];
  private readonly resources: string[] = [];
  private readonly subresources: string[] = [];
  private rangeStart = 0;
  private rangeEnd = 0;
  /** Substring test over the event being decided, for selectors with `contains`. */
  private readonly has = (text: string): boolean => {
    const at = this.buf ? this.buf.indexOf(text, this.rangeStart) : this.str.indexOf(text, this.rangeStart);
    return at >= 0 && at < this.rangeEnd;
  };

  constructor(private readonly interest: CompiledInterest) {
    this.needleText = [...KEYS, ...interest.markers];
    this.needleBytes = this.needleText.map((n) => Buffer.from(n, 'utf8'));
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
    const verbs = this.collect(KEY_VERB, start, end, this.verbs);
    if (verbs <= 0) return PARSE;
    const stages = this.collect(KEY_STAGE, start, end, this.stages);
    if (stages < 0) return PARSE;
    if (stages === 1 && this.stages[0] === 'RequestReceived') return SKIP_STAGE;
    for (let m = FIRST_MARKER; m < this.needleText.length; m++) {
      if (this.next(m, start) < end) return PARSE;
    }
    if (!this.collectObjectRefs(start, end)) return PARSE;
    this.resources.push(NO_RESOURCE);
    this.subresources.push('');
    for (const verb of this.verbs) {
      for (let i = 0; i < this.resources.length; i++) {
        if (this.interest.matches(verb, this.resources[i], this.subresources[i], this.has)) return PARSE;
      }
    }
    return FILTER;
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
      let i = at + KEYS[KEY_OBJECT_REF].length;
      if (i + 1 >= end || this.codeAt(i) !== COLON || this.codeAt(i + 1) !== OPEN_BRACE) return false;
      i += 2;
      let resource = NO_RESOURCE;
      let subresource = '';
      if (this.codeAt(i) === CLOSE_BRACE) i++;
      else {
        for (;;) {
          // "key":"value" then , or }
          if (i >= end || this.codeAt(i) !== QUOTE) return false;
          const keyEnd = this.stringEnd(i + 1, end);
          if (keyEnd < 0 || this.codeAt(keyEnd + 1) !== COLON || this.codeAt(keyEnd + 2) !== QUOTE) return false;
          const valueStart = keyEnd + 3;
          const valueEnd = this.stringEnd(valueStart, end);
          if (valueEnd < 0) return false;
          const keyLength = keyEnd - i - 1;
          // Only keys of the right length are compared, so most members cost no string.
          if (keyLength === 8 && this.slice(i + 1, keyEnd) === 'resource') resource = this.slice(valueStart, valueEnd);
          else if (keyLength === 11 && this.slice(i + 1, keyEnd) === 'subresource') subresource = this.slice(valueStart, valueEnd);
          i = valueEnd + 1;
          const c = this.codeAt(i++);
          if (c === CLOSE_BRACE) break;
          if (c !== COMMA) return false;
        }
      }
      this.resources.push(resource);
      this.subresources.push(subresource);
      from = i;
    }
  }

  /** Index of the quote closing a string that starts at `from`; -1 if it has escapes or does not close before `end`. */
  private stringEnd(from: number, end: number): number {
    const q = this.buf ? this.buf.indexOf(QUOTE, from) : this.str.indexOf('"', from);
    if (q < 0 || q >= end) return -1;
    for (let i = from; i < q; i++) if (this.codeAt(i) === BACKSLASH) return -1;
    return q;
  }

  private slice(from: number, to: number): string {
    return this.buf ? this.buf.toString('latin1', from, to) : this.str.slice(from, to);
  }

  /** Collects every `"key":"value"` value in [start, end) into `out`; -1 when any occurrence has another form. */
  private collect(key: number, start: number, end: number, out: string[]): number {
    out.length = 0;
    const keyLength = this.needleText[key].length;
    let from = start;
    for (;;) {
      const at = this.next(key, from);
      if (at >= end) return out.length;
      const colon = at + keyLength;
      if (colon + 1 >= end || this.codeAt(colon) !== COLON || this.codeAt(colon + 1) !== QUOTE) return -1;
      const valueStart = colon + 2;
      const valueEnd = this.stringEnd(valueStart, end);
      if (valueEnd < 0 || out.length === MAX_VALUES) return -1;
      out.push(this.slice(valueStart, valueEnd));
      from = valueEnd + 1;
    }
  }

  /** Position of the next occurrence of needle `id` at or after `from`; Infinity when none. */
  private next(id: number, from: number): number {
    const cached = this.cachePos[id];
    if (from >= this.cacheFrom[id] && from <= cached) return cached;
    const at = this.buf ? this.buf.indexOf(this.needleBytes[id], from) : this.str.indexOf(this.needleText[id], from);
    this.cacheFrom[id] = from;
    this.cachePos[id] = at < 0 ? Infinity : at;
    return this.cachePos[id];
  }

  private codeAt(i: number): number {
    return this.buf ? this.buf[i] : this.str.charCodeAt(i);
  }

  private resetCache(): void {
    this.cacheFrom.fill(0);
    this.cachePos.fill(-1);
  }
}
