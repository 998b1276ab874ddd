import type { CompiledInterest, NodeAgents } from './interest';
import { NO_RESOURCE, NOT_BY_NODE_AGENT } from './interest';
import { PairScanner, MAX_SCANNED_NEEDLES } from './pair-scan';
import { BACKSLASH, bytesAt, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, NEWLINE, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './bytes';

/** What the pre-check decided about one raw event. */
export const PARSE = 0;
export const FILTER = 1;
export const SKIP_STAGE = 2;
export type Verdict = typeof PARSE | typeof FILTER | typeof SKIP_STAGE;

/** Needles every pre-check searches for, by id; markers and `contains` substrings follow them. */
const KEY_VERB = 0;
const KEY_OBJECT_REF = 1;
const KEY_STAGE = 2;
const KEY_AUDIT_ID = 3;
const ESCAPE_U = 4;
const ESCAPED_SLASH = 5;
const EMBEDDED_KIND = 6;
const EMBEDDED_MESSAGE_TYPE = 7;
const KEY_USER = 8;
const KEY_USER_AGENT = 9;
const FIRST_MARKER = 10;
const FIXED_NEEDLES = ['"verb"', '"objectRef"', '"stage"', '"auditID"', '\\u', '\\/', '\\"kind\\"', '\\"messageType\\"', '"user"', '"userAgent"'];
/**
 * The needles every event is searched for (the markers join them): found for a whole buffer in
 * one pass (pair-scan.ts). The others are searched on demand, for the few events that need them.
 */
const SCANNED_NEEDLES = [KEY_VERB, KEY_OBJECT_REF, ESCAPE_U, EMBEDDED_KIND, EMBEDDED_MESSAGE_TYPE];
/** More occurrences of one key than this in a single event: give up and parse. */
const MAX_VALUES = 4;
const STAGE_REQUEST_RECEIVED = 'RequestReceived';
const RESOURCE = Buffer.from('resource');
const SUBRESOURCE = Buffer.from('subresource');
const UPPER_E = 0x45;
/**
 * What a `\uXXXX` escape must not spell anywhere in an event for the byte scan to stand: the keys
 * the proof reads (and the keys an event embedded as a string is recognised by), the quote and
 * backslash an embedded event would be written with; markers are added per interest.
 */
const PROOF_SPELLING = 'verb objectRef resource subresource stage auditID kind messageType user userAgent "\\';
/** JSON's whitespace, which may stand between tokens wherever a structural needle allows it. */
const JSON_SPACE = '[ \\t\\n\\r]*';

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
 * A window may start this close to the needle's end (and be that much shorter): `User` of
 * `impersonatedUser` starts at a rare byte, where each of its 5-byte windows starts at a common
 * lower-case letter (measured on the eks-busy mix: 5.1 against 13.6 ms per 64 MiB).
 */
const MIN_WINDOW = 4;

/** How a `contains` substring is looked for once its literal spelling is missing from an event. */
interface Variant {
  /** Matched as markers are, in exact case (see EventInterest.contains). */
  marker: boolean;
  /** Character codes (both cases) that a `\uXXXX` escape would spell part of it with. */
  codes: readonly number[];
  /** It holds a slash, which `\/` spells too. */
  slash: boolean;
  /** The whole substring, ASCII letters in either case, with JSON whitespace allowed between its tokens. */
  pattern: RegExp;
}

/**
 * Decides from the raw bytes (for events embedded as strings, their UTF-8 bytes) whether an
 * event can be skipped without JSON.parse. It must never hide an event a rule needs: it answers
 * FILTER (or SKIP_STAGE) only when it has proved that whatever JSON.parse reads from the
 * document, no selector or marker matches it. The proof:
 * - Escapes. JSON.parse reads `"\u0076erb"` as `"verb"` and `\/` as `/`. Every `\uXXXX` in the
 *   event is decoded: one that spells a character of a key the proof reads (verb, objectRef,
 *   resource, subresource, stage, auditID), of a key an embedded event is known by (kind,
 *   messageType), of a marker, or a quote or backslash, means PARSE. So, past that step, those
 *   keys and markers are written as themselves wherever JSON.parse will find them. Other escapes
 *   (Go's `\u0026` for `&`) are remembered for the `contains` step.
 * - Verbs and objectRefs. Every `"verb":"…"` anywhere in the document is a candidate verb
 *   (bodies such as SubjectAccessReviews nest the same key, wrappers nest the event), and every
 *   `"objectRef":{…}` is read exactly (an ObjectReference holds only strings, so a tiny parser
 *   reads it, comparing whole keys: a look-alike key cannot stand in for `resource`) for a
 *   candidate resource and subresource; "no objectRef" is always a candidate too. Whatever
 *   occurrence JSON.parse keeps (the last of duplicate keys), it is a candidate. A key in any
 *   other form (`"verb": "get"` with a space, an escape in a value, an objectRef that is not a
 *   flat object of strings, too many occurrences) means PARSE, as does no verb at all. Verbs and
 *   resources are compared in exact case, as the engine compares them.
 * - Markers are searched in their exact spelling (escapes were ruled out above): found, PARSE.
 * - `contains` substrings, asked only for a selector whose verb and resource matched: the literal
 *   spelling found, the selector matches. Missing, the substring may still be there in another
 *   spelling: an escape remembered above that spells one of its characters (or `\/` for its
 *   slash) counts as found; else the substring is looked for in the event's bytes (as a latin1
 *   string, made once) without case, its tokens allowed JSON whitespace between them. A miss there
 *   proves the event's text, as JSON.parse reads it, does not hold the substring in any case (no
 *   byte of a multi-byte character is an ASCII letter, and a case-insensitive regular expression
 *   without the `u` flag matches an ASCII letter only with an ASCII letter).
 * - Embedded events. A log shipper's `log`/`message` string or a CloudWatch record's `message`
 *   holds an event the reader parses from the string, whose keys the scan cannot see. Before any
 *   FILTER or SKIP_STAGE, a `\"kind\":\"E…` (Event, EventList) or `\"messageType\"` escaped inside
 *   the document (or anything like `\"kind\"` followed by other than `:\"` and a plain letter)
 *   means PARSE; the reader then pre-checks the inner string on its own.
 * - Node agents. A selector's `exceptNodeAgents` term is met unless the event is proved a node's
 *   request by its own agent (see EventSelector.exceptNodeAgents): it holds one `"verb"`, the one
 *   `"user"` key of the event follows that verb's value in the same object (`"verb":"get","user":{`,
 *   as the API server writes it: so it is the event's own user, not a body's or a wrapper's), that
 *   user is read exactly (strings, arrays of strings, one level of objects of them; the last of
 *   duplicate keys, as JSON.parse keeps) and is a node, and every `"userAgent"` anywhere is a
 *   plain ASCII string starting with a node agent's prefix and with no interactive one. Escapes
 *   spelling a letter of `user` or `userAgent` were ruled out above.
 * - Stage. An event that would be parsed is skipped after all when the document holds exactly one
 *   event (one `"auditID"`, which every event needs) whose one and only `"stage"` is
 *   RequestReceived and follows its auditID (`"auditID":"…","stage":`, as the API server writes
 *   them): then the stage is that event's own, not a wrapper's or a body's.
 *
 * Searches. The needles every event is searched for (verb, objectRef, the escapes, the embedded
 * event's keys, the markers) are found for a whole buffer in one pass by a SIMD scan
 * (pair-scan.ts), which lists every occurrence in order; the proof reads those lists exactly as it
 * would read the results of searching each needle, so it stands whichever way they were found.
 * The other needles, and all of them where the scan cannot run (no WebAssembly SIMD, a buffer too
 * large or dense for it), are searched natively, and for a Buffer holding many lines the next
 * occurrence of each is remembered, so a needle absent from a line costs one search of the buffer
 * in all, not one per line.
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
  /** Finds the needles every event is searched for, a buffer at a time; undefined without WebAssembly SIMD. */
  private readonly scanner?: PairScanner;
  /** Per needle, its index in the scanner's needles, or -1. */
  private readonly scannedAs: Int8Array;
  /** Whether the scanner found every scanned needle in the current buffer (else they are searched as the others). */
  private scanned = false;
  /** Character codes a `\uXXXX` escape may not spell: PROOF_SPELLING and the markers, in both cases. */
  private readonly forbidden = new Uint8Array(128);
  private readonly variants: Variant[];
  /** `escaped[c] === epoch`: the event being decided holds a `\uXXXX` escape of character `c`. */
  private readonly escaped = new Uint32Array(128);
  private epoch = 0;
  private buf: Buffer = Buffer.alloc(0);
  /**
   * The candidate verbs, resources and subresources of the event being decided, in arrays of a
   * fixed size with a count: emptying an array (`length = 0`) lets V8 drop its storage, and
   * refilling it allocated three new ones per event (180 MB per 400,000 events).
   */
  private readonly verbs: string[] = new Array<string>(MAX_VALUES).fill('');
  private verbCount = 0;
  private readonly resources: string[] = new Array<string>(MAX_VALUES + 1).fill('');
  private readonly subresources: string[] = new Array<string>(MAX_VALUES + 1).fill('');
  private refCount = 0;
  /** Where the one `"verb"`'s value ends (its closing quote), when the event has exactly one. */
  private verbEnd = -1;
  /** Whether the event being decided is proved a node agent's request: unknown until asked. */
  private byNodeAgent: boolean | undefined;
  /** What `readGroups` found in the array it read last. */
  private groupNodes = false;
  private groupUnauthenticated = false;
  private readonly nodeAgents?: NodeAgents;
  /** The longest node-agent or interactive prefix: how much of a user agent the proof reads. */
  private readonly longestAgentPrefix: number = 0;
  private rangeStart = 0;
  private rangeEnd = 0;
  /** The event being decided as a latin1 string, made when a substring's literal spelling is missing. */
  private text: string | null = null;
  private readonly interned = new InternedStrings();
  /**
   * Whether the event being decided contains `interest.substrings[i]`. Searched within the event
   * only: a selector's substring is often absent from the whole log (`"audit"` in a ConfigMap), and
   * looking for its next occurrence past the event would scan the rest of the chunk every time.
   */
  private readonly has = (i: number): boolean => {
    if (i === NOT_BY_NODE_AGENT) return !(this.byNodeAgent ??= this.provedByNodeAgent(this.rangeStart, this.rangeEnd));
    const variant = this.variants[i];
    if (variant.marker) return false; // looked for as a marker already, and absent
    if (this.text === null && this.within(this.firstSubstring + i, this.rangeStart, this.rangeEnd)) return true;
    return this.spelledOtherwise(variant);
  };

  /** `pairScan: false` searches every needle on its own, as where WebAssembly SIMD is unavailable (for tests). */
  constructor(
    private readonly interest: CompiledInterest,
    { pairScan = true }: { pairScan?: boolean } = {},
  ) {
    for (const marker of interest.markers) checkNeedle(marker, true);
    for (const substring of interest.substrings) checkNeedle(substring, false);
    this.needleText = [...FIXED_NEEDLES, ...interest.markers];
    this.firstSubstring = this.needleText.length;
    this.needleText.push(...interest.substrings);
    this.needleBytes = this.needleText.map((n) => Buffer.from(n, 'utf8'));
    this.windowOffset = this.needleBytes.map(rarestOffset);
    this.windowBytes = this.needleBytes.map((n, i) => n.subarray(this.windowOffset[i], this.windowOffset[i] + WINDOW));
    this.cacheFrom = new Float64Array(this.needleText.length);
    this.cachePos = new Float64Array(this.needleText.length);
    const scannedIds = [...SCANNED_NEEDLES, ...interest.markers.map((_, m) => FIRST_MARKER + m)].slice(0, MAX_SCANNED_NEEDLES);
    this.scannedAs = new Int8Array(this.needleText.length).fill(-1);
    scannedIds.forEach((id, k) => (this.scannedAs[id] = k));
    this.scanner = !pairScan
      ? undefined
      : PairScanner.create(
          scannedIds.map((id) => this.needleBytes[id]),
          scannedIds.map((id) => this.windowOffset[id]),
        );
    for (const code of caseCodes(PROOF_SPELLING + interest.markers.join(''))) this.forbidden[code] = 1;
    this.variants = interest.substrings.map((s) => variantOf(s, interest.markers.includes(s)));
    this.nodeAgents = interest.nodeAgents;
    if (this.nodeAgents) this.longestAgentPrefix = Math.max(0, ...[...this.nodeAgents.userAgents, ...this.nodeAgents.interactive].map((p) => p.length));
  }

  /** Decides for the event in `buf[start, end)`. Calls for one buffer should go in increasing `start`. */
  decideBytes(buf: Buffer, start: number, end: number): Verdict {
    if (buf !== this.buf) {
      this.buf = buf;
      this.resetCache();
      this.scanned = this.scanner?.scan(buf) ?? false;
    }
    return this.decide(start, end);
  }

  /**
   * Decides for an event held as a whole string (CloudWatch `message`, shipper `log`): on its UTF-8
   * bytes, which are its JSON text as a line's bytes are, so the same proof holds; the byte scan is
   * the fast one (native searches, no slice per needle).
   */
  decideText(text: string): Verdict {
    const bytes = Buffer.from(text, 'utf8');
    return this.decideBytes(bytes, 0, bytes.length);
  }

  /**
   * Decides for several events held as strings (a CloudWatch record's messages), in order, each
   * as `decideText` would alone. Their UTF-8 bytes go into one buffer, a newline after each: no
   * needle holds one, so no match runs from one message into the next, and the few reads one
   * byte past a message's end (is a `,` or `}` next?) meet the newline where alone they would
   * meet nothing, which no proof accepts either. A needle absent from the whole record then costs
   * one search for all its messages instead of one per message, and the record one allocation.
   */
  decideTexts(texts: readonly string[]): Verdict[] {
    let size = 0;
    for (const text of texts) size += Buffer.byteLength(text, 'utf8') + 1;
    const bytes = Buffer.allocUnsafe(size);
    const ends: number[] = [];
    let at = 0;
    for (const text of texts) {
      at += bytes.write(text, at, 'utf8');
      ends.push(at);
      bytes[at++] = NEWLINE;
    }
    let start = 0;
    return ends.map((end) => {
      const verdict = this.decideBytes(bytes, start, end);
      start = end + 1;
      return verdict;
    });
  }

  private decide(start: number, end: number): Verdict {
    this.rangeStart = start;
    this.rangeEnd = end;
    this.text = null;
    this.byNodeAgent = undefined;
    if (this.collectVerbs(start, end) <= 0 || !this.readEscapes(start, end)) return PARSE;
    for (let m = FIRST_MARKER; m < this.firstSubstring; m++) {
      if (this.next(m, start) < end) return this.stageVerdict(start, end);
    }
    if (!this.collectObjectRefs(start, end)) return PARSE;
    this.addObjectRef(NO_RESOURCE, '');
    for (let v = 0; v < this.verbCount; v++) {
      for (let i = 0; i < this.refCount; i++) {
        if (this.interest.matches(this.verbs[v], this.resources[i], this.subresources[i], this.has)) return this.stageVerdict(start, end);
      }
    }
    return this.embedsEvent(start, end) ? PARSE : FILTER;
  }

  /**
   * SKIP_STAGE when the document holds one event, whose one and only `"stage"` is RequestReceived,
   * else PARSE. One `"auditID"` means at most one event (the reader drops an event without one), and
   * a stage right after it is a member of the same object: that event's own stage.
   */
  private stageVerdict(start: number, end: number): Verdict {
    const at = this.next(KEY_STAGE, start);
    if (at >= end) return PARSE;
    const valueStart = this.stringValueStart(KEY_STAGE, at, end);
    if (valueStart < 0) return PARSE;
    const valueEnd = this.stringEnd(valueStart, end);
    if (valueEnd - valueStart !== STAGE_REQUEST_RECEIVED.length || this.slice(valueStart, valueEnd) !== STAGE_REQUEST_RECEIVED) return PARSE;
    if (this.next(KEY_STAGE, valueEnd) < end) return PARSE;
    const id = this.next(KEY_AUDIT_ID, start);
    if (id >= end || this.next(KEY_AUDIT_ID, id + 1) < end) return PARSE;
    const idStart = this.stringValueStart(KEY_AUDIT_ID, id, end);
    if (idStart < 0) return PARSE;
    const idEnd = this.stringEnd(idStart, end);
    if (idEnd < 0 || this.codeAt(idEnd + 1) !== COMMA || idEnd + 2 !== at) return PARSE;
    return this.embedsEvent(start, end) ? PARSE : SKIP_STAGE;
  }

  /** Collects every `"verb":"value"` in [start, end); -1 when any occurrence has another form. */
  private collectVerbs(start: number, end: number): number {
    this.verbCount = 0;
    let from = start;
    for (;;) {
      const at = this.next(KEY_VERB, from);
      if (at >= end) return this.verbCount;
      const valueStart = this.stringValueStart(KEY_VERB, at, end);
      if (valueStart < 0) return -1;
      const valueEnd = this.stringEnd(valueStart, end);
      if (valueEnd < 0 || this.verbCount === MAX_VALUES) return -1;
      this.verbs[this.verbCount++] = this.slice(valueStart, valueEnd);
      this.verbEnd = valueEnd;
      from = valueEnd + 1;
    }
  }

  /**
   * Decodes every `\uXXXX` in [start, end): false when one spells a forbidden character (or is
   * not an escape JSON.parse accepts); the others are remembered for the `contains` step.
   */
  private readEscapes(start: number, end: number): boolean {
    const epoch = ++this.epoch;
    for (let at = this.next(ESCAPE_U, start); at < end; at = this.next(ESCAPE_U, at + 2)) {
      const code = at + 6 <= end ? this.hexAt(at + 2) : -1;
      if (code < 0 || (code < 128 && this.forbidden[code] === 1)) return false;
      if (code < 128) this.escaped[code] = epoch;
    }
    return true;
  }

  /** The value of the four hex digits at `i`, or -1. */
  private hexAt(i: number): number {
    let value = 0;
    for (let k = i; k < i + 4; k++) {
      const digit = hexDigit(this.codeAt(k));
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
    return value;
  }

  /**
   * Whether the document may hold an event as a string (`{"log":"{\"kind\":\"Event\",…}"}`), which
   * the reader would parse out of it. A `\"kind\"` counts unless it reads `\"kind\":\"` and a plain
   * character other than `E` (a body's last-applied configuration: `\"kind\":\"Deployment\"`).
   */
  private embedsEvent(start: number, end: number): boolean {
    if (this.next(EMBEDDED_MESSAGE_TYPE, start) < end) return true;
    for (let at = this.next(EMBEDDED_KIND, start); at < end; at = this.next(EMBEDDED_KIND, at + 1)) {
      const v = at + FIXED_NEEDLES[EMBEDDED_KIND].length;
      if (v + 3 >= end || this.codeAt(v) !== COLON || this.codeAt(v + 1) !== BACKSLASH || this.codeAt(v + 2) !== QUOTE) return true;
      const first = this.codeAt(v + 3);
      if (first === UPPER_E || first === BACKSLASH) return true;
    }
    return false;
  }

  /**
   * Whether a substring missing in its literal spelling may be in the event in another one: an
   * escape of one of its characters, another case, or whitespace between its tokens.
   */
  private spelledOtherwise(variant: Variant): boolean {
    for (const code of variant.codes) if (this.escaped[code] === this.epoch) return true;
    if (variant.slash && this.within(ESCAPED_SLASH, this.rangeStart, this.rangeEnd)) return true;
    // One regular expression without case over the bytes: a third of the time of folding the event to lower case and searching the pieces there.
    return variant.pattern.test((this.text ??= this.buf.toString('latin1', this.rangeStart, this.rangeEnd)));
  }

  /** The node-agent proof of the class comment, for the event in [start, end) whose verbs were collected. */
  private provedByNodeAgent(start: number, end: number): boolean {
    const agents = this.nodeAgents;
    if (agents === undefined || this.verbCount !== 1) return false;
    const member = this.verbEnd + 1;
    if (member + USER_MEMBER.length >= end || !bytesAt(this.buf, member, USER_MEMBER)) return false;
    const key = member + 1;
    if (this.next(KEY_USER, start) !== key || this.next(KEY_USER, key + 1) < end) return false;
    if (!this.readNodeUser(member + USER_MEMBER.length, end)) return false;
    for (let at = this.next(KEY_USER_AGENT, start); at < end; at = this.next(KEY_USER_AGENT, at + 1)) {
      const valueStart = this.stringValueStart(KEY_USER_AGENT, at, end);
      if (valueStart < 0) return false;
      const valueEnd = this.stringEnd(valueStart, end);
      if (valueEnd < 0) return false;
      if (!isAscii(this.buf, valueStart, valueEnd)) return false;
      // Only the head the prefixes can reach becomes a string: the client makes its agent as long as it likes.
      const agent = this.buf.toString('latin1', valueStart, Math.min(valueEnd, valueStart + this.longestAgentPrefix));
      if (!agents.userAgents.some((p) => agent.startsWith(p)) || agents.interactive.some((p) => agent.startsWith(p))) return false;
    }
    return true;
  }

  /**
   * Whether the user object at `i` (`{…}`, up to `end`) is one `classifyActor` calls a node: its
   * username starts with `system:node:`, its groups hold `system:nodes` and not
   * `system:unauthenticated`. Read exactly, without whitespace or escapes; anything else is no proof.
   */
  private readNodeUser(i: number, end: number): boolean {
    const buf = this.buf;
    let node = false;
    let nodes = false;
    let unauthenticated = false;
    if (buf[i] !== OPEN_BRACE) return false;
    i++;
    for (;;) {
      const keyEnd = skipString(buf, i, end);
      if (keyEnd < 0 || keyEnd + 1 >= end || buf[keyEnd] !== COLON) return false;
      const keyStart = i + 1;
      const keyLength = keyEnd - 1 - keyStart;
      const valueStart = keyEnd + 1;
      if (keyLength === USERNAME.length && bytesAt(buf, keyStart, USERNAME)) {
        i = skipString(buf, valueStart, end);
        node = i - valueStart - 2 >= NODE_PREFIX.length && bytesAt(buf, valueStart + 1, NODE_PREFIX);
      } else if (keyLength === GROUPS.length && bytesAt(buf, keyStart, GROUPS)) {
        i = this.readGroups(valueStart, end);
        nodes = this.groupNodes;
        unauthenticated = this.groupUnauthenticated;
      } else {
        i = skipPlainValue(buf, valueStart, end);
      }
      if (i < 0 || i >= end) return false;
      const c = buf[i++];
      if (c === CLOSE_BRACE) return node && nodes && !unauthenticated;
      if (c !== COMMA) return false;
    }
  }

  /** Reads a user's `groups` array at `i` (strings only) into groupNodes and groupUnauthenticated; the index after it, or -1. */
  private readGroups(i: number, end: number): number {
    const buf = this.buf;
    this.groupNodes = false;
    this.groupUnauthenticated = false;
    if (buf[i] !== OPEN_BRACKET) return -1;
    i++;
    if (buf[i] === CLOSE_BRACKET) return i + 1;
    for (;;) {
      const after = skipString(buf, i, end);
      if (after < 0 || after >= end) return -1;
      const length = after - i - 2;
      if (length === NODES_GROUP.length && bytesAt(buf, i + 1, NODES_GROUP)) this.groupNodes = true;
      else if (length === UNAUTHENTICATED_GROUP.length && bytesAt(buf, i + 1, UNAUTHENTICATED_GROUP)) this.groupUnauthenticated = true;
      const c = buf[after];
      i = after + 1;
      if (c === CLOSE_BRACKET) return i;
      if (c !== COMMA) return -1;
    }
  }

  /**
   * Reads every `"objectRef":{…}` in [start, end) into the parallel lists `resources` and
   * `subresources`. False when one is in a form this reader does not follow exactly.
   */
  private collectObjectRefs(start: number, end: number): boolean {
    this.refCount = 0;
    let from = start;
    for (;;) {
      const at = this.next(KEY_OBJECT_REF, from);
      if (at >= end) return true;
      if (this.refCount === MAX_VALUES) return false;
      const after = at + FIXED_NEEDLES[KEY_OBJECT_REF].length;
      from = this.readObjectRefBytes(this.buf, after, end);
      if (from < 0) return false;
    }
  }

  /**
   * Reads `:{"key":"value",…}` at `i` (flat, strings only, no escapes), pushing its resource and
   * subresource (the last of duplicates, as JSON.parse keeps); returns the index after the `}`, or -1.
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
        if (keyLength === RESOURCE.length && bytesAt(buf, keyStart, RESOURCE)) resource = this.interned.get(buf, valueStart, i);
        else if (keyLength === SUBRESOURCE.length && bytesAt(buf, keyStart, SUBRESOURCE)) subresource = this.interned.get(buf, valueStart, i);
        const c = buf[++i];
        i++;
        if (c === CLOSE_BRACE) break;
        if (c !== COMMA) return -1;
      }
    }
    this.addObjectRef(resource, subresource);
    return i;
  }

  private addObjectRef(resource: string, subresource: string): void {
    this.resources[this.refCount] = resource;
    this.subresources[this.refCount] = subresource;
    this.refCount++;
  }

  /** Where the string value of the key needle `id` found at `at` starts (`"key":"`, as the API server writes it), or -1. */
  private stringValueStart(id: number, at: number, end: number): number {
    const valueStart = at + FIXED_NEEDLES[id].length + 2;
    return valueStart < end && this.codeAt(valueStart - 2) === COLON && this.codeAt(valueStart - 1) === QUOTE ? valueStart : -1;
  }

  /** Index of the quote closing a string whose content starts at `from`; -1 if it has an escape or does not close before `end`. */
  private stringEnd(from: number, end: number): number {
    return closingQuote(this.buf, from, end);
  }

  private slice(from: number, to: number): string {
    return this.interned.get(this.buf, from, to);
  }

  private codeAt(i: number): number {
    return this.buf[i];
  }

  /** Position of the next occurrence of needle `id` at or after `from`; Infinity when none. */
  private next(id: number, from: number): number {
    if (this.scanned && this.scannedAs[id] >= 0) return this.scanner!.next(this.scannedAs[id], from); // `scanned` only with a scanner
    const cached = this.cachePos[id];
    if (from >= this.cacheFrom[id] && from <= cached) return cached;
    const at = this.findBytes(this.buf, id, from);
    this.cacheFrom[id] = from;
    this.cachePos[id] = at < 0 ? Infinity : at;
    return this.cachePos[id];
  }

  /**
   * Whether needle `id` occurs in [start, end): the cached next occurrence when it is known, else a
   * search bounded by `end`. Asked only for needles the pair scanner does not look for.
   */
  private within(id: number, start: number, end: number): boolean {
    if (start >= this.cacheFrom[id] && start <= this.cachePos[id]) return this.cachePos[id] < end;
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
 * Markers and `contains` substrings are printable ASCII without backslashes (markers without
 * quotes too: they are looked for inside strings): what the byte scan compares is then what
 * JSON.parse reads, once escapes, case and whitespace are accounted for.
 */
function checkNeedle(needle: string, marker: boolean): void {
  if (needle === '' || !/^[\x20-\x7e]*$/.test(needle) || needle.includes('\\') || (marker && needle.includes('"'))) {
    throw new Error(
      `interest ${marker ? 'marker' : 'substring'} ${JSON.stringify(needle)}: use printable ASCII without backslashes${marker ? ' or quotes' : ''}`,
    );
  }
}

/** The character codes of `text`, each in both cases. */
function caseCodes(text: string): number[] {
  return [...new Set([...text.toLowerCase(), ...text.toUpperCase()].map((c) => c.charCodeAt(0)))];
}

/**
 * How substring `s` is looked for beyond its literal spelling. Outside strings (it starts with a
 * quote, or past a closing one) JSON allows whitespace after each token; inside, none.
 */
function variantOf(s: string, marker: boolean): Variant {
  let pattern = '';
  let inString = !s.startsWith('"');
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    pattern += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    if (c === '"') inString = !inString;
    if (!inString && k < s.length - 1) pattern += JSON_SPACE;
  }
  return { marker, codes: caseCodes(s.replace(/"/g, '')), slash: s.includes('/'), pattern: new RegExp(pattern, 'i') };
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
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
    const slot = (length * 31 + buf[from] * 7 + buf[to - 1] * 131 + buf[from + (length >> 1)]) & 1023;
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

const USER_MEMBER = Buffer.from(',"user":');
const USERNAME = Buffer.from('username');
const GROUPS = Buffer.from('groups');
const NODE_PREFIX = Buffer.from('system:node:');
const NODES_GROUP = Buffer.from('system:nodes');
const UNAUTHENTICATED_GROUP = Buffer.from('system:unauthenticated');

/** The index after the string at `i` (its opening quote), or -1: not a string, an escape in it, or not closed before `end`. */
function skipString(buf: Buffer, i: number, end: number): number {
  if (i >= end || buf[i] !== QUOTE) return -1;
  const close = closingQuote(buf, i + 1, end);
  return close < 0 ? -1 : close + 1;
}

/** Index of the quote closing a string whose content starts at `from`; -1 if it has an escape or does not close before `end`. */
function closingQuote(buf: Buffer, from: number, end: number): number {
  // One pass in JS: these strings are short, so a native call per string costs more than the loop.
  for (let i = from; i < end; i++) {
    const c = buf[i];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

/** The index after the array of strings at `i`, or -1. */
function skipStrings(buf: Buffer, i: number, end: number): number {
  if (i >= end || buf[i] !== OPEN_BRACKET) return -1;
  i++;
  if (buf[i] === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = skipString(buf, i, end);
    if (i < 0 || i >= end) return -1;
    const c = buf[i++];
    if (c === CLOSE_BRACKET) return i;
    if (c !== COMMA) return -1;
  }
}

/**
 * The index after a user's other member's value at `i`: a string, an array of strings, or an
 * object of arrays of strings (`extra`: `{"arn":["…"]}`); -1 for anything else.
 */
function skipPlainValue(buf: Buffer, i: number, end: number): number {
  if (buf[i] === QUOTE) return skipString(buf, i, end);
  if (buf[i] === OPEN_BRACKET) return skipStrings(buf, i, end);
  if (i >= end || buf[i] !== OPEN_BRACE) return -1;
  i++;
  if (buf[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    i = skipString(buf, i, end);
    if (i < 0 || i + 1 >= end || buf[i] !== COLON) return -1;
    i = skipStrings(buf, i + 1, end);
    if (i < 0 || i >= end) return -1;
    const c = buf[i++];
    if (c === CLOSE_BRACE) return i;
    if (c !== COMMA) return -1;
  }
}

/** Whether buf[from, to) is ASCII only: then its latin1 string is the string JSON.parse reads. */
function isAscii(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] >= 0x80) return false;
  return true;
}

/**
 * Strings in nearly every audit event. A window found in one of them would stop the search on
 * every line for nothing (`henti` of `system:unauthenticated` hits `system:authenticated` four
 * times a line), so windows are chosen outside them.
 */
const EVERYWHERE = [
  'system:authenticated',
  'system:serviceaccount:',
  'system:serviceaccounts',
  'system:node:',
  'system:nodes',
  'system:masters',
  'authorization.k8s.io/decision',
  'authorization.k8s.io/reason',
  'authentication.k8s.io',
  'coordination.k8s.io',
  'ResponseComplete',
  'ResponseStarted',
  'RequestReceived',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'creationTimestamp',
  'resourceVersion',
  'apiVersion',
  'audit.k8s.io/v1',
  'userAgent',
  'sourceIPs',
  'managedFields',
  'kube-system',
  'namespace',
].join('\n');

/**
 * Where the window to search for starts: at the rarest first byte among windows that do not
 * occur in EVERYWHERE (the last ones cut short by the needle's end); on a tie the later one (a
 * needle's distinctive part tends to be its end).
 */
function rarestOffset(needle: Buffer): number {
  let best = 0;
  let bestRank = -1;
  for (let i = 0; i <= Math.max(0, needle.length - MIN_WINDOW); i++) {
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
