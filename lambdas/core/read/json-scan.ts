import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './bytes';

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
