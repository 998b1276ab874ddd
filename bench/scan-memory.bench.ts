/**
 * Memory of a scan: peak RSS of `scan` of one large gzip object with tens of thousands of
 * findings, keeping every finding (as `scan` did) against streaming them (`keepFindings: false`,
 * the JSON writer, one NDJSON line a finding), for the table, json and ndjson outputs written to
 * /dev/null. Each case runs in a child process of its own (`node --expose-gc`, the compiled dist);
 * the `cli-*` cases run the CLI itself (`scan FILE --format …`, stdout read and counted here).
 * Prints figures only. Usage and flags: USAGE below (`--help`).
 * The log (devkit/generate.ts's traffic with a low finding every 14 events) is generated into
 * bench/out/ (git-ignored) and reused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { benchOptions, wholeNumber } from './args';
import { parseArgs } from 'node:util';
import { listFiles } from '../lambdas/adapters/object-source';
import { auditLines, GENERATOR_VERSION } from '../devkit/generate';
import { repoRoot } from '../devkit/paths';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../lambdas/core/incident/record';
import { scanObjects } from '../lambdas/core/pipeline/scan-objects';
import { JsonScanWriter, ndjsonLine } from '../lambdas/core/report/json-stream';
import { renderJson, renderNdjson, renderTerminal } from '../lambdas/core/report/terminal';

const MODES = ['keep-table', 'keep-json', 'keep-ndjson', 'stream-table', 'stream-json', 'stream-ndjson', 'cli-table', 'cli-json', 'cli-ndjson'] as const;
type Mode = (typeof MODES)[number];

/** What the CLI groups into incidents (info findings join none). */
const INCIDENTS = { windowMinutes: DEFAULT_INCIDENT_WINDOW_MINUTES, minimum: 'low' } as const;

interface Measured {
  mode: Mode;
  findings: number;
  rows: number;
  incidents: number;
  outputBytes: number;
  /** The output's SHA-256, cut: keeping and streaming write the same bytes. */
  outputSha: string;
  seconds: number;
  peakRssMiB: number;
}

/** One scan, its output written to /dev/null, in this process: what the child runs. */
async function scanOnce(path: string, mode: Mode): Promise<Measured> {
  const started = process.hrtime.bigint();
  const fd = openSync('/dev/null', 'w');
  let outputBytes = 0;
  const digest = createHash('sha256');
  const write = (chunk: string): void => {
    outputBytes += Buffer.byteLength(chunk);
    digest.update(chunk);
    writeSync(fd, chunk);
  };
  const [how, format] = mode.split('-') as ['keep' | 'stream', 'table' | 'json' | 'ndjson'];
  const objects = await listFiles([path]);
  let json: JsonScanWriter | undefined;
  let result;
  if (how === 'keep') {
    result = await scanObjects(objects, { incidents: INCIDENTS });
  } else {
    if (format === 'json') json = new JsonScanWriter(write);
    result = await scanObjects(objects, {
      incidents: INCIDENTS,
      keepFindings: false,
      ...(format === 'json' ? { onFinding: (l) => json?.finding(l.finding) } : {}),
      ...(format === 'ndjson' ? { onFinding: (l) => write(ndjsonLine(l.finding)) } : {}),
    });
  }
  const { table, incidents, summary } = result;
  const stats = { ...summary, perObject: result.stats.objects };
  if (format === 'table') write(`${renderTerminal(table, summary, { colour: false, incidents })}\n`);
  else if (json) {
    json.end({ incidents, table, stats });
    write('\n'); // as the CLI ends its output
  } else if (format === 'json') write(`${renderJson({ findings: result.findings.map((l) => l.finding), incidents, table, stats })}\n`);
  else if (how === 'keep') write(renderNdjson(result.findings.map((l) => l.finding)));
  closeSync(fd);
  return {
    mode,
    findings: summary.findings,
    rows: table.length,
    incidents: incidents.length,
    outputBytes,
    outputSha: digest.digest('hex').slice(0, 12),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

/** One in this many events is a low finding: about 28,000 in 400,000 events, as in the mix. */
const LOW_FINDING_EVERY = 14;
const NAMESPACES = ['argocd', 'monitoring', 'payments', 'search', 'checkout', 'ingress', 'data', 'ml'];

/**
 * A controller's service account writing TLS secrets in other namespaces (`secret.write`, low):
 * the kind of finding a busy cluster raises by the tens of thousands. Its time is the event's
 * before it in the devkit's stream; the names cycle through 5,000 (that many table rows).
 */
function lowFindingEvent(before: string, n: number): string {
  const time = /"stageTimestamp":"([^"]+)"/.exec(before)?.[1] ?? '2025-03-04T09:00:00.000000Z';
  const name = `tls-${n % 5000}`;
  const namespace = NAMESPACES[(n % 5000) % NAMESPACES.length];
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${namespace}/secrets`,
    verb: 'create',
    user: {
      username: 'system:serviceaccount:cert-manager:cert-manager',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:cert-manager', 'system:authenticated'],
    },
    sourceIPs: ['10.0.40.249'],
    userAgent: 'cert-manager-controller/v1.16.2 (linux/amd64) cert-manager/3b3e1b6',
    objectRef: { resource: 'secrets', namespace, name, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "cert-manager"' },
  });
}

/** The devkit's cluster traffic with a low finding every LOW_FINDING_EVERY events, in ~1 MB gzip batches. */
function* mixedLog(events: number, seed: number): Generator<Buffer> {
  let batch: string[] = [];
  let written = 0;
  for (const line of auditLines({ events: Math.ceil((events * (LOW_FINDING_EVERY - 1)) / LOW_FINDING_EVERY), seed })) {
    batch.push(line);
    if (++written % (LOW_FINDING_EVERY - 1) === 0) batch.push(lowFindingEvent(line, written));
    if (batch.length >= 1000) {
      yield Buffer.from(`${batch.join('\n')}\n`);
      batch = [];
    }
  }
  if (batch.length > 0) yield Buffer.from(`${batch.join('\n')}\n`);
}

async function ensureLog(events: number, seed: number): Promise<string> {
  const path = join(repoRoot(), 'bench', 'out', `scan-memory-e${events}-s${seed}-g${GENERATOR_VERSION}.jsonl.gz`);
  if (!existsSync(path)) {
    process.stdout.write(`generating ${path} ... `);
    await mkdir(dirname(path), { recursive: true });
    await pipeline(Readable.from(mixedLog(events, seed)), zlib.createGzip(), createWriteStream(`${path}.partial`));
    await rename(`${path}.partial`, path);
    process.stdout.write(`${((await stat(path)).size / 1e6).toFixed(0)} MB gzip\n`);
  }
  return path;
}

const USAGE = `
Usage: npm run bench:memory [-- flags]     400k events (the issue's mix)
       node --expose-gc dist/bench/scan-memory.bench.js --events 100000 --modes stream-json

  --events N     events of the generated log (default 400000)
  --seed N       generator seed (default 1)
  --modes A,B    the cases to run (default: every one): ${MODES.join(', ')}
  -h, --help     this text
`;

async function main(): Promise<void> {
  const { values } = benchOptions(USAGE, () => {
    const parsed = parseArgs({
      options: { events: { type: 'string', default: '400000' }, seed: { type: 'string', default: '1' }, modes: { type: 'string' }, child: { type: 'string' } },
    });
    wholeNumber('events', parsed.values.events, 1);
    wholeNumber('seed', parsed.values.seed, 0);
    const unknown = parsed.values.modes?.split(',').filter((m) => !(MODES as readonly string[]).includes(m)) ?? [];
    if (unknown.length > 0) throw new Error(`--modes: unknown ${unknown.join(', ')}; the modes are ${MODES.join(', ')}`);
    return parsed;
  });
  if (values.child !== undefined) {
    const [mode, path] = values.child.split(':') as [Mode, string];
    process.stdout.write(`${JSON.stringify(await scanOnce(path, mode))}\n`);
    return;
  }
  const modes = (values.modes?.split(',') ?? MODES) as Mode[];
  const path = await ensureLog(Number(values.events), Number(values.seed));
  const rows: Measured[] = [];
  for (const mode of modes) {
    if (mode.startsWith('cli-')) {
      rows.push(await cliScan(path, mode));
      continue;
    }
    const run = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', `${mode}:${path}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (run.status !== 0) throw new Error(`${mode}: the child exited with ${run.status}`);
    rows.push(JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Measured);
  }
  const header = ['mode', 'findings', 'rows', 'incidents', 'output MB', 'output sha256', 'seconds', 'peak RSS MiB'];
  const cells = rows.map((r) => [
    r.mode,
    Number.isNaN(r.findings) ? '-' : String(r.findings),
    Number.isNaN(r.rows) ? '-' : String(r.rows),
    Number.isNaN(r.incidents) ? '-' : String(r.incidents),
    (r.outputBytes / 1e6).toFixed(1),
    r.outputSha,
    r.seconds.toFixed(1),
    r.peakRssMiB.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const line of [header, ...cells]) process.stdout.write(`${line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
}

/** The CLI's own scan of the log, its stdout hashed and counted here, its peak RSS reported by the preload. */
async function cliScan(path: string, mode: Mode): Promise<Measured> {
  const format = mode.slice('cli-'.length);
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    ['--require', join(__dirname, 'report-rss.js'), join(__dirname, '..', 'bin', 'k8s-audit-analyzer.js'), 'scan', path, '--format', format, '-q'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const digest = createHash('sha256');
  let outputBytes = 0;
  let stderr = '';
  let tail = '';
  child.stdout.on('data', (chunk: Buffer) => {
    outputBytes += chunk.length;
    digest.update(chunk);
    if (format === 'json') tail = (tail + chunk.toString('latin1')).slice(-4096);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 && code !== 1) throw new Error(`${mode}: the CLI exited with ${code}: ${stderr}`);
  const { peakRssMiB } = JSON.parse(stderr.trim().split('\n').pop() ?? '{}') as { peakRssMiB: number };
  const findings = format === 'json' ? Number(/"findings": (\d+)/.exec(tail)?.[1] ?? NaN) : NaN;
  return {
    mode,
    findings,
    rows: NaN,
    incidents: NaN,
    outputBytes,
    outputSha: digest.digest('hex').slice(0, 12),
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    peakRssMiB,
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
