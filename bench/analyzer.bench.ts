/**
 * Analyzer Lambda benchmark, for the README's cost model: the real handler (`makeHandler`) driven
 * in-process with SQS batches of S3 notifications, one invocation after the other (one function
 * instance), against s3rver, dynalite and a local SNS endpoint. Objects are EKS Firehose objects
 * (gzip around gzip members of CloudWatch Logs DATA_MESSAGE records) of the generator's realistic
 * traffic. Prints figures, a bare gunzip + JSON.parse baseline, and a cost estimate per million
 * audit events next to GuardDuty's price; asserts nothing.
 *
 *   npm run bench:analyzer                         # 200 objects × 4,000 events (a few minutes)
 *   npx tsx bench/analyzer.bench.ts --quick        # 20 objects, a check in seconds
 *
 * Flags: --objects N (default 200; --quick: 20), --events-per-object N (default 4000),
 *        --events-per-record N (CloudWatch log events per Firehose record, default 40, as in samples/),
 *        --batch-size N (SQS records per invocation, default 10), --seed N (default 1), --quick,
 *        --in-process-servers (s3rver and dynalite in this process too; see below).
 * s3rver and dynalite run in a child process by default, so that this process's CPU time and RSS
 * are the handler's alone (in this process, dynalite's own work would be billed as the Lambda's);
 * the SNS endpoint (a few requests) runs in this process. Objects are generated in a child process
 * too, into bench/out/ (git-ignored), and reused while their parameters match.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSEvent } from 'aws-lambda';
import type { AnalyzerHandler } from '../lambdas/analyzer/handler';
import { makeHandler } from '../lambdas/analyzer/handler';
import { SEVERITIES } from '../lambdas/core/finding';
import { s3Record } from '../test/analyzer/lambda-events';
import { createFindingsTable, startLocalDynamoDb } from '../test/helpers/local-dynamodb';
import { repoRoot } from './paths';
import { localS3Client, startLocalS3 } from '../test/helpers/local-s3';
import { startLocalSns } from '../test/helpers/local-sns';
import { auditLines, GENERATOR_VERSION } from './generate';
import type { Ev } from './shipping';
import { firehoseGzip } from './shipping';

const MB = 1e6;
const MIB = 1024 * 1024;
const MILLION = 1e6;
const BUCKET = 'audit-logs';
const TABLE = 'findings';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:k8s-audit-alerts';
const CLUSTER = 'prod-eu';

/** us-east-1 list prices (FIELD-NOTES "Prices"; check the price pages before quoting them). */
const PRICE = {
  lambdaGbSecond: 0.0000133334, // arm64
  lambdaRequest: 0.2 / MILLION,
  sqsRequest: 0.4 / MILLION,
  dynamoWriteUnit: 0.625 / MILLION, // on-demand
  dynamoReadUnit: 0.125 / MILLION,
  snsPublish: 0.5 / MILLION,
  s3Get: 0.0004 / 1000,
  guardDutyEvent: 1.6 / MILLION, // EKS audit-log monitoring, first 100M events a month
};
/** Lambda gives a function memory/1769 MB of one vCPU (a full vCPU at 1769 MB). */
const FULL_VCPU_MB = 1769;
const MEMORY_SIZES_MB = [512, 1024, 1769];

// --- input: generated once, in a child process ------------------------------------------------

interface InputMeta {
  generator: number;
  seed: number;
  objects: number;
  eventsPerObject: number;
  eventsPerRecord: number;
  events: number;
  /** The audit events as JSON lines (what the API server wrote). */
  auditJsonBytes: number;
  /** The stored objects. */
  compressedBytes: number;
  files: Array<{ file: string; bytes: number; events: number }>;
}

interface Params {
  objects: number;
  eventsPerObject: number;
  eventsPerRecord: number;
  seed: number;
}

const inputDir = (p: Params): string =>
  join(repoRoot(), 'bench', 'out', `analyzer-o${p.objects}-e${p.eventsPerObject}-r${p.eventsPerRecord}-s${p.seed}-g${GENERATOR_VERSION}`);

/** The child's work: one continuous generated stream cut into objects, so time runs on across them. */
function generateInput(dir: string, p: Params): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const meta: InputMeta = { generator: GENERATOR_VERSION, ...p, events: 0, auditJsonBytes: 0, compressedBytes: 0, files: [] };
  const lines = auditLines({ events: p.objects * p.eventsPerObject, seed: p.seed });
  for (let i = 0; i < p.objects; i++) {
    const events: Ev[] = [];
    // next() rather than for…of: leaving a for…of early would close the generator.
    while (events.length < p.eventsPerObject) {
      const next = lines.next();
      if (next.done) break;
      events.push(JSON.parse(next.value) as Ev);
      meta.auditJsonBytes += next.value.length + 1; // the generator writes ASCII
    }
    const body = firehoseGzip(events, p.eventsPerRecord, CLUSTER);
    const file = `${String(i).padStart(5, '0')}.gz`;
    writeFileSync(join(dir, file), body);
    meta.files.push({ file, bytes: body.length, events: events.length });
    meta.events += events.length;
    meta.compressedBytes += body.length;
  }
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n'); // written last: its presence means complete
}

async function ensureInput(p: Params): Promise<{ dir: string; meta: InputMeta }> {
  const dir = inputDir(p);
  const metaPath = join(dir, 'meta.json');
  if (existsSync(metaPath)) return { dir, meta: JSON.parse(readFileSync(metaPath, 'utf8')) as InputMeta };
  process.stdout.write(`generating ${p.objects} objects × ${fmt(p.eventsPerObject)} events in a child process ... `);
  const started = process.hrtime.bigint();
  const args = ['--generate', dir, '--objects', String(p.objects), '--events-per-object', String(p.eventsPerObject), '--events-per-record', String(p.eventsPerRecord), '--seed', String(p.seed)];
  await new Promise<void>((resolvePromise, reject) => {
    const proc = spawnSelf(args, ['ignore', 'inherit', 'inherit']);
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`generator child exited with ${code}`))));
  });
  process.stdout.write(`${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s\n`);
  return { dir, meta: JSON.parse(readFileSync(metaPath, 'utf8')) as InputMeta };
}

// --- s3rver and dynalite: in a child process, or in this one -----------------------------------

interface Endpoints {
  s3: string;
  dynamodb: string;
}

interface Servers {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  where: string;
  stop(): Promise<void>;
}

/** The child's work: start both servers, print their endpoints, stop them when stdin closes. */
async function serve(): Promise<void> {
  const [s3, ddb] = await Promise.all([startLocalS3(), startLocalDynamoDb()]);
  const endpoint = await ddb.client.config.endpoint?.();
  const endpoints: Endpoints = { s3: s3.endpoint, dynamodb: `${endpoint?.protocol ?? 'http:'}//${endpoint?.hostname ?? '127.0.0.1'}:${endpoint?.port ?? 0}` };
  process.stdout.write(JSON.stringify(endpoints) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => void Promise.all([s3.stop(), ddb.stop()]).then(() => process.exit(0)));
}

async function startServers(inProcess: boolean): Promise<Servers> {
  if (inProcess) {
    const [s3, ddb] = await Promise.all([startLocalS3(), startLocalDynamoDb()]);
    return { s3: s3.client, dynamodb: ddb.client, where: 'in this process', stop: async () => void (await Promise.all([s3.stop(), ddb.stop()])) };
  }
  const child = spawnSelf(['--serve'], ['pipe', 'pipe', 'inherit']);
  const endpoints = await new Promise<Endpoints>((resolvePromise, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolvePromise(JSON.parse(out.slice(0, out.indexOf('\n'))) as Endpoints);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
  // The same client settings as the test helpers'.
  const s3 = localS3Client(endpoints.s3);
  const dynamodb = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    s3,
    dynamodb,
    where: `in a child process (pid ${child.pid ?? '?'})`,
    stop: async () => {
      s3.destroy();
      dynamodb.destroy();
      const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
      child.stdin?.end();
      await exited;
    },
  };
}

/** Runs this file again with other arguments: tsx's loader comes along in execArgv, none is needed for the compiled file. */
function spawnSelf(args: string[], stdio: Array<'ignore' | 'inherit' | 'pipe'>): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, __filename, ...args], { stdio });
}

// --- counting what the handler does ------------------------------------------------------------

/** Metrics that also keep running totals of what the handler reports (Events, NewFindings, Findings_<severity>, …). */
class TallyMetrics extends Metrics {
  readonly totals = new Map<string, number>();

  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    const [name, , value] = args;
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
    return super.addMetric(...args);
  }

  total(name: string): number {
    return this.totals.get(name) ?? 0;
  }
}

interface DynamoCounts {
  /** By operation and item kind: the `pk` prefix (`F#` findings, `S#` detector state, others as the handler grows). */
  requests: Map<string, number>;
  /** New findings stored, by rule. */
  findingsByRule: Map<string, number>;
  writeUnits: number;
  readUnits: number;
  /** Conditional writes that failed: AWS charges them too; counted at 1 WRU each (dynalite reports no capacity for them). */
  conditionalFailures: number;
  /** Wall time with at least one DynamoDB request in flight. */
  busySeconds: number;
  /** Round trips as if sequential: each request counts 1 / the requests in flight when it starts. */
  roundTrips: number;
  /** Sum of every request's own duration. */
  latencySeconds: number;
}

interface Counters {
  s3: Map<string, number>;
  sns: Map<string, number>;
  dynamo: DynamoCounts;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const isWrite = (request: string): boolean => WRITES.has(request.split(' ')[0]);

const bump = (counts: Map<string, number>, key: string, by = 1): void => {
  counts.set(key, (counts.get(key) ?? 0) + by);
};

const sumOf = (counts: Map<string, number>, keep: (key: string) => boolean): number => [...counts].filter(([k]) => keep(k)).reduce((sum, [, n]) => sum + n, 0);

const sumCapacity = (capacity: ConsumedCapacity | ConsumedCapacity[] | undefined): number =>
  (Array.isArray(capacity) ? capacity : capacity ? [capacity] : []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);

/** The item a single-item request names, as the document client's input holds it (not yet marshalled). */
function itemOf(input: object): { pk?: unknown; ruleId?: unknown } | undefined {
  const { Item, Key } = input as { Item?: { pk?: unknown; ruleId?: unknown }; Key?: { pk?: unknown } };
  return Item ?? Key;
}

/**
 * Counts every command the handler sends, with a middleware on each client (the document client
 * the handler builds shares the DynamoDB client's stack). DynamoDB requests ask dynalite for the
 * capacity they consumed; the adapters ignore the extra output.
 */
function instrument(clients: { s3: S3Client; sns: SNSClient; dynamodb: DynamoDBClient }): Counters {
  const counters: Counters = {
    s3: new Map(),
    sns: new Map(),
    dynamo: { requests: new Map(), findingsByRule: new Map(), writeUnits: 0, readUnits: 0, conditionalFailures: 0, busySeconds: 0, roundTrips: 0, latencySeconds: 0 },
  };
  clients.s3.middlewareStack.add(
    (next, context) => (args) => {
      bump(counters.s3, (context.commandName ?? '?').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'benchCountS3' },
  );
  clients.sns.middlewareStack.add(
    (next, context) => (args) => {
      bump(counters.sns, (context.commandName ?? '?').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'benchCountSns' },
  );
  const dynamo = counters.dynamo;
  let inFlight = 0;
  let busySince = 0n;
  clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? '?').replace(/Command$/, '');
      const item = itemOf(args.input);
      const kind = typeof item?.pk === 'string' ? ` ${item.pk.split('#')[0]}#` : '';
      bump(dynamo.requests, `${operation}${kind}`);
      if (inFlight++ === 0) busySince = process.hrtime.bigint();
      dynamo.roundTrips += 1 / inFlight; // 1 alone, less when it overlaps others
      const started = process.hrtime.bigint();
      try {
        const result = await next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } });
        const units = sumCapacity((result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity);
        if (isWrite(operation)) dynamo.writeUnits += units;
        else dynamo.readUnits += units;
        if (operation === 'PutItem' && kind === ' F#') bump(dynamo.findingsByRule, String(item?.ruleId));
        return result;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') {
          dynamo.conditionalFailures++;
          dynamo.writeUnits += 1;
        }
        throw error;
      } finally {
        dynamo.latencySeconds += Number(process.hrtime.bigint() - started) / 1e9;
        if (--inFlight === 0) dynamo.busySeconds += Number(process.hrtime.bigint() - busySince) / 1e9;
      }
    },
    { step: 'initialize', name: 'benchCountDynamoDb' },
  );
  return counters;
}

// --- driving the handler -----------------------------------------------------------------------

interface StoredObject {
  key: string;
  size: number;
}

const lambdaContext = (n: number): Context =>
  ({
    functionName: 'analyzer',
    awsRequestId: `bench-${n}`,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:analyzer',
    memoryLimitInMB: '1024',
    functionVersion: '$LATEST',
  }) as unknown as Context;

/** Peak RSS seen by sampling (the event loop must breathe for a sample to be taken). */
class RssSampler {
  peak = process.memoryUsage.rss();
  private readonly timer = setInterval(() => this.sample(), 10);

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

interface HandlerRun {
  wallSeconds: number;
  cpuSeconds: number;
  /** Per invocation. */
  durations: number[];
  cpuDurations: number[];
  failedRecords: number;
  rssBefore: number;
  peakRss: number;
  maxRssBeforeKiB: number;
  maxRssKiB: number;
}

/** Batches of `batchSize` records, one invocation after the other: one function instance. */
async function runHandler(handler: AnalyzerHandler, objects: StoredObject[], batchSize: number): Promise<HandlerRun> {
  global.gc?.();
  const rssBefore = process.memoryUsage.rss();
  const maxRssBeforeKiB = process.resourceUsage().maxRSS;
  const sampler = new RssSampler();
  const durations: number[] = [];
  const cpuDurations: number[] = [];
  let failedRecords = 0;
  const cpuStart = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < objects.length; i += batchSize) {
    const event: SQSEvent = { Records: objects.slice(i, i + batchSize).map((object, j) => s3Record(`m-${i + j}`, BUCKET, object.key)) };
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    const response = await handler(event, lambdaContext(i / batchSize));
    durations.push(Number(process.hrtime.bigint() - t) / 1e9);
    const used = process.cpuUsage(cpu);
    cpuDurations.push((used.user + used.system) / 1e6);
    failedRecords += response.batchItemFailures.length;
    sampler.sample();
  }
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuUsed = process.cpuUsage(cpuStart);
  sampler.stop();
  return {
    wallSeconds,
    cpuSeconds: (cpuUsed.user + cpuUsed.system) / 1e6,
    durations,
    cpuDurations,
    failedRecords,
    rssBefore,
    peakRss: sampler.peak,
    maxRssBeforeKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

// --- the baseline: gunzip + JSON.parse, nothing else -------------------------------------------

interface CloudWatchRecord {
  messageType?: string;
  logEvents?: Array<{ message: string }>;
}

const RECORD_START = '{"messageType":';

/**
 * The bare cost of reading an object: both gzip layers, JSON.parse of every CloudWatch record and
 * of every audit event in it. Records are cut where the next one begins (`}{"messageType":`
 * cannot occur inside a JSON string, whose quotes are escaped).
 */
function bareParse(object: Buffer): { events: number; bytes: number } {
  const text = gunzipSync(gunzipSync(object)).toString('utf8');
  let events = 0;
  for (let start = 0; start < text.length; ) {
    const next = text.indexOf(`}${RECORD_START}`, start);
    const end = next === -1 ? text.length : next + 1;
    const record = JSON.parse(text.slice(start, end)) as CloudWatchRecord;
    if (record.messageType === 'DATA_MESSAGE') {
      for (const logEvent of record.logEvents ?? []) {
        const event = JSON.parse(logEvent.message) as { kind?: unknown };
        if (event.kind === 'Event') events++;
      }
    }
    start = end;
  }
  return { events, bytes: Buffer.byteLength(text) };
}

function runBaseline(dir: string, meta: InputMeta): { seconds: number; events: number; decodedBytes: number } {
  const started = process.hrtime.bigint();
  let events = 0;
  let decodedBytes = 0;
  for (const f of meta.files) {
    const r = bareParse(readFileSync(join(dir, f.file)));
    events += r.events;
    decodedBytes += r.bytes;
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, events, decodedBytes };
}

// --- formatting --------------------------------------------------------------------------------

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const usd = (n: number): string => (n === 0 ? '$0' : n < 0.001 ? `$${n.toPrecision(2)}` : `$${n.toFixed(4)}`);
const pct = (part: number, whole: number): string => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(0)}%`);
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const cpuModel = (): string => (os.cpus()[0]?.model ?? 'unknown CPU').trim();
const list = (counts: Map<string, number>): string => [...counts].map(([k, n]) => `${k} ${fmt(n)}`).join(', ') || 'none';
const top = (counts: Map<string, number>, n: number): string => list(new Map([...counts].sort((a, b) => b[1] - a[1]).slice(0, n)));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A Markdown table; columns from `rightFrom` on are right-aligned. */
function table(header: string[], rows: string[][], rightFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i >= rightFrom ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

// --- the report --------------------------------------------------------------------------------

interface Results {
  meta: InputMeta;
  batchSize: number;
  inProcessServers: boolean;
  run: HandlerRun;
  base: { seconds: number; events: number; decodedBytes: number };
  metrics: TallyMetrics;
  counters: Counters;
  received: number;
}

function printFigures({ meta, inProcessServers, run, base, metrics, counters, received }: Results): void {
  const events = metrics.total('Events');
  const perMillion = (n: number): string => fmt(events === 0 ? 0 : (n * MILLION) / events, 1);
  const wall = run.wallSeconds;
  const { dynamo } = counters;
  const findings = SEVERITIES.map((s) => [s, metrics.total(`Findings_${s}`)] as const);
  const findingsTotal = findings.reduce((sum, [, n]) => sum + n, 0);
  const publishes = counters.sns.get('Publish') ?? 0;
  console.log(
    table(
      ['figure', 'value'],
      [
        ['objects / events (as the handler counted them)', `${fmt(metrics.total('Objects'))} / ${fmt(events)}`],
        ['compressed MB (the S3 objects)', fmt(metrics.total('Bytes') / MB, 1)],
        ['uncompressed MB: CloudWatch JSON (both gzip layers off) / the audit events as JSON lines', `${fmt(base.decodedBytes / MB, 1)} / ${fmt(meta.auditJsonBytes / MB, 1)}`],
        ['wall time s', fmt(wall, 2)],
        [
          `process CPU s (user+sys: zlib and GC threads included${inProcessServers ? ', s3rver and dynalite too' : ''})`,
          `${fmt(run.cpuSeconds, 2)} (${(run.cpuSeconds / wall).toFixed(2)}× wall)`,
        ],
        ['events/s per instance', fmt(events / wall)],
        ['uncompressed MB/s per instance (CloudWatch JSON / audit JSON lines)', `${fmt(base.decodedBytes / MB / wall, 1)} / ${fmt(meta.auditJsonBytes / MB / wall, 1)}`],
        ['invocation duration mean / p95 / max s', `${fmt(mean(run.durations), 3)} / ${fmt(percentile(run.durations, 95), 3)} / ${fmt(Math.max(...run.durations), 3)}`],
        ['invocation CPU mean / p95 s', `${fmt(mean(run.cpuDurations), 3)} / ${fmt(percentile(run.cpuDurations, 95), 3)}`],
        ['RSS before the handler / peak sampled every 10 ms MiB', `${fmt(run.rssBefore / MIB)} / ${fmt(run.peakRss / MIB)}`],
        ['maxRSS (resourceUsage) before → after the handler MiB', `${fmt(run.maxRssBeforeKiB / 1024)} → ${fmt(run.maxRssKiB / 1024)}`],
        ['failed SQS records / malformed lines / incomplete objects', `${fmt(run.failedRecords)} / ${fmt(metrics.total('MalformedLines'))} / ${fmt(metrics.total('IncompleteObjects'))}`],
        ['S3 requests', list(counters.s3)],
        ['DynamoDB requests (by item kind: F# finding, S# detector state, A# alert cooldown)', `${list(dynamo.requests)}; conditional-check failures ${fmt(dynamo.conditionalFailures)}`],
        [
          'DynamoDB: time with a request in flight s / mean request ms / round trips as if sequential (each 1/in flight)',
          `${fmt(dynamo.busySeconds, 2)} (${pct(dynamo.busySeconds, wall)} of wall) / ${fmt((1000 * dynamo.latencySeconds) / Math.max(1, sumOf(dynamo.requests, () => true)), 1)} / ${fmt(dynamo.roundTrips)}`,
        ],
        ['DynamoDB write requests / WRU per million events', `${perMillion(sumOf(dynamo.requests, isWrite))} / ${perMillion(dynamo.writeUnits)}`],
        ['DynamoDB read requests / RRU per million events', `${perMillion(sumOf(dynamo.requests, (k) => !isWrite(k)))} / ${perMillion(dynamo.readUnits)}`],
        ['SNS publishes: sent / received by the endpoint / per million events', `${fmt(publishes)} / ${fmt(received)} / ${perMillion(publishes)}`],
        ['findings / new findings / findings per million events', `${fmt(findingsTotal)} / ${fmt(metrics.total('NewFindings'))} / ${perMillion(findingsTotal)}`],
        ['findings by severity', findings.map(([s, n]) => `${s} ${fmt(n)}`).join(', ')],
        ['new findings by rule (top 6)', top(dynamo.findingsByRule, 6)],
        ["the handler's metrics (totals; ProcessingLag left out)", list(new Map([...metrics.totals].filter(([name]) => name !== 'ProcessingLag')))],
      ],
      2,
    ),
  );
  console.log('');
  console.log('baseline, same process, same objects from the local files: gunzip (both layers) + JSON.parse of every record and every event, nothing else');
  console.log('');
  console.log(
    table(
      ['case', 's', 'events', 'k events/s', 'MB/s (CloudWatch JSON)', 'time vs baseline'],
      [
        ['analyzer handler (S3 GET, read, detect, store, alert)', fmt(wall, 2), fmt(events), fmt(events / wall / 1000, 1), fmt(base.decodedBytes / MB / wall, 1), `${(wall / base.seconds).toFixed(2)}×`],
        ['baseline: gunzip + JSON.parse', fmt(base.seconds, 2), fmt(base.events), fmt(base.events / base.seconds / 1000, 1), fmt(base.decodedBytes / MB / base.seconds, 1), '1.00×'],
      ],
    ),
  );
  if (base.events !== events) console.log(`note: the baseline parsed ${fmt(base.events)} events, the handler counted ${fmt(events)}`);
  console.log('');
}

function printCost({ meta, batchSize, inProcessServers, run, metrics, counters }: Results): void {
  const events = metrics.total('Events');
  const perMillion = (n: number): number => (events === 0 ? 0 : (n * MILLION) / events);
  const invocations = run.durations.length;
  const { dynamo } = counters;
  const sqsRequests = invocations * 2 + meta.objects; // a receive and a delete per batch, S3's send per object
  const publishes = counters.sns.get('Publish') ?? 0;
  const gets = counters.s3.get('GetObject') ?? 0;
  const services = {
    lambdaRequests: perMillion(invocations) * PRICE.lambdaRequest,
    sqs: perMillion(sqsRequests) * PRICE.sqsRequest,
    dynamoWrites: perMillion(dynamo.writeUnits) * PRICE.dynamoWriteUnit,
    dynamoReads: perMillion(dynamo.readUnits) * PRICE.dynamoReadUnit,
    sns: perMillion(publishes) * PRICE.snsPublish,
    s3Get: perMillion(gets) * PRICE.s3Get,
  };
  const servicesTotal = Object.values(services).reduce((a, b) => a + b, 0);
  const guardDuty = MILLION * PRICE.guardDutyEvent;
  // An invocation on Lambda: its CPU time, all on one vCPU (zlib and GC threads included: here they
  // may use the second core), slowed by 1769/M below a full vCPU. Waits are left out: the batch's
  // records run concurrently (Powertools' BatchProcessor), so one record's DynamoDB round trip
  // overlaps another's CPU work; the sensitivity line below bounds what they could add.
  const columns = MEMORY_SIZES_MB.map((memory) => {
    const scale = Math.max(1, FULL_VCPU_MB / memory);
    const seconds = run.cpuDurations.map((cpu) => Math.ceil(cpu * scale * 1000) / 1000); // billed per ms
    const gbSeconds = perMillion(seconds.reduce((a, b) => a + b, 0)) * (memory / 1024);
    const compute = gbSeconds * PRICE.lambdaGbSecond;
    return { memory, share: 1 / scale, meanS: mean(seconds), p95S: percentile(seconds, 95), gbSeconds, compute, total: compute + servicesTotal };
  });
  const row = (label: string, cell: (c: (typeof columns)[number]) => string): string[] => [label, ...columns.map(cell)];

  console.log('cost per million audit events, Lambda arm64, us-east-1 list prices:');
  console.log(
    `assumptions: Lambda gives memory/${FULL_VCPU_MB} MB of one vCPU, and one core of this machine (${cpuModel()}) ≈ one Lambda vCPU (Graviton differs); ` +
      `CPU-bound: an invocation lasts its CPU time here (all threads) × max(1, ${FULL_VCPU_MB}/memory), its waits overlapping other records' work` +
      `${inProcessServers ? " (and the local servers' CPU counted as the handler's: --in-process-servers)" : ''}; ` +
      `SQS = a receive and a delete per batch + S3's send per object (idle long polling not counted); DynamoDB units as dynalite computes them ` +
      `(1 WRU per KB written, 1 RRU per 4 KB strongly consistent read, failed conditional writes 1 WRU); Firehose's S3 PUTs, KMS, CloudWatch Logs and the reporter not counted.`,
  );
  console.log('');
  console.log(
    table(
      ['per million events', ...columns.map((c) => `${c.memory} MB`)],
      [
        row('CPU share of one vCPU', (c) => c.share.toFixed(2)),
        row(`est. invocation duration mean / p95 s (${batchSize} objects)`, (c) => `${fmt(c.meanS, 2)} / ${fmt(c.p95S, 2)}`),
        row('Lambda GB-seconds', (c) => fmt(c.gbSeconds, 1)),
        row('Lambda compute', (c) => usd(c.compute)),
        row(`Lambda requests (${fmt(perMillion(invocations), 1)})`, () => usd(services.lambdaRequests)),
        row(`SQS requests (${fmt(perMillion(sqsRequests), 1)})`, () => usd(services.sqs)),
        row(`DynamoDB writes (${fmt(perMillion(dynamo.writeUnits), 1)} WRU)`, () => usd(services.dynamoWrites)),
        row(`DynamoDB reads (${fmt(perMillion(dynamo.readUnits), 1)} RRU)`, () => usd(services.dynamoReads)),
        row(`SNS publishes (${fmt(perMillion(publishes), 1)})`, () => usd(services.sns)),
        row(`S3 GETs (${fmt(perMillion(gets), 1)})`, () => usd(services.s3Get)),
        row('total', (c) => usd(c.total)),
        row('GuardDuty EKS audit-log monitoring', () => usd(guardDuty)),
        row('GuardDuty ÷ analyzer', (c) => `${fmt(guardDuty / c.total, 1)}×`),
      ],
    ),
  );
  // Waiting on DynamoDB is billed as duration at every memory size and does not shrink with more CPU.
  const roundTripsPerMillion = perMillion(dynamo.roundTrips);
  const perMs = columns.map((c) => `${usd((roundTripsPerMillion / 1000) * (c.memory / 1024) * PRICE.lambdaGbSecond)} at ${c.memory} MB`).join(', ');
  console.log(
    `sensitivity: were no DynamoDB wait overlapped by other work, each ms of round trip would add ${fmt(roundTripsPerMillion / 1000, 1)} s per million events ` +
      `(${fmt(roundTripsPerMillion)} round trips as if sequential): ${perMs}`,
  );
  const peakMiB = Math.max(run.peakRss, run.maxRssKiB * 1024) / MIB;
  const headroom = MEMORY_SIZES_MB.map((m) => `${pct(m - peakMiB, m)} at ${m} MB`).join(', ');
  console.log(
    `memory: peak RSS ${fmt(peakMiB)} MiB with ${batchSize} objects read at once (the batch's records run concurrently)${inProcessServers ? ', the local servers included' : ''}; headroom ${headroom}`,
  );
}

// --- main --------------------------------------------------------------------------------------

interface Options {
  params: Params;
  batchSize: number;
  inProcessServers: boolean;
  generate?: string;
  serve: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string' },
      'events-per-object': { type: 'string', default: '4000' },
      'events-per-record': { type: 'string', default: '40' },
      'batch-size': { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      'in-process-servers': { type: 'boolean', default: false },
      generate: { type: 'string' }, // internal: the child that writes the input
      serve: { type: 'boolean', default: false }, // internal: the child that runs s3rver and dynalite
    },
  });
  const positive = (name: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${value}`);
    return n;
  };
  return {
    params: {
      objects: positive('objects', values.objects ?? (values.quick ? '20' : '200')),
      eventsPerObject: positive('events-per-object', values['events-per-object']),
      eventsPerRecord: positive('events-per-record', values['events-per-record']),
      seed: positive('seed', values.seed),
    },
    batchSize: positive('batch-size', values['batch-size']),
    inProcessServers: values['in-process-servers'],
    generate: values.generate,
    serve: values.serve,
  };
}

async function main(): Promise<void> {
  const { params, batchSize, inProcessServers, generate, serve: isServer } = parseOptions();
  if (generate) return generateInput(generate, params);
  if (isServer) return serve();

  console.log('# k8s-audit-analyzer: analyzer Lambda handler benchmark');
  console.log(`node ${process.version}, ${os.cpus().length} × ${cpuModel()}, ${os.platform()}/${os.arch()}, ${new Date().toISOString().slice(0, 10)}; load average ${load()}`);
  const { dir, meta } = await ensureInput(params);
  console.log(
    `input: ${dir.slice(repoRoot().length + 1)}: ${fmt(meta.objects)} EKS Firehose objects (gzip around gzip members of CloudWatch DATA_MESSAGE records, ` +
      `${meta.eventsPerRecord} events per record), ${fmt(meta.events)} events, ${fmt(meta.auditJsonBytes / MB, 1)} MB as audit JSON lines, ` +
      `${fmt(meta.compressedBytes / MB, 1)} MB stored (${fmt(meta.compressedBytes / meta.objects / MIB, 2)} MiB per object)`,
  );

  process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // no EMF lines on stdout; the tally still counts
  const [servers, sns] = await Promise.all([startServers(inProcessServers), startLocalSns()]);
  const { s3, dynamodb } = servers;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await createFindingsTable(dynamodb, TABLE);
    const uploadStarted = process.hrtime.bigint();
    const objects: StoredObject[] = [];
    for (const [i, f] of meta.files.entries()) {
      const key = `eks/${CLUSTER}/2025/03/04/audit-firehose-1-2025-03-04-${String(i).padStart(5, '0')}.gz`; // nothing to URL-encode
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(join(dir, f.file)) }));
      objects.push({ key, size: f.bytes });
    }
    console.log(`put into s3rver with the S3 client in ${(Number(process.hrtime.bigint() - uploadStarted) / 1e9).toFixed(1)} s; s3rver and dynalite run ${servers.where}, the SNS endpoint in this process`);

    const counters = instrument({ s3, sns: sns.client, dynamodb });
    const metrics = new TallyMetrics({ namespace: 'K8sAuditAnalyzerBench', serviceName: 'analyzer' });
    const handler = makeHandler({
      s3,
      dynamodb,
      sns: sns.client,
      findingsTable: TABLE,
      alertsTopicArn: TOPIC,
      minAlertSeverity: 'high',
      logger: new Logger({ serviceName: 'analyzer-bench', logLevel: 'SILENT' }),
      metrics,
    });
    const run = await runHandler(handler, objects, batchSize);
    const base = runBaseline(dir, meta);

    console.log(`handler: ${fmt(objects.length)} objects in ${fmt(run.durations.length)} invocations of up to ${batchSize} SQS records, one after the other (one instance); load average now ${load()}`);
    console.log('');
    const results: Results = { meta, batchSize, inProcessServers, run, base, metrics, counters, received: sns.published.length };
    printFigures(results);
    printCost(results);
    console.log(`(one Node process on this machine, not Lambda: indicative figures; load average at the end ${load()})`);
  } finally {
    await Promise.all([servers.stop(), sns.stop()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
