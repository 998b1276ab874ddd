/**
 * Reader benchmark: throughput against bare gunzip and a naive reader, and peak memory on a
 * ~1 GiB object. Prints figures only (no assertions on timings).
 *
 *   npm run bench                                  # full run (~400k events, then 1 GiB in a child)
 *   node --expose-gc dist/bench/reader.bench.js --events 50000 --skip-big   # quick run
 *
 * Flags: --events N (default 400000), --runs N (default 3), --seed N (default 1),
 *        --big-mb N (uncompressed MiB of the memory test, default 1024), --skip-big.
 * Generated logs are kept in bench/out/ (git-ignored) and reused when their parameters match.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
import { interestOf } from '../lambdas/core/rules';
import type { ReadOptions } from '../lambdas/core/read';
import { readAuditLog } from '../lambdas/core/read';
import type { WrittenLog } from '../devkit/generate';
import { GENERATOR_VERSION, writeAuditLog } from '../devkit/generate';
import { repoRoot } from '../devkit/paths';

const RULES_INTEREST = interestOf();

const MB = 1e6;
const MIB = 1024 * 1024;

interface LogFile {
  path: string;
  events: number;
  bytes: number;
  storedBytes: number;
}

interface Meta extends LogFile {
  generator: number;
  seed: number;
  request: { events?: number; bytes?: number };
}

interface Run {
  seconds: number;
  cpuSeconds: number;
  bytes: number;
  events: number;
}

interface Case {
  name: string;
  run: () => Promise<{ bytes: number; events: number; note?: string }>;
}

interface ChildResult {
  mode: string;
  seconds: number;
  bytes: number;
  events: number;
  emitted: number;
  filtered: number;
  baselineRssKiB: number;
  maxRssKiB: number;
  heapUsedMiB: number;
}

const OUT = join(repoRoot(), 'bench', 'out');

/** Generates the log unless a file with the same parameters is already there. */
async function ensureLog(name: string, seed: number, request: { events?: number; bytes?: number }): Promise<LogFile & { generated?: WrittenLog }> {
  const path = join(OUT, name);
  const metaPath = `${path}.meta.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
    if (meta.generator === GENERATOR_VERSION && meta.seed === seed && meta.request.events === request.events && meta.request.bytes === request.bytes) {
      return { ...meta, path };
    }
  }
  process.stdout.write(`generating ${name} ... `);
  const written = await writeAuditLog(path, { ...request, gzip: true, seed });
  process.stdout.write(`${written.seconds.toFixed(1)} s\n`);
  const meta: Meta = { path, events: written.events, bytes: written.bytes, storedBytes: written.storedBytes, generator: GENERATOR_VERSION, seed, request };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  return { ...meta, generated: written };
}

// --- the cases ---------------------------------------------------------------------------------

async function bareGunzip(path: string, chunkSize?: number): Promise<{ bytes: number; events: number }> {
  let bytes = 0;
  const gunzip = createReadStream(path).pipe(zlib.createGunzip(chunkSize ? { chunkSize } : {}));
  for await (const chunk of gunzip as AsyncIterable<Buffer>) bytes += chunk.length;
  return { bytes, events: 0 };
}

/** What most code does: gunzip, readline, JSON.parse of every line. */
async function naive(path: string): Promise<{ bytes: number; events: number }> {
  let bytes = 0;
  let events = 0;
  const lines = createInterface({ input: createReadStream(path).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    bytes += line.length + 1;
    if (line.length === 0) continue;
    const event = JSON.parse(line) as { kind?: unknown };
    if (event.kind === 'Event') events++;
  }
  return { bytes, events };
}

async function ours(path: string, options: ReadOptions): Promise<{ bytes: number; events: number; note: string }> {
  const reading = readAuditLog(createReadStream(path), options);
  let emitted = 0;
  let lastLine = 0;
  for await (const read of reading.events) {
    emitted++;
    lastLine = read.line;
  }
  const s = reading.stats;
  if (!s.complete || emitted !== s.emitted) throw new Error(`reader incomplete: ${JSON.stringify(s.problems)}`);
  const skipped = Object.values(s.skippedByStage).reduce((a, b) => a + b, 0);
  const note = `events ${s.events}: emitted ${s.emitted} (${pct(s.emitted, s.events)}), filtered unparsed ${s.filtered} (${pct(s.filtered, s.events)}), RequestReceived ${skipped} (${pct(skipped, s.events)}), duplicates ${s.duplicates}; last line ${lastLine}`;
  return { bytes: s.bytesDecoded, events: s.events, note };
}

// --- measuring ---------------------------------------------------------------------------------

async function measure(c: Case): Promise<Run & { note?: string }> {
  global.gc?.();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = await c.run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, ...result };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(header: string[], rows: string[][], rightFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i >= rightFrom ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

// --- the child: peak memory on a big object ------------------------------------------------------

async function child(path: string, mode: string): Promise<void> {
  const baselineRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const start = process.hrtime.bigint();
  const reading = readAuditLog(createReadStream(path), mode === 'interest' ? { interest: RULES_INTEREST } : {});
  let events = 0;
  for await (const read of reading.events) if (read.event.kind === 'Event') events++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const s = reading.stats;
  const result: ChildResult = {
    mode,
    seconds,
    bytes: s.bytesDecoded,
    events: s.events,
    emitted: events,
    filtered: s.filtered,
    baselineRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
    heapUsedMiB: process.memoryUsage().heapUsed / MIB,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function runChild(path: string, mode: string): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, [__filename, '--child', path, '--mode', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => (out += d));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}`));
      else resolvePromise(JSON.parse(out.trim().split('\n').pop() ?? '') as ChildResult);
    });
  });
}

// --- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '400000' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      'big-mb': { type: 'string', default: '1024' },
      'skip-big': { type: 'boolean', default: false },
      child: { type: 'string' },
      mode: { type: 'string', default: 'interest' },
    },
  });
  if (values.child) return child(values.child, values.mode);

  const events = Number(values.events);
  const runs = Math.max(1, Number(values.runs));
  const seed = Number(values.seed);
  const bigMiB = Number(values['big-mb']);

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# k8s-audit-analyzer reader benchmark`);
  console.log(
    `node ${process.version}, ${os.cpus().length} × ${cpu.trim()}, ${os.platform()}/${os.arch()}, ${new Date().toISOString().slice(0, 10)}${global.gc ? '' : ' (no --expose-gc)'}`,
  );
  console.log('');

  const log = await ensureLog(`audit-${events}-s${seed}.jsonl.gz`, seed, { events });
  console.log(`input: ${log.path.slice(repoRoot().length + 1)}`);
  console.log(
    `  ${fmt(log.events)} events, ${fmt(log.bytes / MB, 1)} MB JSON lines (avg ${fmt(log.bytes / log.events)} B/event), ${fmt(log.storedBytes / MB, 1)} MB gzip: ratio ${(log.bytes / log.storedBytes).toFixed(2)}x`,
  );
  console.log('');

  const cases: Case[] = [
    { name: 'gunzip only (zlib, 16 KiB chunks)', run: () => bareGunzip(log.path) },
    { name: 'gunzip only (zlib, 256 KiB chunks)', run: () => bareGunzip(log.path, 256 * 1024) },
    { name: 'naive: gunzip + readline + JSON.parse', run: () => naive(log.path) },
    { name: "reader, the rules' interest", run: () => ours(log.path, { interest: RULES_INTEREST }) },
    { name: 'reader, no interest (parses all)', run: () => ours(log.path, {}) },
  ];
  const results = new Map<string, (Run & { note?: string })[]>();
  // Warm-up (JIT, page cache), then the runs interleaved so drift hits every case alike.
  process.stdout.write('warm-up');
  for (const c of cases) await c.run();
  for (let r = 0; r < runs; r++) {
    process.stdout.write(` · run ${r + 1}/${runs}`);
    for (const c of cases) {
      const m = await measure(c);
      results.set(c.name, [...(results.get(c.name) ?? []), m]);
    }
  }
  process.stdout.write('\n\n');

  const mbps = (name: string, pick: (xs: number[]) => number): number => pick((results.get(name) ?? []).map((m) => log.bytes / MB / m.seconds));
  const best = (xs: number[]): number => Math.max(...xs);
  const rows = cases.map((c) => {
    const ms = results.get(c.name) ?? [];
    const med = median(ms.map((m) => m.seconds));
    const cpuPerWall = median(ms.map((m) => m.cpuSeconds / m.seconds));
    return [c.name, fmt(med, 2), fmt(mbps(c.name, median), 0), fmt(mbps(c.name, best), 0), fmt(log.events / med / 1000, 0), cpuPerWall.toFixed(2)];
  });
  console.log(`throughput (${runs} runs each after a warm-up; MB = 10^6 bytes of uncompressed JSON):`);
  console.log('');
  console.log(table(['case', 'median s', 'MB/s (median)', 'MB/s (best)', 'k events/s (median)', 'CPU/wall'], rows));
  console.log('');
  const gunzipBest = Math.max(mbps(cases[0].name, median), mbps(cases[1].name, median));
  const naiveMed = mbps(cases[2].name, median);
  const rows2 = [cases[3], cases[4]].map((c) => [
    c.name,
    `${(mbps(c.name, median) / gunzipBest).toFixed(2)}x`,
    `${(mbps(c.name, median) / naiveMed).toFixed(2)}x`,
  ]);
  console.log('ratios (medians; gunzip = the faster of the two gunzip rows):');
  console.log('');
  console.log(table(['reader', 'vs gunzip (target ≥ 0.5x, aim 0.7x)', 'vs naive (target ≥ 3x)'], rows2));
  console.log('');
  for (const c of [cases[3], cases[4]]) console.log(`${c.name}: ${results.get(c.name)?.[0]?.note ?? ''}`);
  console.log('');

  if (values['skip-big']) {
    console.log('peak memory: skipped (--skip-big)');
    return;
  }
  const big = await ensureLog(`audit-big-${bigMiB}mib-s${seed}.jsonl.gz`, seed, { bytes: bigMiB * MIB });
  console.log(
    `peak memory: ${big.path.slice(repoRoot().length + 1)}: ${fmt(big.events)} events, ${fmt(big.bytes / MB, 0)} MB JSON lines, ${fmt(big.storedBytes / MB, 0)} MB gzip (${(big.bytes / big.storedBytes).toFixed(2)}x); read in a fresh child process (node ${process.version}, no flags):`,
  );
  console.log('');
  const childRows: string[][] = [];
  for (const mode of ['interest', 'all']) {
    const r = await runChild(big.path, mode);
    childRows.push([
      mode === 'interest' ? "reader, the rules' interest" : 'reader, no interest (parses all)',
      fmt(r.seconds, 1),
      fmt(r.bytes / MB / r.seconds, 0),
      fmt(r.events / r.seconds / 1000, 0),
      `${fmt(r.emitted)} / ${fmt(r.filtered)}`,
      fmt(r.baselineRssKiB / 1024, 0),
      fmt(r.maxRssKiB / 1024, 0),
    ]);
  }
  console.log(table(['case', 's', 'MB/s', 'k events/s', 'emitted / filtered', 'RSS at start MiB', 'peak RSS MiB (target < 256)'], childRows));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
