import type { CompiledInterest } from './interest';
import { NO_RESOURCE } from './interest';

/** What the pre-check decided about one raw event. */
export const PARSE = 0;
export const FILTER = 1;
export const SKIP_STAGE = 2;
export type Verdict = typeof PARSE | typeof FILTER | typeof SKIP_STAGE;

const KEY_VERB = 0;
const KEY_RESOURCE = 1;
const KEY_SUBRESOURCE = 2;
const KEY_STAGE = 3;
const FIRST_MARKER = 4;
const KEYS = ['"verb"', '"resource"', '"subresource"', '"stage"'];
/** More occurrences of one key than this in a single event: give up and parse. */
const MAX_VALUES = 4;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * Decides from the raw bytes (or, for events embedded as strings, the raw string) whether an
 * event can be skipped without JSON.parse. It must never hide an event a rule needs, so it
 * answers FILTER only when it can prove the event's verb, resource and subresource match no
 * selector whatever the document's key order:
 * - every occurrence of `"verb"`, `"resource"`, `"subresource"` anywhere in the event is a
 *   candidate (nested objects such as SubjectAccessReviews carry the same keys), and the event
 *   is skipped only if every combination of candidates is uninteresting; "absent" is always a
 *   candidate for resource and subresource;
 * - a key in any other form (`"verb": "get"` with a space, escaped values, too many
 *   occurrences) means PARSE, as does the presence of any marker (e.g. `system:anonymous`);
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
    if (this.collect(KEY_RESOURCE, start, end, this.resources) < 0) return PARSE;
    if (this.collect(KEY_SUBRESOURCE, start, end, this.subresources) < 0) return PARSE;
    this.resources.push(NO_RESOURCE);
    this.subresources.push('');
    for (const verb of this.verbs) {
      for (const resource of this.resources) {
        for (const subresource of this.subresources) {
          if (this.interest.matches(verb, resource, subresource, this.has)) return PARSE;
        }
      }
    }
    return FILTER;
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
      const valueEnd = this.buf ? this.buf.indexOf(QUOTE, valueStart) : this.str.indexOf('"', valueStart);
      if (valueEnd < 0 || valueEnd >= end || out.length === MAX_VALUES) return -1;
      for (let i = valueStart; i < valueEnd; i++) if (this.codeAt(i) === BACKSLASH) return -1;
      out.push(this.buf ? this.buf.toString('latin1', valueStart, valueEnd) : this.str.slice(valueStart, valueEnd));
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
