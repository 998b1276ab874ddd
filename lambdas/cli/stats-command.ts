import { displayText } from '../core/report/display-text';
import { interestOf } from '../core/rules';
import type { ReadStats } from '../core/read';
import { emptyStats, mergeStats, readAuditLog } from '../core/read';
import type { SourceObject } from '../adapters/object-source';
import { isS3Uri } from '../adapters/object-source';
import type { CliContext } from './cli-context';
import { listInputs } from './inputs';
import { EXIT, UsageError } from './io';
import { shownDetail } from './problem-detail';
import { nothingReadMessage } from './read-nothing';

const RULES_INTEREST = interestOf();

export interface StatsOptions {
  json: boolean;
  /** Parse every event instead of letting the pre-check skip chatter. */
  all: boolean;
}

export interface ObjectStats {
  source: string;
  stats: ReadStats;
}

/** Reads every object and returns the reader's statistics for each, plus the total. */
export async function readStats(
  paths: readonly string[],
  options: Pick<StatsOptions, 'all'> & { stdin?: NodeJS.ReadableStream },
): Promise<{ objects: ObjectStats[]; total: ReadStats }> {
  const objects: ObjectStats[] = [];
  const total = emptyStats();
  const sources: SourceObject[] = await listInputs(paths, options.stdin ? { stdin: options.stdin } : {});
  for (const object of sources) {
    const reading = readAuditLog(await object.open(), { interest: options.all ? undefined : RULES_INTEREST });
    for await (const _event of reading.events) {
      // Only the statistics are wanted here; the rules consume the events in `scan`.
    }
    objects.push({ source: object.name, stats: reading.stats });
    mergeStats(total, reading.stats);
  }
  return { objects, total };
}

/** `stats`: prints the statistics; exit 3 when an object was not read whole or no event was read at all. */
export async function runStats(paths: readonly string[], options: StatsOptions, ctx: CliContext): Promise<number> {
  if (paths.some(isS3Uri)) throw new UsageError("stats reads files, directories and '-'; for S3 use 'scan'");
  let result;
  try {
    result = await readStats(paths, { all: options.all, ...(ctx.io.stdin ? { stdin: ctx.io.stdin } : {}) });
  } catch (error) {
    throw new UsageError(`cannot read input: ${(error as Error).message}`);
  }
  ctx.io.out(options.json ? JSON.stringify(result, null, 2) : renderStatsTable(result));
  const nothing = nothingReadMessage(result.objects.length, result.total, paths);
  if (nothing) ctx.io.err(`error: ${nothing}`);
  return nothing || !result.total.complete ? EXIT.incomplete : EXIT.ok;
}

const PROBLEM_LABELS: Array<[keyof ReadStats['problems'], string]> = [
  ['malformed-json', 'malformed'],
  ['oversize', 'oversize'],
  ['invalid-utf8', 'bad utf-8'],
  ['invalid-event', 'invalid'],
  ['unknown-envelope', 'unknown'],
];

export function renderStatsTable({ objects, total }: { objects: ObjectStats[]; total: ReadStats }): string {
  const header = ['object', 'format', 'stored', 'decoded', 'events', 'emitted', 'filtered', 'stage', 'dupes', 'problems'];
  const row = (name: string, s: ReadStats, format = s.compression.join('+')): string[] => [
    name,
    format || '-',
    bytes(s.bytesIn),
    bytes(s.bytesDecoded),
    String(s.events),
    String(s.emitted),
    String(s.filtered),
    String(Object.values(s.skippedByStage).reduce((a, b) => a + b, 0)),
    String(s.duplicates),
    problems(s),
  ];
  const rows = [header, ...objects.map((o) => row(o.source, o.stats)), row(`total (${objects.length} objects)`, total, '')];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i === 0 || i === 1 || i === r.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.splice(lines.length - 1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const notes = objects.flatMap((o) =>
    o.stats.samples.map((s) => `  ${displayText(o.source)}: ${s.kind} at line ${s.line}, byte ${s.offset}: ${shownDetail(s.detail)}`),
  );
  if (notes.length > 0) lines.push('', 'problems (first of each kind per object):', ...notes);
  if (total.clusters.length > 0) lines.push('', `clusters: ${total.clusters.join(', ')}`);
  return lines.join('\n');
}

function problems(s: ReadStats): string {
  const parts = PROBLEM_LABELS.filter(([k]) => s.problems[k] > 0).map(([k, label]) => `${s.problems[k]} ${label}`);
  if (!s.complete) parts.push('INCOMPLETE');
  return parts.join(', ') || '-';
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
