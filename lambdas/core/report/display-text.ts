/**
 * The one escaping every renderer applies to a value from the logs before its own (HTML entities,
 * CSV quoting, JSON, Slack mrkdwn): characters a reader cannot see or that change how the text
 * around them reads are shown as `\u{…}`, as the terminal shows them. Everything in a finding
 * comes from audit logs, which an attacker writes, and these are how a name is made to look like
 * another (`admin\u{200b}`), a line is ended inside a cell or an email (`\n`, `\u{2028}`, `\u{85}`),
 * text is reversed (`\u{202e}`), or a terminal is driven (`\u{1b}`).
 *
 * What is shown: C0 and C1 controls and DEL (tab and newline included: a value is one line); the
 * soft hyphen; the Arabic letter mark, left-to-right and right-to-left marks, embeddings,
 * overrides and isolates; zero-width spaces and joiners, the word joiner and the invisible
 * operators and deprecated format characters (U+2060–U+206F); the line and paragraph separators;
 * the Mongolian vowel separator and the Hangul fillers (blank letters); the byte order mark; the
 * interlinear annotation characters; the tag characters (U+E0000–U+E007F, invisible ASCII); and
 * lone surrogates (not text at all: encoders turn them into U+FFFD or refuse them).
 */
/** Everything but the C0 controls, as a character-class body (the \u{…} form needs the `u` flag). */
const INVISIBLE =
  '\\u007f-\\u009f\\u00ad\\u061c\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufeff\\uffa0\\ufff9-\\ufffb\\u{e0000}-\\u{e007f}';
/** Lone surrogates: in `u` mode this class matches no half of a well-formed pair. */
const LONE_SURROGATE = '[\\ud800-\\udfff]';

export const UNSAFE_CHARACTERS = new RegExp(`[\\u0000-\\u001f${INVISIBLE}]|${LONE_SURROGATE}`, 'gu');
/** In JSON text a raw C0 character is JSON's own whitespace (JSON.stringify escapes those in strings). */
const UNSAFE_IN_JSON = new RegExp(`[${INVISIBLE}]|${LONE_SURROGATE}`, 'gu');

/** A value from the log as it can be shown on one line without changing how the rest reads. */
export function displayText(value: string): string {
  return value.replace(UNSAFE_CHARACTERS, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

/** Whether a value holds any character `displayText` would show escaped (for tests and assertions). */
export function hasUnsafeCharacters(value: string): boolean {
  return new RegExp(UNSAFE_CHARACTERS.source, 'u').test(value);
}

/**
 * JSON text with no raw unsafe character in it: JSON.stringify escapes C0 controls but writes DEL,
 * C1 controls, U+2028/U+2029, bidi and zero-width characters as they are, and a terminal or viewer
 * showing the file would act on them. Here they are written as `\uXXXX` escapes instead (outside
 * strings JSON text is ASCII, so only string contents change, and they parse back to the same
 * values): machines read the same data, people see no hidden characters.
 */
export function jsonText(value: unknown, space?: number): string {
  // Raw C0 characters in JSON text are its own whitespace (strings have theirs escaped already).
  return (JSON.stringify(value, null, space) ?? 'null').replace(UNSAFE_IN_JSON, (c) => {
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
