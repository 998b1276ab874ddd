import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, NEWLINE, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './bytes';

/**
 * Finds where the JSON object or array starting at `buf[start]` ends (the index after its closing
 * bracket), without parsing it. Returns -1 when the value does not close before `end`.
 *
 * Only used where cheap boundary guesses failed (many `}{` inside strings), so that splitting
 * concatenated documents stays linear on hostile input. Strings are skipped with native
 * searches for the closing quote; only structural bytes are looked at one by one.
 */
export function findValueEnd(buf: Buffer, start: number, end: number): number {
  let depth = 0;
  let i = start;
  while (i < end) {
    const c = buf[i];
    if (c === QUOTE) {
      i = stringEnd(buf, i + 1, end);
      if (i < 0) return -1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return -1;
    } else if (depth === 0 && c > 0x20) {
      return -1; // not an object or array
    }
    i++;
  }
  return -1;
}

/** Index after the quote that closes a string whose content starts at `from`; -1 if none before `end`. */
function stringEnd(buf: Buffer, from: number, end: number): number {
  let q = buf.indexOf(QUOTE, from);
  while (q >= 0 && q < end) {
    let backslashes = 0;
    for (let j = q - 1; j >= from && buf[j] === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    q = buf.indexOf(QUOTE, q + 1);
  }
  return -1;
}

/**
 * `findValueEnd` across chunks: follows one JSON object or array through any number of pushes,
 * for a document too long to buffer, so that the next document of a `}{`-concatenated stream
 * starts where this one really ends, not at a `}{` inside one of its strings.
 */
export class ValueEndScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** `linesPossible`: the stream may still be JSON lines, so a raw newline anywhere means "not one value". */
  constructor(private readonly linesPossible: boolean) {}

  /** Index after the value's end in `buf[from, to)`; -1 when it goes on past `to`; -2 when this is not a JSON object or array. */
  scan(buf: Buffer, from: number, to: number): number {
    for (let i = from; i < to; i++) {
      const c = buf[i];
      if (c === NEWLINE && (this.inString || this.linesPossible)) return -2; // JSON strings hold no raw newline
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.depth === 0) return i + 1;
        if (this.depth < 0) return -2;
      } else if (this.depth === 0 && c > 0x20) return -2;
    }
    return -1;
  }
}

/** Index after the quote that closes the string whose opening quote is at `buf[quote]`; -1 if none before `end`. */
export function stringEndAt(buf: Buffer, quote: number, end: number): number {
  return stringEnd(buf, quote + 1, end);
}
