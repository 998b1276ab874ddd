import type { Period, ReportCadence } from './types';

/**
 * Report periods, all in UTC: a period is [from, to), its bounds ISO 8601 with `Z`, its label
 * says UTC. Dates given with an offset (`2026-12-31T23:30:00-05:00`) are instants like any other:
 * that one is 2027-01-01T04:30Z and falls on 2027-01-01.
 */

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/**
 * The last complete period before `at`: for `daily` the previous UTC day; for `weekly` the last
 * complete ISO week, Monday 00:00 UTC to the next Monday 00:00 UTC. At exactly midnight (or
 * Monday midnight) the period that has just ended is the one returned.
 */
export function reportPeriod(cadence: ReportCadence, at: Date): Period {
  const today = startOfUtcDay(instant(at, 'the report time'));
  switch (cadence) {
    case 'daily':
      return periodFromMs(today - DAY_MS, today);
    case 'weekly': {
      const sinceMonday = (new Date(today).getUTCDay() + 6) % 7;
      const monday = today - sinceMonday * DAY_MS;
      return periodFromMs(monday - WEEK_MS, monday);
    }
    default:
      throw new Error(`unknown report cadence "${String(cadence)}": use daily or weekly`);
  }
}

/** The period of the same length that ends where `p` begins (the week before a week, the day before a day). */
export function previousPeriod(p: Period): Period {
  const from = Date.parse(p.from);
  const to = Date.parse(p.to);
  if (Number.isNaN(from) || Number.isNaN(to) || from >= to) throw new Error(`not a period: ${p.from} – ${p.to}`);
  return periodFromMs(from - (to - from), from);
}

/** An arbitrary period [from, to), e.g. from `--since`/`--until`. */
export function periodOf(from: Date, to: Date): Period {
  const start = instant(from, 'the start of the period');
  const end = instant(to, 'the end of the period');
  if (start >= end) throw new Error(`the period must end after it starts: ${new Date(start).toISOString()} is not before ${new Date(end).toISOString()}`);
  return periodFromMs(start, end);
}

/**
 * Epoch milliseconds of an ISO 8601 time as findings carry it (`2026-11-20T10:00:00.123456Z`);
 * a time without a zone is taken as UTC, never as the machine's local time. NaN when unreadable.
 */
export function parseUtc(time: string): number {
  const text = time.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) return Date.parse(`${text.replace(' ', 'T')}Z`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
}

/** Whether an ISO time falls in [period.from, period.to). Unreadable times are in no period. */
export function inPeriod(period: Period, time: string): boolean {
  const t = parseUtc(time);
  return !Number.isNaN(t) && t >= Date.parse(period.from) && t < Date.parse(period.to);
}

/**
 * `2026-11-23 – 2026-11-29 (UTC)` for whole days (the end shown as the last day, inclusive),
 * `2026-11-29 (UTC)` for one day, else both instants: `2026-11-23 10:00 – 2026-11-23 18:30 (UTC)`.
 */
export function periodLabel(fromMs: number, toMs: number): string {
  if (fromMs % DAY_MS === 0 && toMs % DAY_MS === 0) {
    const first = day(fromMs);
    const last = day(toMs - DAY_MS);
    return first === last ? `${first} (UTC)` : `${first} – ${last} (UTC)`;
  }
  return `${dateTime(fromMs)} – ${dateTime(toMs)} (UTC)`;
}

function periodFromMs(fromMs: number, toMs: number): Period {
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), label: periodLabel(fromMs, toMs) };
}

function instant(date: Date, what: string): number {
  const t = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(t)) throw new Error(`${what} is not a valid date`);
  return t;
}

const startOfUtcDay = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS;

const day = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** `2026-11-23 10:00`, with seconds and milliseconds only when they are not zero. */
function dateTime(t: number): string {
  const iso = new Date(t).toISOString(); // 2026-11-23T10:00:00.000Z
  const time = t % 1000 !== 0 ? iso.slice(11, 23) : t % 60_000 !== 0 ? iso.slice(11, 19) : iso.slice(11, 16);
  return `${iso.slice(0, 10)} ${time}`;
}
