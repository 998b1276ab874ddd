/**
 * Analyzer Lambda benchmark, for the cost model in docs/deploy.md: the real handler (`makeHandler`) driven
 * in-process with SQS batches of S3 notifications, one invocation after the other (one function
 * instance), against s3rver, dynalite and a local SNS endpoint. Objects are EKS Firehose objects
 * (gzip around gzip members of CloudWatch Logs DATA_MESSAGE records) of the generator's realistic
 * traffic. Prints figures, a bare gunzip + JSON.parse baseline, and a cost estimate per million
 * audit events next to GuardDuty's price; then, optionally, the findings and cost with and without
 * a rules configuration side by side; the end-to-end lag from S3 put to SNS publish; and a cost
 * model per cluster and month at a quiet and a busy traffic profile (devkit/cost-model.ts), with
 * the log delivery costs apart. Asserts nothing. Usage and flags: USAGE below (`--help`).
 *
 * s3rver and dynalite run in a child process by default, so that this process's CPU time and RSS
 * are the handler's alone (in this process, dynalite's own work would be billed as the Lambda's);
 * the SNS endpoint (a few requests) runs in this process. Objects are generated in a child process
 * too, into bench/out/ (git-ignored), and reused while their parameters match.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchOptions, wholeNumber } from './args';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSEvent } from 'aws-lambda';
import type { AnalyzerHandler } from '../lambdas/analyzer/handler';
import { makeHandler } from '../lambdas/analyzer/handler';
import { configFromEnvironment } from '../lambdas/commons/analyzer-config';
import { SEMI_SPACE_FLAG } from '../lambdas/commons/young-generation';
import type { Config } from '../lambdas/core/config/types';
import { SEVERITIES } from '../lambdas/core/finding';
import { s3Record } from '../devkit/lambda-events';
import { createFindingsTable, startLocalDynamoDb } from '../devkit/local-dynamodb';
import { repoRoot } from '../devkit/paths';
import { localS3Client, startLocalS3 } from '../devkit/local-s3';
import type { LocalSns } from '../devkit/local-sns';
import { startLocalSns } from '../devkit/local-sns';
import type { FirehoseMode, MonthlyCost, Rates, Traffic } from '../devkit/cost-model';
import { BREAKDOWN_LABELS, bufferedBytesPerEvent, firehoseBilledBytes, GIB, HOURS_PER_MONTH, monthlyCost, PRICES } from '../devkit/cost-model';
import { auditLines, GENERATOR_VERSION } from '../devkit/generate';
import type { Ev } from '../devkit/shipping';
import { cloudWatchRecord, firehoseGzip } from '../devkit/shipping';

const MB = 1e6;
const MIB = 1024 * 1024;
const MILLION = 1e6;
const BUCKET = 'audit-logs';
const TABLE = 'findings';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:k8s-audit-alerts';
const CLUSTER = 'prod-eu';

/** us-east-1 list prices (check the price pages before quoting them): devkit/cost-model.ts. */
const PRICE = {
  lambdaGbSecond: PRICES.lambdaGbSecond, // arm64
  lambdaRequest: PRICES.lambdaRequest,
  sqsRequest: PRICES.sqsRequest,
  dynamoWriteUnit: PRICES.dynamoWriteUnit, // on-demand
  dynamoReadUnit: PRICES.dynamoReadUnit,
  snsPublish: PRICES.snsPublish,
  s3Get: PRICES.s3Get,
  guardDutyEvent: PRICES.guardDuty[0].perMillion / MILLION, // EKS audit-log monitoring, first 100M events a month
};
/** Lambda gives a function memory/1769 MB of one vCPU (a full vCPU at 1769 MB). */
const FULL_VCPU_MB = 1769;
const MEMORY_SIZES_MB = [512, 1024, 1769];
/** The analyzer's configured memory (the stack's `analyzerMemoryMb` default): the cost model's. */
const DEPLOYED_MEMORY_MB = 1024;
/** The cost model's traffic profiles, per cluster. */
const QUIET_EVENTS_PER_HOUR = 100;
const BUSY_EVENTS_PER_HOUR = 350_000;
/** Firehose buffering assumed for the cost model and the lag: 60 s or 5 MiB; the 900 s variant too. */
const FIREHOSE_BUFFER_SECONDS = 60;
const FIREHOSE_BUFFER_SECONDS_MAX = 900;
const FIREHOSE_BUFFER_MIB = 5;
/** The stack's SQS event source: batches of 10, a 5 s batching window. */
const SQS_BATCHING_WINDOW_SECONDS = 5;
/** Tiny objects (a quiet minute: 2 events) timed for the least an object costs in Lambda time. */
const TINY_OBJECTS = 20;
const TINY_EVENTS = 2;
const FIGURES_FILE = (): string => join(repoRoot(), 'bench', 'out', 'analyzer-cost-figures.json');

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
  const args = [
    '--generate',
    dir,
    '--objects',
    String(p.objects),
    '--events-per-object',
    String(p.eventsPerObject),
    '--events-per-record',
    String(p.eventsPerRecord),
    '--seed',
    String(p.seed),
  ];
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
  /** Capacity units by request (as `requests` names them): the coverage and registry writes are per object. */
  unitsByRequest: Map<string, number>;
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

const freshCounters = (): Counters => ({
  s3: new Map(),
  sns: new Map(),
  dynamo: {
    requests: new Map(),
    findingsByRule: new Map(),
    writeUnits: 0,
    readUnits: 0,
    unitsByRequest: new Map(),
    conditionalFailures: 0,
    busySeconds: 0,
    roundTrips: 0,
    latencySeconds: 0,
  },
});

/** The counters of the current run (`reset` starts the next run's), and when each SNS publish was acknowledged. */
interface Probe {
  counters: Counters;
  /** process.hrtime.bigint() when each Publish's response was back: the endpoint has the message. */
  publishAcks: bigint[];
  reset(): Counters;
}

/**
 * Counts every command the handler sends, with a middleware on each client (the document client
 * the handler builds shares the DynamoDB client's stack). DynamoDB requests ask dynalite for the
 * capacity they consumed; the adapters ignore the extra output. Installed once per client: the
 * middlewares count into whatever `probe.counters` is when a request starts.
 */
function instrument(clients: { s3: S3Client; sns: SNSClient; dynamodb: DynamoDBClient }): Probe {
  const probe: Probe = {
    counters: freshCounters(),
    publishAcks: [],
    reset: () => {
      probe.counters = freshCounters();
      probe.publishAcks = [];
      return probe.counters;
    },
  };
  clients.s3.middlewareStack.add(
    (next, context) => (args) => {
      bump(probe.counters.s3, (context.commandName ?? '?').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'benchCountS3' },
  );
  clients.sns.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? '?').replace(/Command$/, '');
      bump(probe.counters.sns, command);
      const result = await next(args);
      if (command === 'Publish') probe.publishAcks.push(process.hrtime.bigint());
      return result;
    },
    { step: 'initialize', name: 'benchCountSns' },
  );
  let inFlight = 0;
  let busySince = 0n;
  clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const dynamo = probe.counters.dynamo;
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
        bump(dynamo.unitsByRequest, `${operation}${kind}`, units);
        if (operation === 'PutItem' && kind === ' F#') bump(dynamo.findingsByRule, String(item?.ruleId));
        return result;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') {
          dynamo.conditionalFailures++;
          dynamo.writeUnits += 1;
          bump(dynamo.unitsByRequest, `${operation}${kind}`, 1);
        }
        throw error;
      } finally {
        dynamo.latencySeconds += Number(process.hrtime.bigint() - started) / 1e9;
        if (--inFlight === 0) dynamo.busySeconds += Number(process.hrtime.bigint() - busySince) / 1e9;
      }
    },
    { step: 'initialize', name: 'benchCountDynamoDb' },
  );
  return probe;
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
function bareParse(object: Buffer): { events: number; bytes: number; firehoseBytes: number } {
  const received = gunzipSync(object); // the gzipped CloudWatch records, as Firehose received them
  const text = gunzipSync(received).toString('utf8');
  let events = 0;
  for (let start = 0; start < text.length;) {
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
  return { events, bytes: Buffer.byteLength(text), firehoseBytes: received.length };
}

interface Baseline {
  seconds: number;
  events: number;
  decodedBytes: number;
  /** The objects with Firehose's own gzip layer off: the gzipped CloudWatch records it received (its buffer and ingestion count these). */
  firehoseBytes: number;
}

function runBaseline(dir: string, meta: InputMeta): Baseline {
  const started = process.hrtime.bigint();
  let events = 0;
  let decodedBytes = 0;
  let firehoseBytes = 0;
  for (const f of meta.files) {
    const r = bareParse(readFileSync(join(dir, f.file)));
    events += r.events;
    decodedBytes += r.bytes;
    firehoseBytes += r.firehoseBytes;
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, events, decodedBytes, firehoseBytes };
}

// --- formatting --------------------------------------------------------------------------------

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const usd = (n: number): string => (n === 0 ? '$0' : n < 0.001 ? `$${n.toPrecision(2)}` : `$${n.toFixed(4)}`);
const pct = (part: number, whole: number): string => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(0)}%`);
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
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
  base: Baseline;
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
        [
          'uncompressed MB: CloudWatch JSON (both gzip layers off) / the audit events as JSON lines',
          `${fmt(base.decodedBytes / MB, 1)} / ${fmt(meta.auditJsonBytes / MB, 1)}`,
        ],
        ['wall time s', fmt(wall, 2)],
        [
          `process CPU s (user+sys: zlib and GC threads included${inProcessServers ? ', s3rver and dynalite too' : ''})`,
          `${fmt(run.cpuSeconds, 2)} (${(run.cpuSeconds / wall).toFixed(2)}× wall)`,
        ],
        ['events/s per instance', fmt(events / wall)],
        [
          'uncompressed MB/s per instance (CloudWatch JSON / audit JSON lines)',
          `${fmt(base.decodedBytes / MB / wall, 1)} / ${fmt(meta.auditJsonBytes / MB / wall, 1)}`,
        ],
        [
          'invocation duration mean / p95 / max s',
          `${fmt(mean(run.durations), 3)} / ${fmt(percentile(run.durations, 95), 3)} / ${fmt(Math.max(...run.durations), 3)}`,
        ],
        ['invocation CPU mean / p95 s', `${fmt(mean(run.cpuDurations), 3)} / ${fmt(percentile(run.cpuDurations, 95), 3)}`],
        ['RSS before the handler / peak sampled every 10 ms MiB', `${fmt(run.rssBefore / MIB)} / ${fmt(run.peakRss / MIB)}`],
        ['maxRSS (resourceUsage) before → after the handler MiB', `${fmt(run.maxRssBeforeKiB / 1024)} → ${fmt(run.maxRssKiB / 1024)}`],
        [
          'failed SQS records / malformed lines / incomplete objects',
          `${fmt(run.failedRecords)} / ${fmt(metrics.total('MalformedLines'))} / ${fmt(metrics.total('IncompleteObjects'))}`,
        ],
        ['S3 requests', list(counters.s3)],
        [
          'DynamoDB requests (by item kind: F# finding, S# detector state, A# alert cooldown)',
          `${list(dynamo.requests)}; conditional-check failures ${fmt(dynamo.conditionalFailures)}`,
        ],
        [
          'DynamoDB: time with a request in flight s / mean request ms / round trips as if sequential (each 1/in flight)',
          `${fmt(dynamo.busySeconds, 2)} (${pct(dynamo.busySeconds, wall)} of wall) / ${fmt(
            (1000 * dynamo.latencySeconds) /
              Math.max(
                1,
                sumOf(dynamo.requests, () => true),
              ),
            1,
          )} / ${fmt(dynamo.roundTrips)}`,
        ],
        ['DynamoDB write requests / WRU per million events', `${perMillion(sumOf(dynamo.requests, isWrite))} / ${perMillion(dynamo.writeUnits)}`],
        ['DynamoDB read requests / RRU per million events', `${perMillion(sumOf(dynamo.requests, (k) => !isWrite(k)))} / ${perMillion(dynamo.readUnits)}`],
        [
          'DynamoDB capacity units per million events, by request',
          [...dynamo.unitsByRequest]
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `${k} ${perMillion(n)}`)
            .join(', ') || 'none',
        ],
        ['SNS publishes: sent / received by the endpoint / per million events', `${fmt(publishes)} / ${fmt(received)} / ${perMillion(publishes)}`],
        [
          'findings / new findings / findings per million events',
          `${fmt(findingsTotal)} / ${fmt(metrics.total('NewFindings'))} / ${perMillion(findingsTotal)}`,
        ],
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
        [
          'analyzer handler (S3 GET, read, detect, store, alert)',
          fmt(wall, 2),
          fmt(events),
          fmt(events / wall / 1000, 1),
          fmt(base.decodedBytes / MB / wall, 1),
          `${(wall / base.seconds).toFixed(2)}×`,
        ],
        [
          'baseline: gunzip + JSON.parse',
          fmt(base.seconds, 2),
          fmt(base.events),
          fmt(base.events / base.seconds / 1000, 1),
          fmt(base.decodedBytes / MB / base.seconds, 1),
          '1.00×',
        ],
      ],
    ),
  );
  if (base.events !== events) console.log(`note: the baseline parsed ${fmt(base.events)} events, the handler counted ${fmt(events)}`);
  console.log('');
}

/** What the services other than Lambda's compute cost per million events in a run: the counted requests at list prices. */
function serviceCosts(objects: number, run: HandlerRun, metrics: TallyMetrics, counters: Counters) {
  const events = metrics.total('Events');
  const perMillion = (n: number): number => (events === 0 ? 0 : (n * MILLION) / events);
  const invocations = run.durations.length;
  const { dynamo } = counters;
  const sqsRequests = invocations * 2 + objects; // a receive and a delete per batch, S3's send per object
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
  const total = Object.values(services).reduce((a, b) => a + b, 0);
  return { perMillion, invocations, sqsRequests, publishes, gets, services, total };
}

/**
 * An invocation on Lambda: its CPU time, all on one vCPU (zlib and GC threads included: here they
 * may use the second core), slowed by 1769/M below a full vCPU. Waits are left out: the batch's
 * records run concurrently (Powertools' BatchProcessor), so one record's DynamoDB round trip
 * overlaps another's CPU work; printCost's sensitivity line bounds what they could add.
 */
function lambdaCompute(run: HandlerRun, events: number, memory: number) {
  const scale = Math.max(1, FULL_VCPU_MB / memory);
  const seconds = run.cpuDurations.map((cpu) => Math.ceil(cpu * scale * 1000) / 1000); // billed per ms
  const totalSeconds = seconds.reduce((a, b) => a + b, 0);
  const gbSeconds = (events === 0 ? 0 : (totalSeconds * MILLION) / events) * (memory / 1024);
  return { scale, seconds, totalSeconds, gbSeconds, compute: gbSeconds * PRICE.lambdaGbSecond };
}

function printCost({ meta, batchSize, inProcessServers, run, metrics, counters }: Results): void {
  const events = metrics.total('Events');
  const { perMillion, invocations, sqsRequests, publishes, gets, services, total: servicesTotal } = serviceCosts(meta.objects, run, metrics, counters);
  const { dynamo } = counters;
  const guardDuty = MILLION * PRICE.guardDutyEvent;
  const columns = MEMORY_SIZES_MB.map((memory) => {
    const { scale, seconds, gbSeconds, compute } = lambdaCompute(run, events, memory);
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

// --- configurations: runs with and without the rules' configuration --------------------------

interface ConfigChoice {
  /** As shown: the file as given, or none. */
  label: string;
  /** Tells choices apart: the resolved path, '' for none. */
  key: string;
  config?: Config;
}

const NO_CONFIG: ConfigChoice = { label: 'none (defaults)', key: '' };

/** A configuration file read as the deployed analyzer reads ANALYZER_CONFIG (settingsFromEnv → configFromEnvironment). */
function loadConfig(file: string): ConfigChoice {
  const path = resolve(file);
  const config = configFromEnvironment(readFileSync(path, 'utf8'), (message) => new Error(`${file}: ${message}`));
  return { label: file, key: path, config };
}

/** What every phase shares: the clients, the counting probe, the SNS endpoint. */
interface Bench {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  /** The endpoint (what it received) … */
  sns: LocalSns;
  /** … and the handler's client for it. */
  snsClient: SNSClient;
  probe: Probe;
  batchSize: number;
  tables: number;
}

interface ConfiguredRun {
  choice: ConfigChoice;
  table: string;
  run: HandlerRun;
  metrics: TallyMetrics;
  counters: Counters;
  /** Publishes the SNS endpoint received during the run. */
  received: number;
}

/** A new findings table: every run starts with no findings, detector state or cooldowns. */
async function freshTable(bench: Bench): Promise<string> {
  const name = bench.tables === 0 ? TABLE : `${TABLE}-${bench.tables}`;
  bench.tables++;
  await createFindingsTable(bench.dynamodb, name);
  return name;
}

/** A new handler: a new execution environment (its caches empty), as makeHandler builds the deployed one. */
function newHandler(bench: Bench, table: string, choice: ConfigChoice, metrics: TallyMetrics): AnalyzerHandler {
  return makeHandler({
    s3: bench.s3,
    dynamodb: bench.dynamodb,
    sns: bench.snsClient,
    findingsTable: table,
    alertsTopicArn: TOPIC,
    minAlertSeverity: 'high',
    logger: new Logger({ serviceName: 'analyzer-bench', logLevel: (process.env.BENCH_LOG_LEVEL ?? 'SILENT') as 'SILENT' }),
    metrics,
    config: choice.config,
  });
}

const newMetrics = (): TallyMetrics => new TallyMetrics({ namespace: 'K8sAuditAnalyzerBench', serviceName: 'analyzer' });

async function runWith(bench: Bench, objects: StoredObject[], choice: ConfigChoice): Promise<ConfiguredRun> {
  const table = await freshTable(bench);
  const counters = bench.probe.reset();
  const metrics = newMetrics();
  const handler = newHandler(bench, table, choice, metrics);
  const before = bench.sns.published.length;
  const run = await runHandler(handler, objects, bench.batchSize);
  return { choice, table, run, metrics, counters, received: bench.sns.published.length - before };
}

/** `monthly(run)`: the cost model's busy profile priced with that run's per-event rates. */
function printComparison(runs: ConfiguredRun[], objects: number, monthly: (run: ConfiguredRun) => MonthlyCost): void {
  console.log('');
  console.log(
    `with and without the rules' configuration: the same ${fmt(objects)} objects, each run by a fresh handler on a fresh table, one after the other ` +
      `(a later run meets a warmer JIT: compare CPU with care); cost at ${DEPLOYED_MEMORY_MB} MB as in the table above`,
  );
  console.log('');
  const columns = runs.map((r) => {
    const events = r.metrics.total('Events');
    const perMillion = (n: number): number => (events === 0 ? 0 : (n * MILLION) / events);
    const services = serviceCosts(objects, r.run, r.metrics, r.counters);
    const compute = lambdaCompute(r.run, events, DEPLOYED_MEMORY_MB);
    const total = services.total + compute.compute;
    const findings = SEVERITIES.reduce((sum, s) => sum + r.metrics.total(`Findings_${s}`), 0);
    return { r, events, perMillion, services, total, findings, busy: monthly(r) };
  });
  const row = (label: string, cell: (c: (typeof columns)[number]) => string): string[] => [label, ...columns.map(cell)];
  const perMillionRow = (label: string, value: (c: (typeof columns)[number]) => number): string[] => row(label, (c) => fmt(c.perMillion(value(c)), 1));
  console.log(
    table(
      ['per million events', ...columns.map((c) => `config: ${c.r.choice.label}`)],
      [
        row('events analyzed / failed SQS records', (c) => `${fmt(c.events)} / ${fmt(c.r.run.failedRecords)}`),
        perMillionRow('findings (all severities)', (c) => c.findings),
        ...SEVERITIES.map((s) => perMillionRow(`  ${s}`, (c) => c.r.metrics.total(`Findings_${s}`))),
        perMillionRow('new findings stored', (c) => c.r.metrics.total('NewFindings')),
        perMillionRow('alerts (SNS publishes)', (c) => c.r.counters.sns.get('Publish') ?? 0),
        perMillionRow('findings counted into an open cooldown window', (c) => c.r.metrics.total('SuppressedFindings')),
        row('DynamoDB WRU / RRU', (c) => `${fmt(c.perMillion(c.r.counters.dynamo.writeUnits), 1)} / ${fmt(c.perMillion(c.r.counters.dynamo.readUnits), 1)}`),
        row('handler CPU s (this machine)', (c) => fmt(c.perMillion(c.r.run.cpuSeconds), 1)),
        row(`analysis cost (${DEPLOYED_MEMORY_MB} MB)`, (c) => usd(c.total)),
        row('GuardDuty ÷ analysis', (c) => `${fmt((MILLION * PRICE.guardDutyEvent) / c.total, 1)}×`),
        row(`cost model, ${fmt(BUSY_EVENTS_PER_HOUR)} events/h, ${FIREHOSE_BUFFER_SECONDS} s, extract: analysis a month`, (c) => money(c.busy.analysis)),
        row('  ÷ GuardDuty a month (see the cost model below)', (c) => ratioText(c.busy.ratio)),
        row('new findings by rule (top 5)', (c) => top(c.r.counters.dynamo.findingsByRule, 5)),
      ],
    ),
  );
}

// --- tiny objects and the lag from put to publish ----------------------------------------------

interface TinyFigures {
  objects: number;
  events: number;
  /** Per invocation, the first (a fresh execution environment) included. */
  wall: number[];
  cpu: number[];
  /** Estimated billed seconds at the deployed memory, warm invocations only (the first left out). */
  billed: number[];
  coverageWriteUnits: number;
  coverageWrites: number;
}

/** Billed duration at `memory` MB: waits as measured, CPU slowed by 1769/memory, rounded up to the ms. */
const billedSeconds = (wall: number, cpu: number, memory: number): number => Math.ceil((wall + cpu * (Math.max(1, FULL_VCPU_MB / memory) - 1)) * 1000) / 1000;

/**
 * The least an object costs: the handler for objects of a quiet minute (TINY_EVENTS events), one
 * one-record invocation each, one after the other. The waits are round trips to s3rver and dynalite
 * on this machine (S3's and DynamoDB's differ).
 */
async function tinyPhase(bench: Bench, handler: AnalyzerHandler, seed: number): Promise<TinyFigures> {
  const events = [...auditLines({ events: TINY_EVENTS, seed: seed + 1000 })].map((line) => JSON.parse(line) as Ev);
  const body = firehoseGzip(events, TINY_EVENTS, CLUSTER);
  const keys: string[] = [];
  for (let i = 0; i < TINY_OBJECTS; i++) {
    const key = `eks/${CLUSTER}/2025/03/05/tiny-${String(i).padStart(5, '0')}.gz`;
    await bench.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    keys.push(key);
  }
  const counters = bench.probe.reset();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (const [i, key] of keys.entries()) {
    const used = process.cpuUsage();
    const started = process.hrtime.bigint();
    await handler({ Records: [s3Record(`tiny-${i}`, BUCKET, key)] }, lambdaContext(100_000 + i));
    wall.push(Number(process.hrtime.bigint() - started) / 1e9);
    const c = process.cpuUsage(used);
    cpu.push((c.user + c.system) / 1e6);
  }
  const billed = wall.slice(1).map((w, i) => billedSeconds(w, cpu[i + 1], DEPLOYED_MEMORY_MB));
  return {
    objects: keys.length,
    events: events.length,
    wall,
    cpu,
    billed,
    coverageWriteUnits: counters.dynamo.unitsByRequest.get('UpdateItem V#') ?? 0,
    coverageWrites: counters.dynamo.requests.get('UpdateItem V#') ?? 0,
  };
}

/** The pod the injected exec of latency object `i` targets: one finding group per object, so no cooldown holds an alert back. */
const latencyPod = (i: number): string => `payments-api-7d9f8b6c5-lat${String(i).padStart(4, '0')}`;

/**
 * A known attack, one per latency object: a person execs into a pod to read its service account
 * token (exec.pod-exec, high: a credential path in the command), over websockets as kubectl ≥ 1.30
 * does. Not matched by examples/config.yaml's exceptions.
 */
function attackEvent(i: number): Ev {
  const pod = latencyPod(i);
  const at = new Date(Date.UTC(2025, 2, 4, 10, 30, 0) + i * 1000);
  const time = (ms: number): string => new Date(at.getTime() + ms).toISOString().replace('Z', '417Z');
  const arn = 'arn:aws:sts::123456789012:assumed-role/developer/mallory';
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: createHash('sha256')
      .update(`latency-${i}`)
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'),
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/payments/pods/${pod}/exec?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken&container=api&stderr=true&stdout=true`,
    verb: 'get',
    user: {
      username: arn,
      uid: 'aws-iam-authenticator:123456789012:AROAEXAMPLEDEVELOPER',
      groups: ['system:authenticated'],
      extra: { accessKeyId: ['ASIAEXAMPLEKEY'], arn: [arn], canonicalArn: ['arn:aws:iam::123456789012:role/developer'], sessionName: ['mallory'] },
    },
    sourceIPs: ['203.0.113.66'],
    userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
    objectRef: { resource: 'pods', namespace: 'payments', name: pod, apiVersion: 'v1', subresource: 'exec' },
    responseStatus: { metadata: {}, code: 101 },
    requestReceivedTimestamp: time(0),
    stageTimestamp: time(1200),
    annotations: {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "developers-edit" of ClusterRole "edit" to Group "developers"',
    },
  };
}

interface LagFigures {
  objects: number;
  eventsPerObject: number;
  /** Milliseconds, objects whose alert reached the endpoint only. */
  putToPublish: number[];
  put: number[];
  /** Milliseconds, every object. */
  handler: number[];
  /** Objects whose alert names the injected pod. */
  namingAttack: number;
  failedRecords: number;
}

/**
 * Each object (one of the main input's, with one attack record added at its end, rebuilt as
 * Firehose writes it: one gzip around the gzipped records) is put into s3rver with the S3 client
 * and handed to the handler at once as a one-record SQS batch; the clock runs from the start of
 * the put to the moment the SNS endpoint acknowledged the alert's Publish.
 */
async function latencyPhase(bench: Bench, handler: AnalyzerHandler, dir: string, meta: InputMeta, count: number): Promise<LagFigures> {
  const objects = Array.from({ length: count }, (_, i) => {
    const source = meta.files[i % meta.files.length];
    const attack = gzipSync(JSON.stringify(cloudWatchRecord([attackEvent(i)], CLUSTER, 900_000 + i)));
    return {
      key: `eks/${CLUSTER}/2025/03/04/latency-${String(i).padStart(5, '0')}.gz`,
      body: gzipSync(Buffer.concat([gunzipSync(readFileSync(join(dir, source.file))), attack])),
      pod: latencyPod(i),
      events: source.events + 1,
    };
  });
  const figures: LagFigures = {
    objects: count,
    eventsPerObject: mean(objects.map((o) => o.events)),
    putToPublish: [],
    put: [],
    handler: [],
    namingAttack: 0,
    failedRecords: 0,
  };
  bench.probe.reset();
  for (const [i, object] of objects.entries()) {
    bench.probe.publishAcks = [];
    const publishedBefore = bench.sns.published.length;
    const started = process.hrtime.bigint();
    await bench.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: object.key, Body: object.body }));
    const put = process.hrtime.bigint();
    const response = await handler({ Records: [s3Record(`latency-${i}`, BUCKET, object.key)] }, lambdaContext(200_000 + i));
    const done = process.hrtime.bigint();
    const ms = (from: bigint, to: bigint): number => Number(to - from) / 1e6;
    figures.handler.push(ms(put, done));
    figures.failedRecords += response.batchItemFailures.length;
    const ack = bench.probe.publishAcks[0];
    if (ack !== undefined) {
      figures.putToPublish.push(ms(started, ack));
      figures.put.push(ms(started, put));
    }
    if (bench.sns.published.slice(publishedBefore).some((m) => (m.message ?? '').includes(object.pod))) figures.namingAttack++;
  }
  return figures;
}

function printLag(lag: LagFigures, tiny: TinyFigures, choice: ConfigChoice): void {
  const stats = (values: number[]): string[] =>
    values.length === 0 ? ['-', '-', '-'] : [fmt(percentile(values, 50), 1), fmt(percentile(values, 95), 1), fmt(Math.max(...values), 1)];
  console.log('');
  console.log(
    `end-to-end lag, put → publish: ${fmt(lag.objects)} objects of ${fmt(lag.eventsPerObject)} events (the main input's, each with one injected exec reading a service account token: a high finding), ` +
      `config ${choice.label}; each put into s3rver with the S3 client and handed at once to the handler as a one-record SQS batch (a lightly loaded queue), one after the other, ` +
      `by one warm handler on a fresh table; the clock stops when the SNS endpoint has acknowledged the alert`,
  );
  console.log('');
  console.log(
    table(
      ['', 'p50 ms', 'p95 ms', 'max ms'],
      [
        [`put → publish (${fmt(lag.putToPublish.length)} of ${fmt(lag.objects)} objects alerted)`, ...stats(lag.putToPublish)],
        ['  of which the put (S3 client → s3rver)', ...stats(lag.put)],
        ['handler invocation, one object (all objects)', ...stats(lag.handler)],
        [
          `handler invocation, tiny object (${tiny.events} events; ${fmt(tiny.objects - 1)} warm invocations)`,
          ...stats(tiny.wall.slice(1).map((s) => s * 1000)),
        ],
      ],
    ),
  );
  console.log(
    `alerts naming the injected pod: ${fmt(lag.namingAttack)} of ${fmt(lag.objects)}; failed records ${fmt(lag.failedRecords)}; ` +
      `the fresh handler's first invocation (tiny object, cold caches) took ${fmt(tiny.wall[0] * 1000, 1)} ms`,
  );
  console.log(
    `deployed, the lag also holds what happens before the put and between put and handler: Firehose buffering (up to ${FIREHOSE_BUFFER_SECONDS} s as assumed here; ` +
      `the Firehose API's own default is 300 s, its maximum ${FIREHOSE_BUFFER_SECONDS_MAX} s), S3 → SQS delivery (typically under 1 s) and the SQS batching window ` +
      `(up to ${SQS_BATCHING_WINDOW_SECONDS} s): about ${FIREHOSE_BUFFER_SECONDS + 1 + SQS_BATCHING_WINDOW_SECONDS} s at worst on top of put → publish, plus CloudWatch Logs' own delivery to Firehose; ` +
      `a cold start adds the function's initialisation`,
  );
}

// --- the cost model per cluster and month ------------------------------------------------------

/** What the cost model needs from a run, saved for --profile-only. */
interface SavedFigures {
  savedAt: string;
  machine: string;
  loadAverage: string;
  input: string;
  config: string;
  events: number;
  eventsPerObject: number;
  tinyInvocations: number;
  tinyEvents: number;
  rates: Rates;
}

function buildRates(main: ConfiguredRun, base: Baseline, meta: InputMeta, tiny: TinyFigures): Rates {
  const events = main.metrics.total('Events');
  const { dynamo } = main.counters;
  // Coverage and the cluster registry are written per object (and per environment): the per-object part has them.
  const perObjectUnits = (dynamo.unitsByRequest.get('UpdateItem V#') ?? 0) + (dynamo.unitsByRequest.get('UpdateItem CLUSTERS#') ?? 0);
  const records = meta.files.reduce((sum, f) => sum + Math.ceil(f.events / meta.eventsPerRecord) + 1, 0); // + the control message
  return {
    memoryMb: DEPLOYED_MEMORY_MB,
    lambdaSecondsPerEvent: lambdaCompute(main.run, events, DEPLOYED_MEMORY_MB).totalSeconds / events,
    writeUnitsPerEvent: (dynamo.writeUnits - perObjectUnits) / events,
    readUnitsPerEvent: dynamo.readUnits / events,
    snsPublishesPerEvent: (main.counters.sns.get('Publish') ?? 0) / events,
    objectSeconds: mean(tiny.billed),
    coverageWriteUnitsPerObject: tiny.coverageWrites === 0 ? 1 : tiny.coverageWriteUnits / tiny.coverageWrites,
    objectsPerBatch: 1,
    auditBytesPerEvent: (meta.auditJsonBytes - meta.events) / meta.events, // the lines without their newline: the log event messages
    firehoseBytesPerEvent: base.firehoseBytes / base.events,
    firehoseBilledBytesPerEvent: firehoseBilledBytes(base.firehoseBytes, records) / base.events,
  };
}

const money = (n: number): string => (n === 0 ? '$0' : n < 0.001 ? `$${n.toPrecision(2)}` : n < 10 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);
const ratioText = (r: number): string => (r === 0 ? '-' : r < 0.1 ? `1/${fmt(1 / r)}` : `${r.toFixed(2)}×`);

function printCostModel(figures: SavedFigures): void {
  const { rates } = figures;
  const profile = (eventsPerHour: number, bufferSeconds: number, mode: FirehoseMode, withMode: boolean): { name: string; traffic: Traffic } => ({
    name: `${eventsPerHour >= 1000 ? `${fmt(eventsPerHour / 1000)}k` : fmt(eventsPerHour)} ev/h, ${bufferSeconds} s${withMode ? `, ${mode}` : ''}`,
    traffic: { eventsPerHour, bufferSeconds, bufferMiB: FIREHOSE_BUFFER_MIB, mode },
  });
  // A quiet cluster never fills the buffer: the mode does not change its object count.
  const profiles = [
    profile(QUIET_EVENTS_PER_HOUR, FIREHOSE_BUFFER_SECONDS, 'extract', false),
    profile(QUIET_EVENTS_PER_HOUR, FIREHOSE_BUFFER_SECONDS_MAX, 'extract', false),
    profile(BUSY_EVENTS_PER_HOUR, FIREHOSE_BUFFER_SECONDS, 'extract', true),
    profile(BUSY_EVENTS_PER_HOUR, FIREHOSE_BUFFER_SECONDS_MAX, 'extract', true),
    profile(BUSY_EVENTS_PER_HOUR, FIREHOSE_BUFFER_SECONDS, 'raw', true),
    profile(BUSY_EVENTS_PER_HOUR, FIREHOSE_BUFFER_SECONDS_MAX, 'raw', true),
  ];
  const costs = profiles.map((p) => ({ ...p, cost: monthlyCost(rates, p.traffic) }));
  const perEventPerMillion = monthlyCost(rates, {
    eventsPerHour: MILLION / HOURS_PER_MONTH,
    bufferSeconds: FIREHOSE_BUFFER_SECONDS,
    bufferMiB: FIREHOSE_BUFFER_MIB,
    mode: 'extract',
  }).perEventPart;
  const gb = rates.memoryMb / 1024;
  const perObject =
    rates.objectSeconds * gb * PRICES.lambdaGbSecond +
    PRICES.lambdaRequest +
    rates.coverageWriteUnitsPerObject * PRICES.dynamoWriteUnit +
    PRICES.s3Put +
    PRICES.s3Get +
    (1 + 2 / rates.objectsPerBatch) * PRICES.sqsRequest;

  console.log('');
  console.log(
    `cost model per cluster: Lambda arm64 at ${rates.memoryMb} MB, us-east-1 list prices, ${HOURS_PER_MONTH} hours a month; rules configuration ${figures.config}`,
  );
  console.log(
    `- per event (measured over ${fmt(figures.events)} events in objects of ${fmt(figures.eventsPerObject)}): Lambda ${fmt(rates.lambdaSecondsPerEvent * MILLION, 1)} s per million events ` +
      `(CPU time × ${FULL_VCPU_MB}/${rates.memoryMb}, per ms per invocation), DynamoDB ${fmt(rates.writeUnitsPerEvent * MILLION)} WRU and ${fmt(rates.readUnitsPerEvent * MILLION)} RRU per million ` +
      `(findings, detector state, cooldowns; coverage goes per object), SNS ${fmt(rates.snsPublishesPerEvent * MILLION, 1)} publishes per million: ${money(perEventPerMillion)} per million events`,
  );
  console.log(
    `- per object: an invocation for a tiny object (${figures.tinyEvents} events) billed ${fmt(rates.objectSeconds * 1000, 1)} ms (mean of ${fmt(figures.tinyInvocations)} warm invocations; ` +
      `waits are local round trips to s3rver and dynalite), a coverage UpdateItem (${fmt(rates.coverageWriteUnitsPerObject, 1)} WRU), Firehose's S3 PUT ($0.005 per 1,000), the S3 GET, ` +
      `S3's SQS send and a receive and a delete (one object per batch: a cluster's objects arrive a minute or more apart), a Lambda request: ${money(perObject)} per object`,
  );
  console.log(
    `- Firehose objects an hour = max(intervals with traffic, ceil(bytes an hour / ${FIREHOSE_BUFFER_MIB} MiB)), intervals with traffic = min(3600 / buffering s, events an hour); ` +
      `the bytes are what the buffer holds before GZIP: in \`extract\` mode (lib/eks-audit-ingestion.ts's default) the events as JSON lines, ${fmt(bufferedBytesPerEvent(rates, 'extract'))} B per event here; ` +
      `in \`raw\` mode the gzipped CloudWatch records as received, ${fmt(bufferedBytesPerEvent(rates, 'raw'))} B per event. The per-event rates were measured on \`raw\` objects ` +
      `(both gzip layers, the CloudWatch envelopes): \`extract\` objects are lighter to read, so the Lambda line is on the safe side for them`,
  );
  console.log('');
  const keys = Object.keys(BREAKDOWN_LABELS) as Array<keyof typeof BREAKDOWN_LABELS>;
  const row = (label: string, cell: (c: MonthlyCost) => string): string[] => [label, ...costs.map((c) => cell(c.cost))];
  console.log(
    table(
      ['per cluster, a month', ...costs.map((c) => c.name)],
      [
        row('audit events', (c) => fmt(c.eventsPerMonth)),
        row('Firehose objects an hour / a month', (c) => `${fmt(c.objectsPerHour)} / ${fmt(c.objectsPerMonth)}`),
        ...keys.map((k) => row(`  ${BREAKDOWN_LABELS[k]}`, (c) => money(c.breakdown[k]))),
        row('analysis: per-event part / per-object part', (c) => `${money(c.perEventPart)} / ${money(c.perObjectPart)}`),
        row('**analysis**', (c) => money(c.analysis)),
        row('analysis per million events', (c) => money(c.analysisPerMillion)),
        row('largest line of the analysis', (c) => `${BREAKDOWN_LABELS[c.dominant.service]} ${pct(c.dominant.share, 1)}`),
        row('**GuardDuty EKS audit-log monitoring**', (c) => money(c.guardDuty)),
        row('GuardDuty per million events', (c) => money(c.guardDutyPerMillion)),
        row('analysis ÷ GuardDuty', (c) => ratioText(c.ratio)),
        row('analysis under 1/100 of GuardDuty?', (c) => (c.ratio < 0.01 ? 'yes' : 'no')),
        row('delivery, not analysis: CloudWatch Logs ingestion', (c) => money(c.delivery.cloudWatchLogs)),
        row('delivery, not analysis: Firehose ingestion', (c) => money(c.delivery.firehose)),
        row('delivery per million events', (c) => money(c.delivery.perMillion)),
        row('(analysis + delivery) ÷ GuardDuty', (c) => ratioText(c.guardDuty === 0 ? 0 : (c.analysis + c.delivery.total) / c.guardDuty)),
      ],
    ),
  );
  console.log(
    `delivery is what getting EKS audit logs into S3 costs (CloudWatch Logs ingestion $${PRICES.cloudWatchLogsIngestGiB}/GB of log events: ${fmt(rates.auditBytesPerEvent)} B per event, ` +
      `the generator's events uncompressed; Firehose ingestion $${PRICES.firehoseIngestGiB}/GB of the gzipped CloudWatch records it receives, each rounded up to 5 KB: ` +
      `${fmt(rates.firehoseBilledBytesPerEvent)} B per event; any charge for \`extract\`'s decompression is not modelled: check the price page); ` +
      'GuardDuty reads EKS audit logs without either, so it is shown apart and not in the analysis. ' +
      `Delivery grows with the event size: at 1 KB per event CloudWatch Logs ingestion would be ${money((MILLION * 1000 * PRICES.cloudWatchLogsIngestGiB) / GIB)} per million events.`,
  );
  console.log(
    'GuardDuty: $1.60 per million events for the first 100M a month, $0.80 above (the field notes give no tier above 200M: $0.80 is carried on). ' +
      "The per-event rates scale findings with the events; a quiet cluster's findings come from its people, not its volume. " +
      "Not counted: Lambda's SQS pollers' idle long polling and fixed costs (per deployment, not per cluster), KMS requests, the functions' own logs, " +
      'CloudWatch Logs and S3 storage of the logs (their retention is yours), cold starts.',
  );
}

function printSavedProfile(): void {
  const file = FIGURES_FILE();
  if (!existsSync(file)) throw new Error(`no saved figures in ${relative(repoRoot(), file)}: run the benchmark once without --profile-only`);
  const figures = JSON.parse(readFileSync(file, 'utf8')) as SavedFigures;
  console.log('# k8s-audit-analyzer: analyzer cost model (--profile-only)');
  console.log(`figures saved by the run of ${figures.savedAt} (${figures.machine}; load average then ${figures.loadAverage}), input ${figures.input}`);
  printCostModel(figures);
}

// --- main --------------------------------------------------------------------------------------

interface Options {
  params: Params;
  batchSize: number;
  inProcessServers: boolean;
  config?: string;
  compareConfig?: string;
  latencyObjects: number;
  profileOnly: boolean;
  generate?: string;
  serve: boolean;
}

const USAGE = `
Usage: npm run bench:analyzer [-- flags]         200 objects x 4,000 events (a few minutes)
       npx tsx bench/analyzer.bench.ts --quick   20 objects, a check in seconds

  --objects N             objects (default 200; --quick: 20)
  --events-per-object N   default 4000
  --events-per-record N   CloudWatch log events per Firehose record (default 40, as in samples/)
  --batch-size N          SQS records per invocation (default 10)
  --seed N                generator seed (default 1)
  --quick                 a check in seconds
  --in-process-servers    s3rver and dynalite in this process too (by default a child process, so
                          this process's CPU time and RSS are the handler's alone)
  --config FILE           the rules' configuration, read as the deployed analyzer reads
                          ANALYZER_CONFIG; every phase uses it
  --compare-config FILE   also run without a configuration and with FILE, each on a fresh table,
                          side by side (a run whose configuration matches --config's is not repeated)
  --latency-objects N     objects in the put -> publish phase (default 30; --quick: 10; 0 skips it;
                          the tiny-object phase, which the cost model needs, always runs)
  --profile-only          print the cost model from the last run's figures
                          (bench/out/analyzer-cost-figures.json); nothing is run
  -h, --help              this text

BENCH_LOG_LEVEL=ERROR (or WARN, INFO) shows the handler's logs, silent by default.
`;

function parseOptions(): Options {
  return benchOptions(USAGE, () => {
    const { values } = parseArgs({
      options: {
        objects: { type: 'string' },
        'events-per-object': { type: 'string', default: '4000' },
        'events-per-record': { type: 'string', default: '40' },
        'batch-size': { type: 'string', default: '10' },
        seed: { type: 'string', default: '1' },
        quick: { type: 'boolean', default: false },
        'in-process-servers': { type: 'boolean', default: false },
        config: { type: 'string' },
        'compare-config': { type: 'string' },
        'latency-objects': { type: 'string' },
        'profile-only': { type: 'boolean', default: false },
        generate: { type: 'string' }, // internal: the child that writes the input
        serve: { type: 'boolean', default: false }, // internal: the child that runs s3rver and dynalite
      },
    });
    const positive = (name: string, value: string): number => wholeNumber(name, value, 1);
    return {
      params: {
        objects: positive('objects', values.objects ?? (values.quick ? '20' : '200')),
        eventsPerObject: positive('events-per-object', values['events-per-object']),
        eventsPerRecord: positive('events-per-record', values['events-per-record']),
        seed: positive('seed', values.seed),
      },
      batchSize: positive('batch-size', values['batch-size']),
      inProcessServers: values['in-process-servers'],
      config: values.config,
      compareConfig: values['compare-config'],
      latencyObjects: wholeNumber('latency-objects', values['latency-objects'] ?? (values.quick ? '10' : '30'), 0),
      profileOnly: values['profile-only'],
      generate: values.generate,
      serve: values.serve,
    };
  });
}

async function main(): Promise<void> {
  const options = parseOptions();
  const { params, batchSize, inProcessServers, generate, serve: isServer } = options;
  if (generate) return generateInput(generate, params);
  if (isServer) return serve();
  if (options.profileOnly) return printSavedProfile();

  const mainChoice = options.config ? loadConfig(options.config) : NO_CONFIG;
  const compareChoice = options.compareConfig ? loadConfig(options.compareConfig) : undefined;
  console.log('# k8s-audit-analyzer: analyzer Lambda handler benchmark');
  console.log(
    `node ${process.version}, ${os.cpus().length} × ${cpuModel()}, ${os.platform()}/${os.arch()}, ${new Date().toISOString().slice(0, 10)}; load average ${load()}`,
  );
  const flags = [...process.execArgv.filter((a) => a.startsWith('--max-')), ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
  console.log(`node flags: ${flags.length > 0 ? flags.join(' ') : "none (V8's defaults)"}`);
  if (!flags.includes(SEMI_SPACE_FLAG))
    console.log(
      `note: the deployed analyzer runs with NODE_OPTIONS=${SEMI_SPACE_FLAG} (lib/analyzer-function.ts), which npm run bench:analyzer sets; this run does not`,
    );
  const { dir, meta } = await ensureInput(params);
  console.log(
    `input: ${dir.slice(repoRoot().length + 1)}: ${fmt(meta.objects)} EKS Firehose objects (gzip around gzip members of CloudWatch DATA_MESSAGE records, ` +
      `${meta.eventsPerRecord} events per record), ${fmt(meta.events)} events, ${fmt(meta.auditJsonBytes / MB, 1)} MB as audit JSON lines, ` +
      `${fmt(meta.compressedBytes / MB, 1)} MB stored (${fmt(meta.compressedBytes / meta.objects / MIB, 2)} MiB per object)`,
  );
  console.log(
    `rules configuration: ${mainChoice.config ? `${mainChoice.label}, read as the deployed analyzer reads ANALYZER_CONFIG` : mainChoice.label}` +
      `${compareChoice ? `; compared: none vs ${compareChoice.label}` : ''}`,
  );

  process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // no EMF lines on stdout; the tally still counts
  const [servers, sns] = await Promise.all([startServers(inProcessServers), startLocalSns()]);
  const { s3, dynamodb } = servers;
  // The SDK's default retries, as the deployed analyzer's SNSClient has them (the test helper's client
  // makes one attempt; under load, a kept-alive socket the endpoint has just closed fails a publish).
  const snsClient = new SNSClient({ endpoint: sns.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const uploadStarted = process.hrtime.bigint();
    const objects: StoredObject[] = [];
    for (const [i, f] of meta.files.entries()) {
      const key = `eks/${CLUSTER}/2025/03/04/audit-firehose-1-2025-03-04-${String(i).padStart(5, '0')}.gz`; // nothing to URL-encode
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(join(dir, f.file)) }));
      objects.push({ key, size: f.bytes });
    }
    console.log(
      `put into s3rver with the S3 client in ${(Number(process.hrtime.bigint() - uploadStarted) / 1e9).toFixed(1)} s; s3rver and dynalite run ${servers.where}, the SNS endpoint in this process`,
    );

    const bench: Bench = { s3, dynamodb, sns, snsClient, probe: instrument({ s3, sns: snsClient, dynamodb }), batchSize, tables: 0 };
    const main = await runWith(bench, objects, mainChoice);
    const { run, metrics, counters } = main;
    const base = runBaseline(dir, meta);

    console.log(
      `handler: ${fmt(objects.length)} objects in ${fmt(run.durations.length)} invocations of up to ${batchSize} SQS records, one after the other (one instance); load average now ${load()}`,
    );
    console.log('');
    const results: Results = { meta, batchSize, inProcessServers, run, base, metrics, counters, received: main.received };
    printFigures(results);
    printCost(results);

    const runs: ConfiguredRun[] = [];
    if (compareChoice) {
      for (const choice of [NO_CONFIG, compareChoice]) runs.push(choice.key === mainChoice.key ? main : await runWith(bench, objects, choice));
    }

    // One more fresh handler and table, with the main run's configuration: tiny objects (which also
    // warm it up), then the lag.
    const lagTable = await freshTable(bench);
    const lagHandler = newHandler(bench, lagTable, mainChoice, newMetrics());
    const tiny = await tinyPhase(bench, lagHandler, params.seed);
    const busy: Traffic = { eventsPerHour: BUSY_EVENTS_PER_HOUR, bufferSeconds: FIREHOSE_BUFFER_SECONDS, bufferMiB: FIREHOSE_BUFFER_MIB, mode: 'extract' };
    if (compareChoice) printComparison(runs, objects.length, (r) => monthlyCost(buildRates(r, base, meta, tiny), busy));
    if (options.latencyObjects > 0) {
      const lag = await latencyPhase(bench, lagHandler, dir, meta, options.latencyObjects);
      printLag(lag, tiny, mainChoice);
    }

    const figures: SavedFigures = {
      savedAt: new Date().toISOString(),
      machine: `node ${process.version}, ${os.cpus().length} × ${cpuModel()}`,
      loadAverage: load(),
      input: dir.slice(repoRoot().length + 1),
      config: mainChoice.label,
      events: metrics.total('Events'),
      eventsPerObject: meta.eventsPerObject,
      tinyInvocations: tiny.billed.length,
      tinyEvents: tiny.events,
      rates: buildRates(main, base, meta, tiny),
    };
    printCostModel(figures);
    writeFileSync(FIGURES_FILE(), JSON.stringify(figures, null, 2) + '\n');
    console.log(`(figures for --profile-only saved in ${relative(repoRoot(), FIGURES_FILE())})`);
    console.log(`(one Node process on this machine, not Lambda: indicative figures; load average at the end ${load()})`);
  } finally {
    snsClient.destroy();
    await Promise.all([servers.stop(), sns.stop()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
