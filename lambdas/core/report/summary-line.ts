import { SEVERITIES_DESC } from '../finding';
import type { ScanSummary } from './aggregate';

/**
 * The run in one line, for the end of the terminal table, the top of Markdown and email:
 * `3 objects (1.2 MiB), 12,345 events (11,900 skipped), 2 malformed lines, 1 incomplete object ·
 * 6 findings: 1 critical, 2 high, 0 medium, 3 low, 0 info`.
 *
 * Malformed lines are always shown (a zero is reassuring); skipped events and incomplete objects
 * only when there are some, since a zero there says nothing. No colour: callers add their own.
 */
export function summaryLine(summary: ScanSummary): string {
  const events = `${counted(summary.events, 'event')}${summary.skipped > 0 ? ` (${formatNumber(summary.skipped)} skipped)` : ''}`;
  const read = [
    `${counted(summary.objects, 'object')} (${formatBytes(summary.bytes)})`,
    events,
    counted(summary.malformed, 'malformed line'),
    ...(summary.incomplete > 0 ? [counted(summary.incomplete, 'incomplete object')] : []),
  ].join(', ');
  const found = SEVERITIES_DESC.map((s) => `${formatNumber(summary.bySeverity[s])} ${s}`).join(', ');
  return `${read} · ${counted(summary.findings, 'finding')}: ${found}`;
}

/** `12,345`: thousands separated the same way whatever the machine's locale. */
export function formatNumber(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function counted(n: number, noun: string): string {
  return `${formatNumber(n)} ${n === 1 ? noun : `${noun}s`}`;
}

/** `1.2 MiB`: binary units, one decimal below 10. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
