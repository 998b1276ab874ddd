/**
 * `--since`/`--until`: an ISO 8601 date or time (`2026-11-20`, `2026-11-20T10:00:00Z`) or a
 * duration back from now (`90m`, `24h`, `7d`, `2w`).
 */
export function parseTimeArgument(value: string, now: Date = new Date()): Date {
  const relative = /^(\d+)(m|h|d|w)$/.exec(value.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const date = new Date(/T|\s/.test(value.trim()) && !/(Z|[+-]\d{2}:?\d{2})$/.test(value.trim()) ? `${value.trim()}Z` : value.trim());
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new Error(`"${value}" is not a time: use an ISO date or time (2026-11-20, 2026-11-20T10:00:00Z) or a duration back from now (90m, 24h, 7d, 2w)`);
}
