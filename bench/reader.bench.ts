/**
 * Reader benchmark: every row against the decompression limit, Node's gunzip of the same bytes
 * with 1 MiB output chunks, timed right before each row in the same run. Each row runs in a fresh
 * child process, so its peak RSS is its own. Prints figures only (no assertions on timings).
 * Usage and flags: USAGE below (`--help`). Generated logs are kept in bench/out/ (git-ignored) and
 * reused when their parameters match.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
import { fileObject } from '../lambdas/adapters/file-objects';
import { ReaderPool } from '../lambdas/adapters/reader-pool';
import { DetectionEngine } from '../lambdas/core/detect/engine';
import type { SourceObject } from '../lambdas/core/ports';
import { readObject } from '../lambdas/core/pipeline/read-object';
import { LARGE_OBJECTS_AT_ONCE_INLINE, scanObjects } from '../lambdas/core/pipeline/scan-objects';
import type { ReadAuditLog } from '../lambdas/core/read';
import { readAuditLog } from '../lambdas/core/read';
import { JsonScanWriter } from '../lambdas/core/report/json-stream';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../lambdas/core/incident/record';
import { EVENT_RULES, interestOf } from '../lambdas/core/rules';
import type { Mix, WrittenLog } from '../devkit/generate';
import { auditLines, GENERATOR_VERSION, writeAuditLog } from '../devkit/generate';
import { repoRoot } from '../devkit/paths';
import type { Ev } from '../devkit/shipping';
import { firehoseGzip } from '../devkit/shipping';
import { benchOptions, wholeNumber } from './args';
import { rowNodeFlags } from '../devkit/row-node-flags';
import { median, pairedRatio } from '../devkit/median';

const RULES_INTEREST = interestOf();

const MB = 1e6;
const MIB = 1024 * 1024;
/** Events per analyzer object, as the analyzer benchmark's Firehose objects. */
const EVENTS_PER_OBJECT = 4000;
/** CloudWatch log events per Firehose record, as in samples/. */
const EVENTS_PER_RECORD = 40;

interface LogFile {
  path: string;
  events: number;
  bytes: number;
  storedBytes: number;
}

interface Meta extends LogFile {
  generator: number;
  seed: number;
  mix: Mix;
  request: { events?: number; bytes?: number };
}

/** What one row measured in its child process. */
interface RowResult {
  seconds: number;
  cpuSeconds: number;
  /** Uncompressed bytes read (JSON lines; for CloudWatch objects, the decoded records). */
  bytes: number;
  events: number;
  maxRssKiB: number;
  /** The main thread's busy time (its event loop's active time, garbage collection included). */
  mainBusySeconds: number;
  /** The reader threads' busy time, summed (0 without a pool). */
  readerBusySeconds: number;
  note?: string;
}

const OUT = join(repoRoot(), 'bench', 'out');

/** Generates the log unless a file with the same parameters is already there. */
async function ensureLog(name: string, seed: number, mix: Mix, request: { events?: number; bytes?: number }): Promise<LogFile & { generated?: WrittenLog }> {
  const path = join(OUT, name);
  const metaPath = `${path}.meta.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
    if (
      meta.generator === GENERATOR_VERSION &&
      meta.seed === seed &&
      meta.mix === mix &&
      meta.request.events === request.events &&
      meta.request.bytes === request.bytes
    ) {
      return { ...meta, path };
    }
  }
  process.stdout.write(`generating ${name} ... `);
  const written = await writeAuditLog(path, { ...request, gzip: true, seed, mix });
  process.stdout.write(`${written.seconds.toFixed(1)} s\n`);
  const meta: Meta = { path, events: written.events, bytes: written.bytes, storedBytes: written.storedBytes, generator: GENERATOR_VERSION, seed, mix, request };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  return { ...meta, path };
}

/**
 * The analyzer's inputs from the first `events` events of a mix: Firehose objects of
 * EVENTS_PER_OBJECT events, `extract` (gzipped JSON lines, what the extract ingestion writes) and
 * `raw` (the CloudWatch records, each gzipped, all gzipped again).
 */
function ensureAnalyzerObjects(mix: Mix, seed: number, events: number): { extract: string; raw: string } {
  const dir = join(OUT, `analyzer-objects-${mix}-${events}-s${seed}-g${GENERATOR_VERSION}`);
  const extract = join(dir, 'extract');
  const raw = join(dir, 'raw');
  if (existsSync(join(dir, 'done'))) return { extract, raw };
  mkdirSync(extract, { recursive: true });
  mkdirSync(raw, { recursive: true });
  let batch: string[] = [];
  let n = 0;
  const flush = (): void => {
    const name = `object-${String(n++).padStart(4, '0')}.gz`;
    writeFileSync(join(extract, name), zlib.gzipSync(batch.join('\n') + '\n'));
    writeFileSync(
      join(raw, name),
      firehoseGzip(
        batch.map((line) => JSON.parse(line) as Ev),
        EVENTS_PER_RECORD,
      ),
    );
    batch = [];
  };
  for (const line of auditLines({ events, seed, mix })) {
    batch.push(line);
    if (batch.length === EVENTS_PER_OBJECT) flush();
  }
  if (batch.length > 0) flush();
  writeFileSync(join(dir, 'done'), '');
  return { extract, raw };
}

// --- the rows (each runs in a child process) ---------------------------------------------------

async function gunzipRow(path: string, chunkSize: number): Promise<{ bytes: number; events: number }> {
  let bytes = 0;
  for await (const chunk of createReadStream(path).pipe(zlib.createGunzip({ chunkSize })) as AsyncIterable<Buffer>) bytes += chunk.length;
  return { bytes, events: 0 };
}

/** What most code does: gunzip, readline, JSON.parse of every line. */
async function naiveRow(path: string): Promise<{ bytes: number; events: number }> {
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

/** `stats`: the reader alone, the rules' interest. */
async function readerRow(path: string, read: ReadAuditLog): Promise<{ bytes: number; events: number; note: string }> {
  const reading = read(createReadStream(path, { highWaterMark: 256 * 1024 }), { interest: RULES_INTEREST });
  let emitted = 0;
  for await (const _ of reading.events) emitted++;
  const s = reading.stats;
  if (!s.complete || emitted !== s.emitted) throw new Error(`reader incomplete: ${JSON.stringify(s.problems)}`);
  const skipped = Object.values(s.skippedByStage).reduce((a, b) => a + b, 0);
  return {
    bytes: s.bytesDecoded,
    events: s.events,
    note: `${s.events} events: parsed ${s.emitted} (${pct(s.emitted, s.events)}), filtered unparsed ${s.filtered} (${pct(s.filtered, s.events)}), RequestReceived ${skipped}`,
  };
}

function fileObjects(path: string, copies: number): SourceObject[] {
  const size = statSync(path).size;
  return Array.from({ length: copies }, (_, i) => ({ ...fileObject(path, size), name: copies === 1 ? path : `${path}#${i}` }));
}

/** `scan --format json` as the CLI writes it, without the CLI: findings streamed to the JSON writer as they are raised (none kept), incidents and table at the end, to /dev/null. */
async function scanRow(objects: SourceObject[], read: ReadAuditLog | undefined, concurrency: number): Promise<{ bytes: number; events: number; note: string }> {
  const fd = openSync('/dev/null', 'w');
  let outputBytes = 0;
  const write = (chunk: string): void => {
    outputBytes += chunk.length;
    writeSync(fd, chunk);
  };
  const json = new JsonScanWriter(write);
  const result = await scanObjects(objects, {
    concurrency,
    incidents: { windowMinutes: DEFAULT_INCIDENT_WINDOW_MINUTES, minimum: 'low' },
    keepFindings: false,
    onFinding: (located) => json.finding(located.finding),
    ...(read ? { reader: read } : {}),
  });
  json.end({ incidents: result.incidents, table: result.table, stats: { ...result.summary, perObject: result.stats.objects } });
  write('\n');
  closeSync(fd);
  const s = result.stats.total;
  if (!s.complete) throw new Error(`scan incomplete: ${JSON.stringify(s.problems)}`);
  return { bytes: s.bytesDecoded, events: s.events, note: `${result.summary.findings} findings, ${fmt(outputBytes / MB, 1)} MB of JSON output` };
}

/** The analyzer's read path (an engine per object, as the handler makes one), objects one after the other; storing is the analyzer benchmark's. */
async function analyzerRow(dir: string): Promise<{ bytes: number; events: number; note: string }> {
  const objects = readdirSync(dir)
    .filter((n) => n.endsWith('.gz'))
    .sort()
    .map((n) => fileObjects(join(dir, n), 1)[0]);
  let bytes = 0;
  let events = 0;
  let findings = 0;
  for (const object of objects) {
    const reading = await readObject(object, { engine: new DetectionEngine(EVENT_RULES) });
    bytes += reading.stats.bytesDecoded;
    events += reading.stats.events;
    findings += reading.findings.length;
    if (!reading.stats.complete) throw new Error(`analyzer read incomplete: ${JSON.stringify(reading.stats.problems)}`);
  }
  return { bytes, events, note: `${objects.length} objects, ${findings} findings` };
}

/** What `--row` runs, one at a time in a child process. */
const ROWS = [
  'gunzip-1m',
  'gunzip-16k',
  'naive',
  'reader-inline',
  'reader-worker',
  'scan-inline',
  'scan-worker',
  'scan-n-inline',
  'scan-n-worker1',
  'scan-n-worker2',
  'analyzer',
] as const;

async function runRow(row: string, path: string, copies: number): Promise<RowResult> {
  const pool = row.includes('worker') ? new ReaderPool({ size: row.endsWith('2') ? 2 : 1 }) : undefined;
  global.gc?.();
  const loop = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let result: { bytes: number; events: number; note?: string };
  if (row === 'gunzip-1m') result = await gunzipRow(path, MIB);
  else if (row === 'gunzip-16k') result = await gunzipRow(path, 16 * 1024);
  else if (row === 'naive') result = await naiveRow(path);
  else if (row === 'reader-inline') result = await readerRow(path, readAuditLog);
  else if (row === 'reader-worker') result = await readerRow(path, pool!.read);
  else if (row === 'scan-inline') result = await scanRow(fileObjects(path, 1), undefined, 1);
  else if (row === 'scan-worker') result = await scanRow(fileObjects(path, 1), pool!.read, 1);
  else if (row === 'scan-n-inline') result = await scanRow(fileObjects(path, copies), undefined, copies);
  else if (row === 'scan-n-worker1' || row === 'scan-n-worker2') result = await scanRow(fileObjects(path, copies), pool!.read, copies);
  else if (row === 'analyzer') result = await analyzerRow(path);
  else throw new Error(`unknown row ${row}`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const mainBusySeconds = performance.eventLoopUtilization(loop).active / 1e3;
  const readerBusySeconds = (pool?.busyMilliseconds() ?? 0) / 1e3;
  await pool?.close();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssKiB: process.resourceUsage().maxRSS, mainBusySeconds, readerBusySeconds, ...result };
}

function spawnRow(row: string, path: string, copies: number): Promise<RowResult> {
  return new Promise((resolvePromise, reject) => {
    const args = [...rowNodeFlags(), __filename, '--row', row, '--file', path, '--objects', String(copies)];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => (out += d));
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`row ${row} exited with ${code}`));
      else resolvePromise(JSON.parse(out.trim().split('\n').pop() ?? '') as RowResult);
    });
  });
}

/** `zcat | jq -c 'select(.verb=="create")'`, timed from here; peak RSS from GNU time when it is there (the larger of the two processes). */
function jqRow(path: string, log: LogFile): RowResult | undefined {
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M'] : [];
  const script = `zcat '${path}' | jq -c 'select(.verb=="create")' > /dev/null`;
  const start = process.hrtime.bigint();
  const [command, ...args] = [...time, 'sh', '-c', script];
  const run = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (run.status !== 0) {
    console.log(`zcat | jq failed: ${run.error?.message ?? run.stderr}`);
    return undefined;
  }
  const rss = time.length > 0 ? Number(run.stderr.trim().split('\n').pop()) : NaN;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, cpuSeconds: NaN, bytes: log.bytes, events: log.events, maxRssKiB: rss, mainBusySeconds: NaN, readerBusySeconds: NaN };
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, command)));
}

// --- formatting ----------------------------------------------------------------------------------

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

/** A share of wall time as a percentage; `-` when not measured, and for a thread that did not run. */
function busyShare(share: number): string {
  return Number.isFinite(share) && share > 0 ? `${Math.round(100 * share)}%` : '-';
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

function table(header: string[], rows: string[][], rightFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i >= rightFrom ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

// --- one input ---------------------------------------------------------------------------------

interface Row {
  name: string;
  row: string;
  /** The file or directory the row reads. */
  path: string;
  copies: number;
}

async function benchInput(log: LogFile, mix: Mix, seed: number, runs: number, copies: number, analyzerEvents: number): Promise<void> {
  console.log(`## ${mix} mix: ${log.path.slice(repoRoot().length + 1)}`);
  console.log(
    `${fmt(log.events)} events, ${fmt(log.bytes / MB, 1)} MB JSON lines (avg ${fmt(log.bytes / log.events)} B/event), ${fmt(log.storedBytes / MB, 1)} MB gzip: ratio ${(log.bytes / log.storedBytes).toFixed(2)}x`,
  );
  const analyzer = ensureAnalyzerObjects(mix, seed, analyzerEvents);
  const rows: Row[] = [
    { name: 'gunzip, 1 MiB chunks (THE baseline)', row: 'gunzip-1m', path: log.path, copies: 1 },
    { name: 'gunzip, 16 KiB chunks (zlib default)', row: 'gunzip-16k', path: log.path, copies: 1 },
    { name: 'naive: gunzip + readline + JSON.parse', row: 'naive', path: log.path, copies: 1 },
    { name: 'reader only (stats), inline', row: 'reader-inline', path: log.path, copies: 1 },
    { name: 'reader only (stats), worker thread', row: 'reader-worker', path: log.path, copies: 1 },
    { name: 'scan + JSON output, inline', row: 'scan-inline', path: log.path, copies: 1 },
    { name: 'scan + JSON output, worker thread', row: 'scan-worker', path: log.path, copies: 1 },
    {
      name: `scan ${copies} objects, inline (concurrency ${copies}: large ones ${LARGE_OBJECTS_AT_ONCE_INLINE} at a time)`,
      row: 'scan-n-inline',
      path: log.path,
      copies,
    },
    { name: `scan ${copies} objects, 1 reader worker`, row: 'scan-n-worker1', path: log.path, copies },
    { name: `scan ${copies} objects, 2 reader workers`, row: 'scan-n-worker2', path: log.path, copies },
    { name: `analyzer read path, extract objects (${fmt(analyzerEvents)} events)`, row: 'analyzer', path: analyzer.extract, copies: 1 },
    { name: `analyzer read path, raw CloudWatch objects (${fmt(analyzerEvents)} events)`, row: 'analyzer', path: analyzer.raw, copies: 1 },
  ];
  const jq = onPath('jq') && onPath('zcat');
  /** Each row's results, and for each the baseline timed just before it (same index). */
  const results = new Map<string, RowResult[]>();
  const baselines = new Map<string, RowResult[]>();
  const append = (map: Map<string, RowResult[]>, name: string, result: RowResult): void => {
    const list = map.get(name);
    if (list) list.push(result);
    else map.set(name, [result]);
  };
  const record = (name: string, result: RowResult, baseline: RowResult): void => {
    append(results, name, result);
    append(baselines, name, baseline);
  };
  const [baselineRow, ...otherRows] = rows;
  const timeBaseline = async (): Promise<RowResult> => {
    const result = await spawnRow(baselineRow.row, baselineRow.path, baselineRow.copies);
    append(results, baselineRow.name, result);
    return result;
  };
  process.stdout.write('runs:');
  for (let r = 0; r < runs; r++) {
    process.stdout.write(` ${r + 1}/${runs}`);
    for (const row of otherRows) {
      const baseline = await timeBaseline();
      record(row.name, await spawnRow(row.row, row.path, row.copies), baseline);
    }
    if (jq) {
      const baseline = await timeBaseline();
      const m = jqRow(log.path, log);
      if (m) record('jq', m, baseline);
    }
  }
  process.stdout.write('\n\n');

  const medianOf = (name: string, pick: (r: RowResult) => number): number => median((results.get(name) ?? []).map(pick));
  const line = (name: string, label: string, byEvents: boolean): string[] => {
    const mbps = medianOf(name, (r) => r.bytes / MB / r.seconds);
    const eventsPerS = medianOf(name, (r) => r.events / r.seconds);
    // By events for the analyzer rows: their input is other objects holding the same kind of events.
    const speed = (r: RowResult, events: number): number => (byEvents ? events : r.bytes) / r.seconds;
    const base = baselines.get(name) ?? [];
    const ratio =
      name === baselineRow.name
        ? 1
        : pairedRatio((results.get(name) ?? []).map((r, i) => ({ speed: speed(r, r.events), baseline: speed(base[i], log.events) })));
    return [
      label,
      fmt(
        medianOf(name, (r) => r.seconds),
        2,
      ),
      fmt(mbps, 0),
      `${ratio.toFixed(2)}x`,
      fmt(eventsPerS / 1000, 0),
      fmt(medianOf(name, (r) => r.events / r.cpuSeconds) / 1000, 0),
      fmt(
        medianOf(name, (r) => r.cpuSeconds / r.seconds),
        2,
      ),
      busyShare(medianOf(name, (r) => r.mainBusySeconds / r.seconds)),
      busyShare(medianOf(name, (r) => r.readerBusySeconds / r.seconds)),
      fmt(Math.max(...(results.get(name) ?? []).map((r) => r.maxRssKiB)) / 1024, 0),
    ];
  };
  const out = rows.map((row) => line(row.name, row.name, row.row === 'analyzer'));
  if (jq) out.splice(3, 0, line('jq', `zcat | jq -c 'select(.verb=="create")'`, false));
  console.log(
    `medians of ${runs} runs, each row in a fresh child process (MB = 10^6 bytes uncompressed; × baseline: the median over the runs of the row's MB/s over the baseline's timed just before it, for the analyzer rows events/s over the baseline's events/s of this input; the baseline's own row: all its timings):`,
  );
  console.log('');
  console.log(
    table(
      [
        'row',
        'median s',
        'MB/s',
        '× baseline',
        'k events/s',
        'k events per CPU-s (per vCPU)',
        'CPU/wall',
        'main thread busy',
        'reader threads busy',
        'peak RSS MiB (max)',
      ],
      out,
    ),
  );
  console.log('');
  console.log(
    "busy: the share of the row's wall time a thread's event loop was active (JS and its garbage collection; inflate runs on libuv's pool, counted in neither); a thread near 100% is the one the row waits on.",
  );
  console.log('');
  if (!jq) console.log(`zcat | jq: skipped (jq${onPath('zcat') ? '' : ' or zcat'} is not on PATH)`);
  for (const row of rows) {
    const note = results.get(row.name)?.[0]?.note;
    if (note) console.log(`${row.name}: ${note}`);
  }
  console.log('');
}

// --- the child: peak memory on a big object ------------------------------------------------------

async function bigChild(path: string, mode: string): Promise<void> {
  const baselineRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const start = process.hrtime.bigint();
  const reading = readAuditLog(createReadStream(path), mode === 'interest' ? { interest: RULES_INTEREST } : {});
  let events = 0;
  for await (const read of reading.events) if (read.event.kind === 'Event') events++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const s = reading.stats;
  process.stdout.write(
    JSON.stringify({
      seconds,
      bytes: s.bytesDecoded,
      events: s.events,
      emitted: events,
      filtered: s.filtered,
      baselineRssKiB,
      maxRssKiB: process.resourceUsage().maxRSS,
    }) + '\n',
  );
}

interface BigResult {
  seconds: number;
  bytes: number;
  events: number;
  emitted: number;
  filtered: number;
  baselineRssKiB: number;
  maxRssKiB: number;
}

function runBigChild(path: string, mode: string): Promise<BigResult> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, [...rowNodeFlags(), __filename, '--big-child', path, '--mode', mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => (out += d));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code !== 0 ? reject(new Error(`child exited with ${code}`)) : resolvePromise(JSON.parse(out.trim().split('\n').pop() ?? '') as BigResult),
    );
  });
}

// --- main --------------------------------------------------------------------------------------

const USAGE = `
Usage: npm run bench [-- flags]      400k events of two mixes, then 1 GiB in a child
       npm run build && node --expose-gc dist/bench/reader.bench.js --events 50000 --runs 1 --skip-big

  --events N            events of each generated log (default 400000)
  --runs N              runs of every row, interleaved, each after a baseline run of its
                        own; medians and paired ratios are printed (default 3)
  --seed N              generator seed (default 1)
  --mix MIX             default, eks-busy or both (default both)
  --objects N           objects read at once in the several-objects rows (default 4)
  --analyzer-events N   events of the analyzer read-path rows (default 80000)
  --big-mb N            uncompressed MiB of the peak-memory test (default 1024)
  --skip-big            skip the peak-memory test
  --row ROW --file F    one row alone on file F, its figures as JSON (what each child runs);
                        ROW: ${ROWS.join(', ')}
  -h, --help            this text
`;

async function main(): Promise<void> {
  const { values } = benchOptions(USAGE, () => {
    const parsed = parseArgs({
      options: {
        events: { type: 'string', default: '400000' },
        runs: { type: 'string', default: '3' },
        seed: { type: 'string', default: '1' },
        mix: { type: 'string', default: 'both' },
        objects: { type: 'string', default: '4' },
        'analyzer-events': { type: 'string', default: '80000' },
        'big-mb': { type: 'string', default: '1024' },
        'skip-big': { type: 'boolean', default: false },
        row: { type: 'string' },
        file: { type: 'string' },
        'big-child': { type: 'string' },
        mode: { type: 'string', default: 'interest' },
      },
    });
    for (const name of ['events', 'runs', 'objects', 'analyzer-events', 'big-mb'] as const) wholeNumber(name, parsed.values[name], 1);
    wholeNumber('seed', parsed.values.seed, 0);
    if (!['default', 'eks-busy', 'both'].includes(parsed.values.mix)) throw new Error(`--mix must be default, eks-busy or both, not ${parsed.values.mix}`);
    const { row, file } = parsed.values;
    if (row !== undefined) {
      if (!(ROWS as readonly string[]).includes(row)) throw new Error(`--row must be one of ${ROWS.join(', ')}, not ${row}`);
      if (file === undefined || !existsSync(file)) throw new Error(`--row needs --file naming an existing file${file === undefined ? '' : `, not ${file}`}`);
    }
    return parsed;
  });
  if (values['big-child']) return bigChild(values['big-child'], values.mode);
  if (values.row) {
    process.stdout.write(JSON.stringify(await runRow(values.row, values.file ?? '', Number(values.objects))) + '\n');
    return;
  }

  const events = Number(values.events);
  const runs = Math.max(1, Number(values.runs));
  const seed = Number(values.seed);
  const copies = Math.max(1, Number(values.objects));
  const mixes: Mix[] = values.mix === 'both' ? ['default', 'eks-busy'] : [values.mix as Mix];

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# k8s-audit-analyzer reader benchmark`);
  console.log(
    `node ${process.version}, ${os.cpus().length} × ${cpu.trim()}, ${os.platform()}/${os.arch()}, load average ${os.loadavg()[0].toFixed(2)}, ${new Date().toISOString().slice(0, 10)}`,
  );
  console.log(`each row in a process of its own: node ${rowNodeFlags().join(' ')}`);
  console.log('');
  for (const mix of mixes) {
    const log = await ensureLog(`audit-${mix === 'default' ? '' : `${mix}-`}${events}-s${seed}.jsonl.gz`, seed, mix, { events });
    await benchInput(log, mix, seed, runs, copies, Math.min(events, Number(values['analyzer-events'])));
  }

  if (values['skip-big']) {
    console.log('peak memory on a big object: skipped (--skip-big)');
    return;
  }
  const bigMiB = Number(values['big-mb']);
  const big = await ensureLog(`audit-big-${bigMiB}mib-s${seed}.jsonl.gz`, seed, 'default', { bytes: bigMiB * MIB });
  console.log(
    `peak memory: ${big.path.slice(repoRoot().length + 1)}: ${fmt(big.events)} events, ${fmt(big.bytes / MB, 0)} MB JSON lines, ${fmt(big.storedBytes / MB, 0)} MB gzip; read in a fresh child process (no flags):`,
  );
  console.log('');
  const childRows: string[][] = [];
  for (const mode of ['interest', 'all']) {
    const r = await runBigChild(big.path, mode);
    childRows.push([
      mode === 'interest' ? "reader, the rules' interest" : 'reader, no interest (parses all)',
      fmt(r.seconds, 1),
      fmt(r.bytes / MB / r.seconds, 0),
      `${fmt(r.emitted)} / ${fmt(r.filtered)}`,
      fmt(r.baselineRssKiB / 1024, 0),
      fmt(r.maxRssKiB / 1024, 0),
    ]);
  }
  console.log(table(['case', 's', 'MB/s', 'emitted / filtered', 'RSS at start MiB', 'peak RSS MiB (target < 256)'], childRows));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
