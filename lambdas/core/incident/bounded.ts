/**
 * Keeping an incident item bounded: every string in it came from an event (attacker-controlled),
 * so each is cut to a length and each list to a size before it is stored.
 */

/** The text, or its first `max` characters ending in `…` (never half a surrogate pair). */
export function bounded(value: unknown, max: number): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
  if (text.length <= max) return text;
  let cut = max - 1;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // a high surrogate whose pair would be cut off
  return `${text.slice(0, cut)}…`;
}

/** Adds `value` to `list` unless it is there already or the list holds `limit`; true when it was added. */
export function addBounded(list: string[], value: string | undefined, limit: number): boolean {
  if (value === undefined || value === '' || list.length >= limit || list.includes(value)) return false;
  list.push(value);
  return true;
}
