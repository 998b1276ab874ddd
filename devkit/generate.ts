/**
 * A deterministic generator of realistic `audit.k8s.io/v1` events for an EKS cluster, for the
 * reader benchmark and tests. No dependency: a seeded PRNG (mulberry32) drives a small cluster
 * model (nodes, namespaces, deployments, pods, service accounts) whose API chatter is written
 * the way the kube-apiserver writes it: one compact JSON object per line, fields in the API
 * server's order, stages ordered by their stage timestamp.
 *
 * The mix, by request: node and leader-election leases (the bulk), watches (ResponseStarted +
 * ResponseComplete minutes later) and lists, gets, pod and node status patches by kubelets (some
 * reporting a terminated container, some node patches carrying the image list: 10-40 KB), core
 * Events, TokenReviews and SubjectAccessReviews with bodies, configmap / endpoints /
 * endpointslice updates, controller status updates, a RequestReceived stage for about 7% of
 * requests, and a few percent of writes with bodies from humans and CI (deployments, pods with
 * full specs and managedFields, rolebindings, secrets at Metadata level, exec as `get` on
 * pods/exec over websockets).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

/** Bumped whenever the output for a given seed changes, so cached benchmark files are regenerated. */
export const GENERATOR_VERSION = 3;

export interface GenerateOptions {
  /** Lines to produce; Infinity for an endless stream (stop by returning from the generator). */
  events: number;
  seed?: number;
  /** Wall clock of the first request. Default 2025-03-04T09:00:00Z. */
  startTime?: Date;
  /** The request mix (see `MIX_WEIGHTS`). Default `default`. */
  mix?: Mix;
}

/**
 * Request mixes, as weights that replace the default ones by shape. `default`: about 5% of events
 * are of interest to a rule. `eks-busy`: the share issue 17 measured on a busy EKS cluster, about
 * 17% of events parsed because a rule wants them (more service-account tokens, secret reads,
 * SubjectAccessReviews, pod churn and configmap updates; fewer node leases and status patches).
 * Its events stay about 2.4 KB each (the issue's were 1.1 KB): lease bodies are written at
 * RequestResponse here, so the pre-check has more bytes to skip per event, not fewer.
 */
export type Mix = 'default' | 'eks-busy';
const MIX_WEIGHTS: Record<Mix, Partial<Record<string, number>>> = {
  default: {},
  'eks-busy': {
    nodeLeaseUpdate: 14,
    nodeStatusPatch: 1,
    endpointSliceUpdate: 1,
    tokenReview: 2,
    subjectAccessReview: 5,
    serviceAccountToken: 7,
    secretRead: 5,
    podCreate: 1.5,
    podBinding: 1.5,
    podDelete: 1.5,
    configMapUpdate: 4,
    workloadStatusUpdate: 4,
    deploymentPatch: 0.5,
    secretWrite: 0.6,
    configMapCreateByCi: 0.5,
  },
};

/** Small, fast, good-enough PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields audit events as compact JSON lines (no newline), deterministic for a seed. */
export function* auditLines(options: GenerateOptions): Generator<string, void, undefined> {
  const sim = new ClusterSim(options.seed ?? 1, (options.startTime ?? new Date('2025-03-04T09:00:00Z')).getTime() * 1000, options.mix);
  let emitted = 0;
  while (emitted < options.events) {
    const line = sim.next();
    yield line;
    emitted++;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing files

export interface WriteOptions {
  /** Number of events. One of `events` and `bytes` is required; with both, the first reached ends the file. */
  events?: number;
  /** Target uncompressed size in bytes; the file ends at the first line reaching it. */
  bytes?: number;
  gzip?: boolean;
  /** gzip level; default 6 (zlib's default, what Firehose and most shippers produce). */
  level?: number;
  seed?: number;
  startTime?: Date;
  mix?: Mix;
}

export interface WrittenLog {
  path: string;
  events: number;
  /** Uncompressed JSON-lines bytes. */
  bytes: number;
  /** Bytes on disk. */
  storedBytes: number;
  seconds: number;
}

const BATCH_BYTES = 256 * 1024;

/**
 * Writes a JSON-lines audit log (gzip-compressed when `gzip`), streamed in ~256 KiB batches:
 * memory stays flat whatever the size. Written to a temporary name, then renamed.
 */
export async function writeAuditLog(path: string, options: WriteOptions): Promise<WrittenLog> {
  const started = process.hrtime.bigint();
  const maxEvents = options.events ?? Infinity;
  const maxBytes = options.bytes ?? Infinity;
  if (maxEvents === Infinity && maxBytes === Infinity) throw new Error('writeAuditLog: give events or bytes');
  let events = 0;
  let bytes = 0;
  function* batches(): Generator<Buffer> {
    const lines = auditLines({ events: maxEvents, seed: options.seed, startTime: options.startTime, mix: options.mix });
    let batch: string[] = [];
    let batchLength = 0;
    for (const line of lines) {
      batch.push(line);
      batchLength += line.length + 1; // ASCII only: string length is byte length
      events++;
      if (bytes + batchLength >= maxBytes) break;
      if (batchLength >= BATCH_BYTES) {
        bytes += batchLength;
        yield Buffer.from(batch.join('\n') + '\n', 'latin1');
        batch = [];
        batchLength = 0;
      }
    }
    if (batch.length > 0) {
      bytes += batchLength;
      yield Buffer.from(batch.join('\n') + '\n', 'latin1');
    }
  }
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.partial`;
  const source = Readable.from(batches(), { objectMode: false });
  if (options.gzip) await pipeline(source, zlib.createGzip({ level: options.level ?? 6, chunkSize: 256 * 1024 }), createWriteStream(temporary));
  else await pipeline(source, createWriteStream(temporary));
  await rename(temporary, path);
  const storedBytes = (await stat(path)).size;
  return { path, events, bytes, storedBytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

// ---------------------------------------------------------------------------------------------
// The cluster model

type Json = string | number | boolean | null | undefined | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Level = 'Metadata' | 'Request' | 'RequestResponse';

interface User extends JsonObject {
  username: string;
}

interface Node {
  name: string;
  ip: string;
  instanceId: string;
  uid: string;
  leaseUid: string;
  leaseCreated: string;
  user: User;
  images: JsonObject[];
}

interface Container {
  name: string;
  image: string;
  imageID: string;
  port: number;
  env: JsonObject[];
  cpu: string;
  memory: string;
}

interface Workload {
  namespace: string;
  name: string;
  kind: 'Deployment' | 'DaemonSet' | 'StatefulSet';
  uid: string;
  rsHash: string;
  rsUid: string;
  serviceAccount: string;
  containers: Container[];
  replicas: number;
  generation: number;
  created: string;
  team: string;
}

interface Pod {
  workload: Workload;
  name: string;
  uid: string;
  node: Node;
  ip: string;
  containerIds: string[];
  restarts: number[];
  started: string;
}

interface ServiceAccountIdentity {
  namespace: string;
  name: string;
  user: User;
  ip: string;
  userAgent: string;
}

interface Human {
  user: User;
  ip: string;
  userAgent: string;
}

interface Pending {
  at: number;
  seq: number;
  line: string;
}

/** What one request looks like before the stages are written. */
interface Request {
  level: Level;
  uri: string;
  verb: string;
  user: User;
  ip: string;
  userAgent: string;
  objectRef?: JsonObject;
  code?: number;
  status?: JsonObject;
  requestObject?: Json;
  responseObject?: Json;
  latencyUs: number;
  reason: string;
  annotations?: Record<string, string>;
  /** Long-running (watch, exec): ResponseStarted after `startedUs`, ResponseComplete after `latencyUs`. */
  startedUs?: number;
}

const K8S_SUFFIX = 'bcdfghjklmnpqrstvwxz2456789';
const HEX = '0123456789abcdef';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const REGION = 'us-west-2';
const K8S_VERSION = 'v1.30.9';
const K8S_COMMIT = '2b5b9ba';
const KUBELET_VERSION = 'v1.30.8-eks-3c20087';
const ECR = `602401143452.dkr.ecr.${REGION}.amazonaws.com`;
const OK: JsonObject = { metadata: {}, code: 200 };
const CREATED: JsonObject = { metadata: {}, code: 201 };
const SWITCHING: JsonObject = { metadata: {}, code: 101 };
const SYSTEM_NODES_REASON = '';
const REQUEST_RECEIVED_SHARE = 0.07;
/** Add-ons whose informers watch Secrets in every namespace (their charts grant it cluster-wide). */
const CLUSTER_SECRET_INFORMERS = ['cert-manager', 'ingress-nginx-controller', 'kube-state-metrics', 'prometheus-operator'];
/** Add-ons serving /metrics behind delegated authorization (kube-rbac-proxy, controller-runtime's secure serving). */
const METRICS_ENDPOINTS = ['kube-state-metrics', 'karpenter', 'cert-manager', 'prometheus-operator', 'aws-load-balancer-controller', 'metrics-server'];
/** Add-ons reading Secrets of their own namespace: [service account, Secrets]. */
const OWN_SECRET_READERS: [string, string[]][] = [
  ['cert-manager', ['cert-manager-webhook-ca', 'letsencrypt-prod-account-key']],
  ['aws-load-balancer-controller', ['aws-load-balancer-tls']],
  ['karpenter', ['karpenter-cert']],
  ['argocd-application-controller', ['argocd-secret', 'cluster-prod-eu-2041923347']],
  ['ingress-nginx-controller', ['ingress-nginx-admission']],
  ['prometheus-operator', ['alertmanager-main-generated', 'prometheus-k8s-web-config']],
];

class ClusterSim {
  private readonly random: () => number;
  /** Simulated wall clock, microseconds since the epoch. */
  private now: number;
  private resourceVersion: number;
  private seq = 0;
  private readonly heap: Pending[] = [];

  private readonly account: string;
  private readonly controlPlaneIps: string[];
  private readonly nodes: Node[] = [];
  private readonly workloads: Workload[] = [];
  private readonly pods: Pod[] = [];
  private readonly serviceAccounts: ServiceAccountIdentity[] = [];
  private readonly humans: Human[] = [];
  private readonly ci: Human[] = [];
  private readonly leaders: {
    namespace: string;
    name: string;
    user: User;
    userAgent: string;
    uid: string;
    holder: string;
    created: string;
    transitions: number;
  }[] = [];
  private readonly kcm: User = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };
  private readonly scheduler: User = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
  private readonly controllers = new Map<string, User>();
  private readonly shapes: [number, () => void, string][];
  /** The pod that keeps crashing (an image resizer short of memory) and when it next restarts. */
  private readonly crashLoop: { pod: Pod; nextUs: number };
  private readonly totalWeight: number;

  constructor(seed: number, startUs: number, mix: Mix = 'default') {
    this.random = mulberry32(seed);
    this.now = startUs;
    this.resourceVersion = 180_000_000 + this.int(0, 20_000_000);
    this.account = String(this.int(100_000_000_000, 999_999_999_999));
    this.controlPlaneIps = [`172.16.${this.int(0, 63)}.${this.int(2, 254)}`, `172.16.${this.int(64, 127)}.${this.int(2, 254)}`];
    this.buildNodes(36);
    this.buildWorkloads();
    this.buildIdentities();
    const resizer = this.pods.find((p) => p.workload.name === 'image-resizer') as Pod;
    resizer.restarts[0] = this.int(20, 200);
    this.crashLoop = { pod: resizer, nextUs: startUs + this.int(0, 300) * 1_000_000 };
    this.shapes = [
      [24, () => this.nodeLeaseUpdate(), 'nodeLeaseUpdate'],
      [5, () => this.leaderLeaseGet(), 'leaderLeaseGet'],
      [6, () => this.leaderLeaseUpdate(), 'leaderLeaseUpdate'],
      [6, () => this.watch(), 'watch'],
      [4, () => this.list(), 'list'],
      [8, () => this.get(), 'get'],
      [1.2, () => this.secretRead(), 'secretRead'],
      [9, () => this.podStatusPatch(), 'podStatusPatch'],
      [4, () => this.nodeStatusPatch(), 'nodeStatusPatch'],
      [7, () => this.eventCreate(), 'eventCreate'],
      [2, () => this.eventPatch(), 'eventPatch'],
      [3, () => this.tokenReview(), 'tokenReview'],
      [3, () => this.subjectAccessReview(), 'subjectAccessReview'],
      [2, () => this.configMapUpdate(), 'configMapUpdate'],
      [1.2, () => this.endpointsUpdate(), 'endpointsUpdate'],
      [2, () => this.endpointSliceUpdate(), 'endpointSliceUpdate'],
      [2, () => this.workloadStatusUpdate(), 'workloadStatusUpdate'],
      [0.8, () => this.serviceAccountToken(), 'serviceAccountToken'],
      [2, () => this.discovery(), 'discovery'],
      [0.15, () => this.anonymousHealth(), 'anonymousHealth'],
      [0.5, () => this.podCreate(), 'podCreate'],
      [0.5, () => this.podBinding(), 'podBinding'],
      [0.5, () => this.podDelete(), 'podDelete'],
      [0.25, () => this.deploymentPatch(), 'deploymentPatch'],
      [0.1, () => this.roleBindingCreate(), 'roleBindingCreate'],
      [0.3, () => this.secretWrite(), 'secretWrite'],
      [0.12, () => this.exec(), 'exec'],
      [0.15, () => this.configMapCreateByCi(), 'configMapCreateByCi'],
    ];
    const weights = MIX_WEIGHTS[mix];
    for (const shape of this.shapes) shape[0] = weights[shape[2]] ?? shape[0];
    this.totalWeight = this.shapes.reduce((sum, [w]) => sum + w, 0);
  }

  /** The next line in stage-timestamp order. */
  next(): string {
    while (this.heap.length === 0 || this.heap[0].at > this.now) {
      this.now += Math.max(1, Math.round(-Math.log(1 - this.random()) * 9_000)); // ~110 requests/s
      let pick = this.random() * this.totalWeight;
      for (const [weight, shape] of this.shapes) {
        pick -= weight;
        if (pick < 0) {
          shape();
          break;
        }
      }
    }
    return this.pop().line;
  }

  // --- randomness ----------------------------------------------------------------------------

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.random() * alphabet.length)];
    return s;
  }

  private uuid(): string {
    const h = this.chars(HEX, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(this.random() * 4)]}${h.slice(17, 20)}-${h.slice(20)}`;
  }

  private nextRv(): string {
    this.resourceVersion += this.int(1, 6);
    return String(this.resourceVersion);
  }

  private latency(minMs: number, meanMs: number): number {
    return Math.round((minMs - Math.log(1 - this.random()) * meanMs) * 1000);
  }

  // --- time ----------------------------------------------------------------------------------

  /** RFC 3339 with microseconds, as audit timestamps and MicroTime fields are written. */
  private micro(us: number): string {
    const ms = Math.floor(us / 1000);
    return `${new Date(ms).toISOString().slice(0, 23)}${String(Math.floor(us - ms * 1000)).padStart(3, '0')}Z`;
  }

  /** RFC 3339 to the second, as metav1.Time is written. */
  private seconds(us: number): string {
    return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}Z`;
  }

  private ago(minSeconds: number, maxSeconds: number): string {
    return this.seconds(this.now - this.int(minSeconds, maxSeconds) * 1_000_000);
  }

  // --- output --------------------------------------------------------------------------------

  private push(at: number, line: string): void {
    const item: Pending = { at, seq: this.seq++, line };
    const heap = this.heap;
    let i = heap.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  private pop(): Pending {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Pending;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const c = r < heap.length && before(heap[r], heap[l]) ? r : l;
        if (!before(heap[c], last)) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }

  /** Writes the stages of one request: [RequestReceived,] [ResponseStarted,] ResponseComplete. */
  private request(r: Request): void {
    const auditID = this.uuid();
    const received = this.now;
    const receivedText = this.micro(received);
    const bodies = r.level !== 'Metadata';
    const annotations: Record<string, string> = { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': r.reason, ...r.annotations };
    const stage = (name: string, at: number, status: Json, withResponse: boolean, withAnnotations: boolean): string =>
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: r.level,
        auditID,
        stage: name,
        requestURI: r.uri,
        verb: r.verb,
        user: r.user,
        sourceIPs: [r.ip],
        userAgent: r.userAgent,
        objectRef: r.objectRef,
        responseStatus: status,
        requestObject: bodies ? r.requestObject : undefined,
        responseObject: withResponse && r.level === 'RequestResponse' ? r.responseObject : undefined,
        requestReceivedTimestamp: receivedText,
        stageTimestamp: this.micro(at),
        annotations: withAnnotations ? annotations : undefined,
      } satisfies JsonObject);
    if (this.chance(REQUEST_RECEIVED_SHARE)) this.push(received, stage('RequestReceived', received, undefined, false, false));
    const status = r.status ?? { metadata: {}, code: r.code ?? 200 };
    if (r.startedUs !== undefined) {
      this.push(received + r.startedUs, stage('ResponseStarted', received + r.startedUs, status, false, true));
    }
    this.push(received + r.latencyUs, stage('ResponseComplete', received + r.latencyUs, status, true, true));
  }

  // --- the cluster ---------------------------------------------------------------------------

  private awsUser(username: string, role: string, session: string, groups: string[]): User {
    const principal = `AROA${this.chars(UPPER, 17)}`;
    return {
      username,
      uid: `aws-iam-authenticator:${this.account}:${principal}`,
      groups,
      extra: {
        accessKeyId: [`ASIA${this.chars(UPPER, 16)}`],
        arn: [`arn:aws:sts::${this.account}:assumed-role/${role}/${session}`],
        canonicalArn: [`arn:aws:iam::${this.account}:role/${role}`],
        principalId: [principal],
        sessionName: [session],
        'sigs.k8s.io/aws-iam-authenticator/principalId': [principal],
      },
    };
  }

  private buildNodes(count: number): void {
    const role = `eks-general-ng-NodeInstanceRole-${this.chars(UPPER, 12)}`;
    const images = this.nodeImages();
    for (let i = 0; i < count; i++) {
      const a = this.int(0, 95);
      const b = this.int(2, 254);
      const name = `ip-10-0-${a}-${b}.${REGION}.compute.internal`;
      const instanceId = `i-0${this.chars(HEX, 16)}`;
      const nodeImages = images.filter(() => this.chance(0.7));
      this.nodes.push({
        name,
        ip: `10.0.${a}.${b}`,
        instanceId,
        uid: this.uuid(),
        leaseUid: this.uuid(),
        leaseCreated: this.ago(86_400, 40 * 86_400),
        user: this.awsUser(`system:node:${name}`, role, instanceId, ['system:bootstrappers', 'system:nodes', 'system:authenticated']),
        images: nodeImages,
      });
    }
  }

  private nodeImages(): JsonObject[] {
    const repos = [
      `${ECR}/amazon-k8s-cni`,
      `${ECR}/amazon-k8s-cni-init`,
      `${ECR}/eks/kube-proxy`,
      `${ECR}/eks/coredns`,
      `${ECR}/eks/pause`,
      `${ECR}/eks/aws-ebs-csi-driver`,
      `${ECR}/eks/csi-node-driver-registrar`,
      `${ECR}/eks/livenessprobe`,
      `${ECR}/amazon/aws-network-policy-agent`,
      'public.ecr.aws/aws-observability/aws-for-fluent-bit',
      'quay.io/prometheus/node-exporter',
      'registry.k8s.io/metrics-server/metrics-server',
      'quay.io/argoproj/argocd',
      'quay.io/jetstack/cert-manager-controller',
      'registry.k8s.io/ingress-nginx/controller',
      'docker.io/grafana/grafana',
      'quay.io/prometheus/prometheus',
      'docker.io/library/redis',
      'docker.io/bitnami/postgresql',
      'public.ecr.aws/karpenter/controller',
    ];
    const images: JsonObject[] = [];
    for (const repo of repos) {
      for (let v = 0; v < this.int(1, 3); v++) {
        const tag = `v${this.int(1, 3)}.${this.int(0, 30)}.${this.int(0, 12)}${repo.includes(ECR) ? `-eksbuild.${this.int(1, 3)}` : ''}`;
        images.push({ names: [`${repo}@sha256:${this.chars(HEX, 64)}`, `${repo}:${tag}`], sizeBytes: this.int(2_000_000, 420_000_000) });
      }
    }
    for (let i = 0; i < 40; i++) {
      const repo = `${this.account}.dkr.ecr.${REGION}.amazonaws.com/${this.pick(['payments', 'checkout', 'catalog', 'search', 'orders', 'users', 'ml'])}/${this.pick(['api', 'worker', 'web', 'cron', 'consumer'])}`;
      images.push({ names: [`${repo}@sha256:${this.chars(HEX, 64)}`, `${repo}:${this.chars(HEX, 7)}`], sizeBytes: this.int(40_000_000, 1_200_000_000) });
    }
    return images;
  }

  private buildWorkloads(): void {
    const apps: [string, string[], string][] = [
      ['kube-system', ['coredns', 'metrics-server', 'aws-load-balancer-controller', 'ebs-csi-controller', 'cluster-autoscaler'], 'platform'],
      ['karpenter', ['karpenter'], 'platform'],
      ['cert-manager', ['cert-manager', 'cert-manager-cainjector', 'cert-manager-webhook'], 'platform'],
      ['ingress-nginx', ['ingress-nginx-controller'], 'platform'],
      ['argocd', ['argocd-server', 'argocd-repo-server', 'argocd-applicationset-controller', 'argocd-redis'], 'platform'],
      ['monitoring', ['prometheus-operator', 'grafana', 'kube-state-metrics', 'alertmanager'], 'observability'],
      ['payments', ['payments-api', 'payments-worker', 'ledger', 'fraud-scorer'], 'payments'],
      ['checkout', ['checkout-web', 'checkout-api', 'cart', 'pricing'], 'checkout'],
      ['catalog', ['catalog-api', 'search-indexer', 'image-resizer'], 'catalog'],
      ['orders', ['orders-api', 'orders-consumer', 'notifications'], 'orders'],
      ['users', ['users-api', 'sessions', 'auth-gateway'], 'identity'],
      ['default', ['debug-tools'], 'platform'],
    ];
    for (const [namespace, names, team] of apps) {
      for (const name of names) this.addWorkload(namespace, name, 'Deployment', this.int(2, 6), team);
    }
    for (const name of ['aws-node', 'kube-proxy', 'ebs-csi-node', 'fluent-bit', 'node-exporter']) {
      this.addWorkload(
        name === 'node-exporter' ? 'monitoring' : name === 'fluent-bit' ? 'amazon-cloudwatch' : 'kube-system',
        name,
        'DaemonSet',
        this.nodes.length,
        'platform',
      );
    }
    this.addWorkload('monitoring', 'prometheus-k8s', 'StatefulSet', 2, 'observability');
    this.addWorkload('argocd', 'argocd-application-controller', 'StatefulSet', 1, 'platform');
    this.addWorkload('payments', 'postgres', 'StatefulSet', 3, 'payments');
  }

  private addWorkload(namespace: string, name: string, kind: Workload['kind'], replicas: number, team: string): void {
    const containers: Container[] = [];
    const count = this.chance(0.3) ? 2 : 1;
    for (let c = 0; c < count; c++) {
      const repo = team === 'platform' || team === 'observability' ? `${ECR}/eks/${name}` : `${this.account}.dkr.ecr.${REGION}.amazonaws.com/${team}/${name}`;
      const env: JsonObject[] = [];
      for (let e = 0; e < this.int(4, 16); e++) {
        const key = `${this.pick(['APP', 'DB', 'CACHE', 'OTEL', 'AWS', 'FEATURE', 'HTTP', 'LOG'])}_${this.pick(['HOST', 'PORT', 'LEVEL', 'REGION', 'TIMEOUT', 'URL', 'NAME', 'ENABLED', 'POOL_SIZE', 'ENDPOINT'])}_${e}`;
        env.push({ name: key, value: this.chance(0.5) ? `${name}.${namespace}.svc.cluster.local:${this.int(1000, 9999)}` : String(this.int(1, 500)) });
      }
      containers.push({
        name: c === 0 ? (kind === 'DaemonSet' ? name : 'app') : this.pick(['sidecar', 'envoy', 'otel-collector', 'istio-proxy']),
        image: `${repo}:${c === 0 ? `v${this.int(1, 4)}.${this.int(0, 40)}.${this.int(0, 9)}` : '1.31.2'}`,
        imageID: `${repo}@sha256:${this.chars(HEX, 64)}`,
        port: this.pick([8080, 8443, 9090, 3000, 5432, 6379, 53]),
        env,
        cpu: this.pick(['50m', '100m', '250m', '500m', '1']),
        memory: this.pick(['64Mi', '128Mi', '256Mi', '512Mi', '1Gi', '2Gi']),
      });
    }
    const w: Workload = {
      namespace,
      name,
      kind,
      uid: this.uuid(),
      rsHash: this.chars(K8S_SUFFIX, this.int(9, 10)),
      rsUid: this.uuid(),
      // Add-ons run as their own service account (their RBAC is bound to it); apps often use `default`.
      serviceAccount: this.chance(0.6) || team === 'platform' || team === 'observability' ? name : 'default',
      containers,
      replicas,
      generation: this.int(1, 60),
      created: this.ago(86_400 * 5, 86_400 * 300),
      team,
    };
    this.workloads.push(w);
    for (let i = 0; i < replicas; i++) {
      const node = kind === 'DaemonSet' ? this.nodes[i] : this.pick(this.nodes);
      this.pods.push(this.newPod(w, node));
    }
  }

  private newPod(w: Workload, node: Node): Pod {
    const suffix = this.chars(K8S_SUFFIX, 5);
    const name =
      w.kind === 'Deployment'
        ? `${w.name}-${w.rsHash}-${suffix}`
        : w.kind === 'DaemonSet'
          ? `${w.name}-${suffix}`
          : `${w.name}-${this.pods.filter((p) => p.workload === w).length}`;
    return {
      workload: w,
      name,
      uid: this.uuid(),
      node,
      ip: w.kind === 'DaemonSet' ? node.ip : `10.0.${this.int(0, 95)}.${this.int(2, 254)}`,
      containerIds: w.containers.map(() => this.chars(HEX, 64)),
      restarts: w.containers.map(() => (this.chance(0.15) ? this.int(1, 40) : 0)),
      started: this.ago(3600, 86_400 * 20),
    };
  }

  private saUser(namespace: string, name: string, pod?: Pod): User {
    const extra: JsonObject = { 'authentication.kubernetes.io/credential-id': [`JTI=${this.uuid()}`] };
    if (pod) {
      extra['authentication.kubernetes.io/node-name'] = [pod.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [pod.node.uid];
      extra['authentication.kubernetes.io/pod-name'] = [pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [pod.uid];
    }
    return {
      username: `system:serviceaccount:${namespace}:${name}`,
      uid: this.uuid(),
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      extra,
    };
  }

  private buildIdentities(): void {
    const agents: Record<string, string> = {
      'aws-node': 'aws-node/v0.0.0 (linux/amd64) kubernetes/$Format',
      'kube-proxy': `kube-proxy/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}`,
      coredns: 'coredns/v0.0.0 (linux/amd64) kubernetes/$Format',
      'aws-load-balancer-controller': 'controller/v0.0.0 (linux/amd64) kubernetes/$Format',
      'cluster-autoscaler': 'cluster-autoscaler/v1.30.2 (linux/amd64) kubernetes/$Format',
      'metrics-server': 'metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format',
      karpenter: 'karpenter.sh/v1.1.1',
      'argocd-application-controller': 'argocd-application-controller/v0.0.0 (linux/amd64) kubernetes/$Format',
      'cert-manager': 'cert-manager-controller/v1.16.2 (linux/amd64) cert-manager/3b3e1b6',
      'kube-state-metrics': 'kube-state-metrics/v2.14.0 (linux/amd64) kubernetes/$Format',
      'prometheus-operator': 'PrometheusOperator/0.79.2',
      'ingress-nginx-controller': 'nginx-ingress-controller/v1.12.0 (linux/amd64) ingress-nginx/0a8a5d8',
      'prometheus-k8s': 'Prometheus/2.55.1',
      'fluent-bit': 'fluent-bit/3.1.9',
    };
    for (const [name, userAgent] of Object.entries(agents)) {
      const pod = this.pods.find((p) => p.workload.name === name) ?? this.pick(this.pods);
      const namespace = name === 'argocd-application-controller' ? 'argocd' : pod.workload.namespace;
      this.serviceAccounts.push({ namespace, name, user: this.saUser(namespace, name, pod), ip: pod.ip, userAgent });
    }
    for (const c of [
      'replicaset-controller',
      'deployment-controller',
      'endpoint-controller',
      'endpointslice-controller',
      'daemon-set-controller',
      'statefulset-controller',
      'namespace-controller',
      'generic-garbage-collector',
      'resourcequota-controller',
      'node-controller',
      'job-controller',
      'horizontal-pod-autoscaler',
      'disruption-controller',
      'pvc-protection-controller',
      'ttl-controller',
    ]) {
      this.controllers.set(c, this.saUser('kube-system', c));
    }
    const sso = `AWSReservedSSO_PlatformAdmin_${this.chars(HEX, 16)}`;
    for (const person of ['alice.nguyen', 'bob.schmidt', 'carla.rossi', 'dmitri.ivanov']) {
      this.humans.push({
        user: this.awsUser(`arn:aws:sts::${this.account}:assumed-role/${sso}/${person}@example.com`, sso, `${person}@example.com`, [
          'eks:cluster-admins',
          'system:authenticated',
        ]),
        ip: `${this.int(20, 220)}.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`,
        userAgent: `kubectl/v1.31.${this.int(0, 4)} (${this.pick(['darwin/arm64', 'linux/amd64', 'windows/amd64'])}) kubernetes/${this.chars(HEX, 7)}`,
      });
    }
    this.ci.push({
      user: this.awsUser(`arn:aws:sts::${this.account}:assumed-role/github-actions-deploy/GitHubActions`, 'github-actions-deploy', 'GitHubActions', [
        'ci:deployers',
        'system:authenticated',
      ]),
      ip: `${this.int(4, 140)}.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`,
      userAgent: 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9',
    });
    const argo = this.serviceAccounts.find((s) => s.name === 'argocd-application-controller') as ServiceAccountIdentity;
    this.ci.push({ user: argo.user, ip: argo.ip, userAgent: argo.userAgent });
    const leaderUsers: [string, string, User, string][] = [
      ['kube-system', 'kube-controller-manager', this.kcm, `kube-controller-manager/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}/leader-election`],
      ['kube-system', 'kube-scheduler', this.scheduler, `kube-scheduler/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}/leader-election`],
      [
        'kube-system',
        'cloud-controller-manager',
        { username: 'eks:cloud-controller-manager', groups: ['system:authenticated'] },
        `aws-cloud-controller-manager/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}/leader-election`,
      ],
      ['kube-system', 'aws-load-balancer-controller-leader', this.sa('aws-load-balancer-controller').user, this.sa('aws-load-balancer-controller').userAgent],
      ['kube-system', 'cluster-autoscaler', this.sa('cluster-autoscaler').user, this.sa('cluster-autoscaler').userAgent],
      ['karpenter', 'karpenter-leader-election', this.sa('karpenter').user, this.sa('karpenter').userAgent],
      ['kube-system', 'cert-manager-controller', this.sa('cert-manager').user, this.sa('cert-manager').userAgent],
      ['ingress-nginx', 'ingress-nginx-leader', this.sa('ingress-nginx-controller').user, this.sa('ingress-nginx-controller').userAgent],
    ];
    for (const [namespace, name, user, userAgent] of leaderUsers) {
      this.leaders.push({
        namespace,
        name,
        user,
        userAgent,
        uid: this.uuid(),
        holder: `ip-172-16-${this.int(0, 127)}-${this.int(2, 254)}.${REGION}.compute.internal_${this.uuid()}`,
        created: this.ago(86_400 * 30, 86_400 * 300),
        transitions: this.int(3, 90),
      });
    }
  }

  private sa(name: string): ServiceAccountIdentity {
    return this.serviceAccounts.find((s) => s.name === name) as ServiceAccountIdentity;
  }

  private controller(name: string): User {
    return this.controllers.get(name) as User;
  }

  private kcmAgent(controller: string): string {
    return `kube-controller-manager/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}/system:serviceaccount:kube-system:${controller}`;
  }

  private cp(): string {
    return this.pick(this.controlPlaneIps);
  }

  private rbacReason(kind: 'ClusterRoleBinding' | 'RoleBinding', binding: string, role: string, subject: string): string {
    return `RBAC: allowed by ${kind} "${binding}" of ${kind === 'ClusterRoleBinding' ? 'ClusterRole' : 'Role'} "${role}" to ${subject}`;
  }

  private saReason(sa: ServiceAccountIdentity): string {
    return this.rbacReason('ClusterRoleBinding', sa.name, sa.name, `ServiceAccount "${sa.name}/${sa.namespace}"`);
  }

  private kcmReason(controller: string): string {
    return this.rbacReason(
      'ClusterRoleBinding',
      `system:controller:${controller}`,
      `system:controller:${controller}`,
      `ServiceAccount "${controller}/kube-system"`,
    );
  }

  private managedFields(manager: string, operation: 'Update' | 'Apply', apiVersion: string, object: JsonObject, subresource?: string): JsonObject {
    return { manager, operation, apiVersion, time: this.seconds(this.now), fieldsType: 'FieldsV1', fieldsV1: fieldsOf(object), subresource };
  }

  // --- shapes --------------------------------------------------------------------------------

  private nodeLeaseUpdate(): void {
    const node = this.pick(this.nodes);
    const rv = this.nextRv();
    const spec = { holderIdentity: node.name, leaseDurationSeconds: 40, renewTime: this.micro(this.now) };
    const lease = (resourceVersion: string): JsonObject => ({
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: {
        name: node.name,
        namespace: 'kube-node-lease',
        uid: node.leaseUid,
        resourceVersion,
        creationTimestamp: node.leaseCreated,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid }],
        managedFields: [
          {
            manager: 'kubelet',
            operation: 'Update',
            apiVersion: 'coordination.k8s.io/v1',
            time: this.seconds(this.now),
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:metadata': { 'f:ownerReferences': { '.': {}, [`k:{"uid":"${node.uid}"}`]: {} } },
              'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:renewTime': {} },
            },
          },
        ],
      },
      spec,
    });
    this.request({
      level: 'RequestResponse',
      uri: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node.name}?timeout=10s`,
      verb: 'update',
      user: node.user,
      ip: node.ip,
      userAgent: `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087`,
      objectRef: {
        resource: 'leases',
        namespace: 'kube-node-lease',
        name: node.name,
        uid: node.leaseUid,
        apiGroup: 'coordination.k8s.io',
        apiVersion: 'v1',
        resourceVersion: String(Number(rv) - this.int(200, 5000)),
      },
      requestObject: lease(String(Number(rv) - this.int(200, 5000))),
      responseObject: lease(rv),
      latencyUs: this.latency(1, 3),
      reason: SYSTEM_NODES_REASON,
    });
  }

  private leaderLeaseGet(): void {
    const l = this.pick(this.leaders);
    this.request({
      level: 'Metadata',
      uri: `/apis/coordination.k8s.io/v1/namespaces/${l.namespace}/leases/${l.name}?timeout=5s`,
      verb: 'get',
      user: l.user,
      ip: l.user.extra ? this.pick(this.nodes).ip : this.cp(),
      userAgent: l.userAgent,
      objectRef: { resource: 'leases', namespace: l.namespace, name: l.name, apiGroup: 'coordination.k8s.io', apiVersion: 'v1' },
      latencyUs: this.latency(0.5, 1.5),
      reason: this.rbacReason('RoleBinding', `system::leader-locking-${l.name}`, `system::leader-locking-${l.name}`, `User "${l.user.username}"`),
    });
  }

  private leaderLeaseUpdate(): void {
    const l = this.pick(this.leaders);
    const rv = this.nextRv();
    const lease = (resourceVersion: string): JsonObject => ({
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: {
        name: l.name,
        namespace: l.namespace,
        uid: l.uid,
        resourceVersion,
        creationTimestamp: l.created,
        managedFields: [
          {
            manager: l.userAgent.split('/')[0],
            operation: 'Update',
            apiVersion: 'coordination.k8s.io/v1',
            time: this.seconds(this.now),
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:acquireTime': {}, 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:leaseTransitions': {}, 'f:renewTime': {} } },
          },
        ],
      },
      spec: {
        holderIdentity: l.holder,
        leaseDurationSeconds: 15,
        acquireTime: l.created.replace('Z', '.000000Z'),
        renewTime: this.micro(this.now),
        leaseTransitions: l.transitions,
      },
    });
    this.request({
      level: 'RequestResponse',
      uri: `/apis/coordination.k8s.io/v1/namespaces/${l.namespace}/leases/${l.name}?timeout=5s`,
      verb: 'update',
      user: l.user,
      ip: l.user.extra ? this.pick(this.nodes).ip : this.cp(),
      userAgent: l.userAgent,
      objectRef: {
        resource: 'leases',
        namespace: l.namespace,
        name: l.name,
        uid: l.uid,
        apiGroup: 'coordination.k8s.io',
        apiVersion: 'v1',
        resourceVersion: String(Number(rv) - this.int(10, 900)),
      },
      requestObject: lease(String(Number(rv) - this.int(10, 900))),
      responseObject: lease(rv),
      latencyUs: this.latency(1, 4),
      reason: this.rbacReason('RoleBinding', `system::leader-locking-${l.name}`, `system::leader-locking-${l.name}`, `User "${l.user.username}"`),
    });
  }

  /** Who reads what: [user, ip, userAgent, reason]. */
  private reader(): [User, string, string, string] {
    const roll = this.random();
    if (roll < 0.45) {
      const node = this.pick(this.nodes);
      return [node.user, node.ip, `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087`, SYSTEM_NODES_REASON];
    }
    if (roll < 0.75) {
      const sa = this.pick(this.serviceAccounts);
      return [sa.user, sa.ip, sa.userAgent, this.saReason(sa)];
    }
    if (roll < 0.9) {
      const c = this.pick([...this.controllers.keys()]);
      return [this.controller(c), this.cp(), this.kcmAgent(c), this.kcmReason(c)];
    }
    return [
      this.scheduler,
      this.cp(),
      `kube-scheduler/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}/scheduler`,
      this.rbacReason('ClusterRoleBinding', 'system:kube-scheduler', 'system:kube-scheduler', 'User "system:kube-scheduler"'),
    ];
  }

  private static readonly READ_TARGETS: [string, string, string][] = [
    // [resource, apiGroup, version]
    ['pods', '', 'v1'],
    ['nodes', '', 'v1'],
    ['services', '', 'v1'],
    ['endpoints', '', 'v1'],
    ['configmaps', '', 'v1'],
    ['namespaces', '', 'v1'],
    ['serviceaccounts', '', 'v1'],
    ['persistentvolumeclaims', '', 'v1'],
    ['persistentvolumes', '', 'v1'],
    ['deployments', 'apps', 'v1'],
    ['replicasets', 'apps', 'v1'],
    ['daemonsets', 'apps', 'v1'],
    ['statefulsets', 'apps', 'v1'],
    ['endpointslices', 'discovery.k8s.io', 'v1'],
    ['ingresses', 'networking.k8s.io', 'v1'],
    ['networkpolicies', 'networking.k8s.io', 'v1'],
    ['csinodes', 'storage.k8s.io', 'v1'],
    ['storageclasses', 'storage.k8s.io', 'v1'],
    ['volumeattachments', 'storage.k8s.io', 'v1'],
    ['runtimeclasses', 'node.k8s.io', 'v1'],
    ['poddisruptionbudgets', 'policy', 'v1'],
    ['horizontalpodautoscalers', 'autoscaling', 'v2'],
    ['customresourcedefinitions', 'apiextensions.k8s.io', 'v1'],
    ['nodepools', 'karpenter.sh', 'v1'],
    ['nodeclaims', 'karpenter.sh', 'v1'],
    ['certificates', 'cert-manager.io', 'v1'],
    ['applications', 'argoproj.io', 'v1alpha1'],
    ['servicemonitors', 'monitoring.coreos.com', 'v1'],
  ];

  private static base(group: string, version: string): string {
    return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  }

  private watch(): void {
    const [resource, group, version] = this.pick(ClusterSim.READ_TARGETS);
    const [user, ip, userAgent, reason] = this.reader();
    const namespaced = resource !== 'nodes' && resource !== 'namespaces' && resource !== 'persistentvolumes' && resource !== 'csinodes' && this.chance(0.3);
    const namespace = namespaced ? this.pick(this.workloads).namespace : undefined;
    const timeout = this.int(300, 600);
    const selector = user.username.startsWith('system:node:') && resource === 'pods' ? `fieldSelector=spec.nodeName%3D${user.username.slice(12)}&` : '';
    this.request({
      level: 'Metadata',
      uri: `${ClusterSim.base(group, version)}${namespace ? `/namespaces/${namespace}` : ''}/${resource}?allowWatchBookmarks=true&${selector}resourceVersion=${this.resourceVersion - this.int(0, 50_000)}&timeout=${Math.floor(timeout / 60)}m${timeout % 60}s&timeoutSeconds=${timeout}&watch=true`,
      verb: 'watch',
      user,
      ip,
      userAgent,
      objectRef: { resource, namespace, apiGroup: group || undefined, apiVersion: version },
      latencyUs: timeout * 1_000_000 + this.int(0, 2_000_000),
      startedUs: this.latency(0.3, 1),
      reason,
    });
  }

  private list(): void {
    const [resource, group, version] = this.pick(ClusterSim.READ_TARGETS);
    const [user, ip, userAgent, reason] = this.reader();
    this.request({
      level: 'Metadata',
      uri: `${ClusterSim.base(group, version)}/${resource}?limit=500&resourceVersion=0`,
      verb: 'list',
      user,
      ip,
      userAgent,
      objectRef: { resource, apiGroup: group || undefined, apiVersion: version },
      latencyUs: this.latency(2, 25),
      reason,
    });
  }

  private get(): void {
    const [resource, group, version] = this.pick(ClusterSim.READ_TARGETS.slice(0, 14));
    const [user, ip, userAgent, reason] = this.reader();
    const pod = this.pick(this.pods);
    const clusterScoped = resource === 'nodes' || resource === 'namespaces' || resource === 'persistentvolumes';
    const name =
      resource === 'pods'
        ? pod.name
        : resource === 'nodes'
          ? pod.node.name
          : resource === 'namespaces'
            ? pod.workload.namespace
            : resource === 'configmaps'
              ? this.pick(['kube-root-ca.crt', 'aws-auth', 'coredns', 'kube-proxy-config', `${pod.workload.name}-config`])
              : pod.workload.name;
    const namespace = clusterScoped ? undefined : pod.workload.namespace;
    const missing = this.chance(0.04);
    this.request({
      level: 'Metadata',
      uri: `${ClusterSim.base(group, version)}${namespace ? `/namespaces/${namespace}` : ''}/${resource}/${name}`,
      verb: 'get',
      user,
      ip,
      userAgent,
      objectRef: { resource, namespace, name, apiGroup: group || undefined, apiVersion: version },
      status: missing
        ? { metadata: {}, status: 'Failure', message: `${resource} "${name}" not found`, reason: 'NotFound', details: { name, kind: resource }, code: 404 }
        : OK,
      latencyUs: this.latency(0.4, 2),
      reason,
    });
  }

  /**
   * Who reads Secrets in a real cluster: mostly kubelets, each watching the Secrets its own pods
   * mount; add-ons reading their own namespace's Secrets (webhook certificates, Argo CD's cluster
   * credentials); and the few add-ons whose informers watch Secrets in every namespace
   * (cert-manager, ingress-nginx, kube-state-metrics, the Prometheus operator), one watch per
   * process re-opened every 5-10 minutes, so a handful in a quarter of an hour.
   */
  private secretRead(): void {
    const timeout = this.int(300, 600);
    const watchQuery = (selector: string): string =>
      `?allowWatchBookmarks=true&${selector}resourceVersion=${this.resourceVersion - this.int(0, 90_000)}&timeout=${Math.floor(timeout / 60)}m${timeout % 60}s&timeoutSeconds=${timeout}&watch=true`;
    const watching = { latencyUs: timeout * 1_000_000, startedUs: this.latency(0.3, 1) };
    if (this.chance(0.6)) {
      const pod = this.pick(this.pods);
      const name = this.pick([`${pod.workload.name}-tls`, `${pod.workload.name}-env`, `${pod.workload.serviceAccount}-token`, 'regcred']);
      this.request({
        level: 'Metadata',
        uri: `/api/v1/namespaces/${pod.workload.namespace}/secrets${watchQuery(`fieldSelector=metadata.name%3D${name}&`)}`,
        verb: 'watch',
        user: pod.node.user,
        ip: pod.node.ip,
        userAgent: `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087`,
        objectRef: { resource: 'secrets', namespace: pod.workload.namespace, name, apiVersion: 'v1' },
        ...watching,
        reason: SYSTEM_NODES_REASON,
      });
      return;
    }
    if (this.chance(0.02)) {
      const sa = this.sa(this.pick(CLUSTER_SECRET_INFORMERS));
      const verb = this.chance(0.8) ? 'watch' : 'list';
      this.request({
        level: 'Metadata',
        uri: `/api/v1/secrets${verb === 'watch' ? watchQuery('') : '?limit=500&resourceVersion=0'}`,
        verb,
        user: sa.user,
        ip: sa.ip,
        userAgent: sa.userAgent,
        objectRef: { resource: 'secrets', apiVersion: 'v1' },
        ...(verb === 'watch' ? watching : { latencyUs: this.latency(5, 30) }),
        reason: this.saReason(sa),
      });
      return;
    }
    const [reader, names] = this.pick(OWN_SECRET_READERS);
    const sa = this.sa(reader);
    const name = this.pick(names);
    const verb = this.pick(['get', 'list', 'watch']);
    const selector =
      reader === 'argocd-application-controller' ? 'labelSelector=argocd.argoproj.io%2Fsecret-type%3Dcluster&' : `fieldSelector=metadata.name%3D${name}&`;
    this.request({
      level: 'Metadata',
      uri: `/api/v1/namespaces/${sa.namespace}/secrets${verb === 'get' ? `/${name}` : verb === 'list' ? `?${selector}limit=500` : watchQuery(selector)}`,
      verb,
      user: sa.user,
      ip: sa.ip,
      userAgent: sa.userAgent,
      objectRef: { resource: 'secrets', namespace: sa.namespace, name: verb === 'get' ? name : undefined, apiVersion: 'v1' },
      ...(verb === 'watch' ? watching : { latencyUs: this.latency(0.5, 2) }),
      reason: this.saReason(sa),
    });
  }

  /**
   * A container's status as the kubelet reports it. `lastState.terminated` stays in every report
   * after a container's last restart, so most reports that carry one show no new restart: only
   * `restartedNow` raises the count.
   */
  private containerStatus(pod: Pod, i: number, restartedNow: boolean): JsonObject {
    const c = pod.workload.containers[i];
    const id = `containerd://${pod.containerIds[i]}`;
    const looping = i === 0 && this.crashLoop.pod === pod;
    const recent = looping || (restartedNow && i === 0);
    const lastState: JsonObject =
      pod.restarts[i] > 0
        ? {
            terminated: {
              containerID: `containerd://${this.chars(HEX, 64)}`,
              exitCode: looping ? 137 : this.pick([1, 2, 137, 143, 255]),
              finishedAt: recent ? this.ago(1, 20) : pod.started,
              reason: looping ? 'OOMKilled' : this.pick(['Error', 'OOMKilled', 'Completed']),
              startedAt: recent ? this.ago(20, 90) : this.ago(86_400 * 21, 86_400 * 40),
            },
          }
        : {};
    return {
      containerID: id,
      image: c.image,
      imageID: c.imageID,
      lastState,
      name: c.name,
      ready: !recent,
      restartCount: pod.restarts[i],
      started: !recent,
      state: looping
        ? {
            waiting: {
              message: `back-off 5m0s restarting failed container=${c.name} pod=${pod.name}_${pod.workload.namespace}(${pod.uid})`,
              reason: 'CrashLoopBackOff',
            },
          }
        : { running: { startedAt: pod.started } },
    };
  }

  /**
   * Kubelets reporting pod status. Restarts are rare and spread out (an OOM kill here and there),
   * except for the one pod that crash-loops, restarting every 5-6 minutes (the kubelet's longest
   * back-off plus the time it runs before dying), as a real cluster usually has one.
   */
  private podStatusPatch(): void {
    const loop = this.crashLoop;
    const due = loop.nextUs <= this.now;
    const pod = due ? loop.pod : this.pick(this.pods);
    const restartedNow = due || this.chance(0.002);
    if (due) loop.nextUs = this.now + (300 + this.int(10, 60)) * 1_000_000;
    if (restartedNow) {
      pod.restarts[0]++;
      if (!due) pod.started = this.seconds(this.now);
    }
    const terminated = restartedNow || loop.pod === pod;
    const ready = terminated ? 'False' : 'True';
    const withContainers = terminated || this.chance(0.5);
    const status: JsonObject = {
      '$setElementOrder/conditions': [
        { type: 'PodReadyToStartContainers' },
        { type: 'Initialized' },
        { type: 'Ready' },
        { type: 'ContainersReady' },
        { type: 'PodScheduled' },
      ],
      conditions: [
        {
          lastTransitionTime: this.seconds(this.now),
          message: terminated ? `containers with unready status: [${pod.workload.containers[0].name}]` : undefined,
          reason: terminated ? 'ContainersNotReady' : undefined,
          status: ready,
          type: 'Ready',
        },
        {
          lastTransitionTime: this.seconds(this.now),
          message: terminated ? `containers with unready status: [${pod.workload.containers[0].name}]` : undefined,
          reason: terminated ? 'ContainersNotReady' : undefined,
          status: ready,
          type: 'ContainersReady',
        },
      ],
      containerStatuses: withContainers ? pod.workload.containers.map((_, i) => this.containerStatus(pod, i, restartedNow && i === 0)) : undefined,
      podIP: this.chance(0.2) ? pod.ip : undefined,
    };
    this.request({
      level: 'Request',
      uri: `/api/v1/namespaces/${pod.workload.namespace}/pods/${pod.name}/status`,
      verb: 'patch',
      user: pod.node.user,
      ip: pod.node.ip,
      userAgent: `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087`,
      objectRef: { resource: 'pods', namespace: pod.workload.namespace, name: pod.name, apiVersion: 'v1', subresource: 'status' },
      requestObject: { metadata: { uid: pod.uid }, status },
      latencyUs: this.latency(2, 6),
      reason: SYSTEM_NODES_REASON,
    });
  }

  private nodeStatusPatch(): void {
    const node = this.pick(this.nodes);
    const withImages = this.chance(0.08);
    const heartbeat = this.seconds(this.now);
    const conditions = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];
    this.request({
      level: 'Request',
      uri: `/api/v1/nodes/${node.name}/status?timeout=10s`,
      verb: 'patch',
      user: node.user,
      ip: node.ip,
      userAgent: `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087`,
      objectRef: { resource: 'nodes', name: node.name, apiVersion: 'v1', subresource: 'status' },
      requestObject: {
        status: {
          '$setElementOrder/conditions': conditions.map((type) => ({ type })),
          conditions: conditions.map((type) => ({ lastHeartbeatTime: heartbeat, type })),
          images: withImages ? node.images : undefined,
        },
      },
      latencyUs: this.latency(3, 8),
      reason: SYSTEM_NODES_REASON,
    });
  }

  private eventCreate(): void {
    const pod = this.pick(this.pods);
    const [reason, message, type] = this.pick<[string, string, string]>([
      ['Pulled', `Container image "${pod.workload.containers[0].image}" already present on machine`, 'Normal'],
      ['Created', `Created container ${pod.workload.containers[0].name}`, 'Normal'],
      ['Started', `Started container ${pod.workload.containers[0].name}`, 'Normal'],
      [
        'Unhealthy',
        `Readiness probe failed: Get "http://${pod.ip}:${pod.workload.containers[0].port}/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        'Warning',
      ],
      [
        'BackOff',
        `Back-off restarting failed container ${pod.workload.containers[0].name} in pod ${pod.name}_${pod.workload.namespace}(${pod.uid})`,
        'Warning',
      ],
      ['Killing', `Stopping container ${pod.workload.containers[0].name}`, 'Normal'],
    ]);
    const name = `${pod.name}.${this.chars(HEX, 16)}`;
    const at = this.seconds(this.now);
    const event: JsonObject = {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name, namespace: pod.workload.namespace, creationTimestamp: null },
      involvedObject: {
        kind: 'Pod',
        namespace: pod.workload.namespace,
        name: pod.name,
        uid: pod.uid,
        apiVersion: 'v1',
        resourceVersion: String(this.resourceVersion - this.int(100, 90_000)),
        fieldPath: `spec.containers{${pod.workload.containers[0].name}}`,
      },
      reason,
      message,
      source: { component: 'kubelet', host: pod.node.name },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: 'kubelet',
      reportingInstance: pod.node.name,
    };
    this.request({
      level: 'Request',
      uri: `/api/v1/namespaces/${pod.workload.namespace}/events`,
      verb: 'create',
      user: pod.node.user,
      ip: pod.node.ip,
      userAgent: `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087`,
      objectRef: { resource: 'events', namespace: pod.workload.namespace, name, apiVersion: 'v1' },
      code: 201,
      status: CREATED,
      requestObject: event,
      latencyUs: this.latency(1, 3),
      reason: SYSTEM_NODES_REASON,
    });
  }

  private eventPatch(): void {
    const pod = this.pick(this.pods);
    const c = this.pick(['replicaset-controller', 'endpointslice-controller', 'horizontal-pod-autoscaler', 'node-controller']);
    const name = `${pod.workload.name}.${this.chars(HEX, 16)}`;
    this.request({
      level: 'Request',
      uri: `/api/v1/namespaces/${pod.workload.namespace}/events/${name}`,
      verb: 'patch',
      user: this.controller(c),
      ip: this.cp(),
      userAgent: this.kcmAgent(c),
      objectRef: { resource: 'events', namespace: pod.workload.namespace, name, apiVersion: 'v1' },
      requestObject: {
        count: this.int(2, 4000),
        lastTimestamp: this.seconds(this.now),
        message: `Failed to update endpoint ${pod.workload.namespace}/${pod.workload.name}: Operation cannot be fulfilled on endpoints "${pod.workload.name}": the object has been modified; please apply your changes to the latest version and try again`,
      },
      latencyUs: this.latency(1, 3),
      reason: this.kcmReason(c),
    });
  }

  private jwt(sa: ServiceAccountIdentity): string {
    const header = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjNmNDI1ZDEyYjk2NzY0YzEwYWE0YmE3YTA4ODcxMmRiMGQ2NjcwYTEifQ';
    const iat = Math.floor(this.now / 1e6) - this.int(0, 3000);
    const payload = Buffer.from(
      JSON.stringify({
        aud: ['https://kubernetes.default.svc'],
        exp: iat + 3607,
        iat,
        iss: `https://oidc.eks.${REGION}.amazonaws.com/id/${this.account}`,
        jti: this.uuid(),
        'kubernetes.io': { namespace: sa.namespace, serviceaccount: { name: sa.name } },
        nbf: iat,
        sub: `system:serviceaccount:${sa.namespace}:${sa.name}`,
      }),
    ).toString('base64url');
    return `${header}.${payload}.${this.chars(B64URL, 342)}`;
  }

  private tokenReview(): void {
    const caller = this.pick(this.serviceAccounts);
    const subject = this.pick(this.serviceAccounts);
    const spec = { token: this.jwt(subject), audiences: ['https://kubernetes.default.svc'] };
    this.request({
      level: 'RequestResponse',
      uri: '/apis/authentication.k8s.io/v1/tokenreviews',
      verb: 'create',
      user: caller.user,
      ip: caller.ip,
      userAgent: caller.userAgent,
      objectRef: { resource: 'tokenreviews', apiGroup: 'authentication.k8s.io', apiVersion: 'v1' },
      status: CREATED,
      requestObject: { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { user: {} } },
      responseObject: {
        kind: 'TokenReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {
          creationTimestamp: null,
          managedFields: [
            {
              manager: caller.userAgent.split('/')[0],
              operation: 'Update',
              apiVersion: 'authentication.k8s.io/v1',
              time: this.seconds(this.now),
              fieldsType: 'FieldsV1',
              fieldsV1: { 'f:spec': { 'f:audiences': {}, 'f:token': {} } },
            },
          ],
        },
        spec,
        status: { authenticated: true, user: subject.user, audiences: spec.audiences },
      },
      latencyUs: this.latency(0.5, 2),
      reason: this.rbacReason('ClusterRoleBinding', 'system:auth-delegator', 'system:auth-delegator', `ServiceAccount "${caller.name}/${caller.namespace}"`),
    });
  }

  /**
   * SubjectAccessReviews as a cluster makes them. Half are kubelets authorising callers of their
   * own API (webhook authorization): metrics-server and Prometheus scraping nodes/metrics, Fluent
   * Bit's Kubernetes filter listing the node's pods (nodes/proxy before fine-grained kubelet
   * authorization), and the API server's kubelet client for exec and logs. The other half are
   * add-ons authorising Prometheus on their secured /metrics endpoint, and metrics-server
   * authorising the HPA controller for the resource metrics API.
   */
  private subjectAccessReview(): void {
    const byNode = this.chance(0.5);
    const node = this.pick(this.nodes);
    const caller = byNode ? null : this.sa(this.pick(METRICS_ENDPOINTS));
    let subject: User;
    let attributes: JsonObject;
    let binding: string;
    if (byNode) {
      const roll = this.random();
      const [who, verb, subresource]: [string, string, string] =
        roll < 0.45
          ? ['metrics-server', 'get', 'metrics']
          : roll < 0.8
            ? ['prometheus-k8s', 'get', this.pick(['metrics', 'metrics', 'stats'])]
            : roll < 0.9
              ? ['fluent-bit', 'get', 'proxy']
              : ['kube-apiserver-kubelet-client', this.pick(['get', 'create']), 'proxy'];
      subject = who === 'kube-apiserver-kubelet-client' ? { username: who, groups: ['system:authenticated'] } : this.sa(who).user;
      attributes = { resourceAttributes: { verb, version: 'v1', resource: 'nodes', subresource, name: node.name } };
      binding = who === 'kube-apiserver-kubelet-client' ? 'system:kubelet-api-admin' : who;
    } else if (this.chance(0.7)) {
      subject = this.sa('prometheus-k8s').user;
      attributes = { nonResourceAttributes: { path: '/metrics', verb: 'get' } };
      binding = 'prometheus-k8s';
    } else {
      subject = this.controller('horizontal-pod-autoscaler');
      attributes = {
        resourceAttributes: { namespace: this.pick(this.workloads).namespace, verb: 'list', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods' },
      };
      binding = 'system:controller:horizontal-pod-autoscaler';
    }
    const spec: JsonObject = { ...attributes, user: subject.username, groups: subject.groups, extra: subject.extra, uid: subject.uid };
    const allowed = byNode || this.chance(0.97);
    const callerSa = caller as ServiceAccountIdentity;
    this.request({
      level: 'RequestResponse',
      uri: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      verb: 'create',
      user: byNode ? node.user : callerSa.user,
      ip: byNode ? node.ip : callerSa.ip,
      userAgent: byNode ? `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087` : callerSa.userAgent,
      objectRef: { resource: 'subjectaccessreviews', apiGroup: 'authorization.k8s.io', apiVersion: 'v1' },
      status: CREATED,
      requestObject: {
        kind: 'SubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec,
        status: { allowed: false },
      },
      responseObject: {
        kind: 'SubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec,
        status: allowed
          ? {
              allowed: true,
              reason: this.rbacReason('ClusterRoleBinding', binding, binding, rbacSubject(subject.username)),
            }
          : { allowed: false },
      },
      latencyUs: this.latency(0.3, 1),
      reason: byNode
        ? SYSTEM_NODES_REASON
        : this.rbacReason('ClusterRoleBinding', 'system:auth-delegator', 'system:auth-delegator', `ServiceAccount "${callerSa.name}/${callerSa.namespace}"`),
    });
  }

  private configMapUpdate(): void {
    const autoscaler = this.chance(0.7);
    const sa = autoscaler ? this.sa('cluster-autoscaler') : this.pick(this.serviceAccounts);
    const w = this.pick(this.workloads);
    const name = autoscaler ? 'cluster-autoscaler-status' : `${w.name}-leader`;
    const namespace = autoscaler ? 'kube-system' : w.namespace;
    this.request({
      level: 'Metadata',
      uri: `/api/v1/namespaces/${namespace}/configmaps/${name}`,
      verb: 'update',
      user: sa.user,
      ip: sa.ip,
      userAgent: sa.userAgent,
      objectRef: { resource: 'configmaps', namespace, name, uid: w.uid, apiVersion: 'v1', resourceVersion: String(this.resourceVersion - this.int(10, 3000)) },
      latencyUs: this.latency(2, 5),
      reason: this.saReason(sa),
    });
  }

  private endpointsUpdate(): void {
    const w = this.pick(this.workloads);
    const pods = this.pods.filter((p) => p.workload === w).slice(0, 6);
    const rv = this.nextRv();
    const body = (resourceVersion: string): JsonObject => ({
      kind: 'Endpoints',
      apiVersion: 'v1',
      metadata: {
        name: w.name,
        namespace: w.namespace,
        uid: w.uid,
        resourceVersion,
        creationTimestamp: w.created,
        labels: { 'app.kubernetes.io/name': w.name, 'app.kubernetes.io/part-of': w.team },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': this.seconds(this.now) },
      },
      subsets: [
        {
          addresses: pods.map((p) => ({ ip: p.ip, nodeName: p.node.name, targetRef: { kind: 'Pod', namespace: w.namespace, name: p.name, uid: p.uid } })),
          ports: [{ name: 'http', port: w.containers[0].port, protocol: 'TCP' }],
        },
      ],
    });
    this.request({
      level: 'RequestResponse',
      uri: `/api/v1/namespaces/${w.namespace}/endpoints/${w.name}`,
      verb: 'update',
      user: this.controller('endpoint-controller'),
      ip: this.cp(),
      userAgent: this.kcmAgent('endpoint-controller'),
      objectRef: { resource: 'endpoints', namespace: w.namespace, name: w.name, uid: w.uid, apiVersion: 'v1', resourceVersion: String(Number(rv) - 40) },
      requestObject: body(String(Number(rv) - 40)),
      responseObject: body(rv),
      latencyUs: this.latency(2, 5),
      reason: this.kcmReason('endpoint-controller'),
    });
  }

  private endpointSliceUpdate(): void {
    const w = this.pick(this.workloads);
    const pods = this.pods.filter((p) => p.workload === w).slice(0, 8);
    const name = `${w.name}-${this.chars(K8S_SUFFIX, 5)}`;
    const rv = this.nextRv();
    const body = (resourceVersion: string): JsonObject => ({
      kind: 'EndpointSlice',
      apiVersion: 'discovery.k8s.io/v1',
      metadata: {
        name,
        generateName: `${w.name}-`,
        namespace: w.namespace,
        uid: w.rsUid,
        resourceVersion,
        generation: w.generation,
        creationTimestamp: w.created,
        labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': w.name },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: w.name, uid: w.uid, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints: pods.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', namespace: w.namespace, name: p.name, uid: p.uid },
        nodeName: p.node.name,
        zone: `${REGION}${this.pick(['a', 'b', 'c'])}`,
      })),
      ports: [{ name: 'http', protocol: 'TCP', port: w.containers[0].port }],
    });
    this.request({
      level: 'RequestResponse',
      uri: `/apis/discovery.k8s.io/v1/namespaces/${w.namespace}/endpointslices/${name}`,
      verb: 'update',
      user: this.controller('endpointslice-controller'),
      ip: this.cp(),
      userAgent: this.kcmAgent('endpointslice-controller'),
      objectRef: {
        resource: 'endpointslices',
        namespace: w.namespace,
        name,
        uid: w.rsUid,
        apiGroup: 'discovery.k8s.io',
        apiVersion: 'v1',
        resourceVersion: String(Number(rv) - 17),
      },
      requestObject: body(String(Number(rv) - 17)),
      responseObject: body(rv),
      latencyUs: this.latency(2, 5),
      reason: this.kcmReason('endpointslice-controller'),
    });
  }

  private workloadStatusUpdate(): void {
    const w = this.pick(this.workloads);
    const resource = w.kind === 'Deployment' ? (this.chance(0.5) ? 'deployments' : 'replicasets') : w.kind === 'DaemonSet' ? 'daemonsets' : 'statefulsets';
    const c =
      resource === 'deployments'
        ? 'deployment-controller'
        : resource === 'replicasets'
          ? 'replicaset-controller'
          : resource === 'daemonsets'
            ? 'daemon-set-controller'
            : 'statefulset-controller';
    const name = resource === 'replicasets' ? `${w.name}-${w.rsHash}` : w.name;
    const ready = this.int(Math.max(0, w.replicas - 1), w.replicas);
    this.request({
      level: 'Request',
      uri: `/apis/apps/v1/namespaces/${w.namespace}/${resource}/${name}/status`,
      verb: 'update',
      user: this.controller(c),
      ip: this.cp(),
      userAgent: this.kcmAgent(c),
      objectRef: {
        resource,
        namespace: w.namespace,
        name,
        uid: resource === 'replicasets' ? w.rsUid : w.uid,
        apiGroup: 'apps',
        apiVersion: 'v1',
        resourceVersion: String(this.resourceVersion - this.int(1, 500)),
        subresource: 'status',
      },
      requestObject: {
        kind: w.kind === 'Deployment' && resource === 'replicasets' ? 'ReplicaSet' : w.kind,
        apiVersion: 'apps/v1',
        metadata: {
          name,
          namespace: w.namespace,
          uid: w.uid,
          resourceVersion: String(this.resourceVersion - this.int(1, 500)),
          generation: w.generation,
          creationTimestamp: w.created,
          labels: { app: w.name, 'app.kubernetes.io/part-of': w.team },
        },
        spec: { replicas: w.replicas, selector: { matchLabels: { app: w.name } } },
        status: {
          observedGeneration: w.generation,
          replicas: w.replicas,
          updatedReplicas: w.replicas,
          readyReplicas: ready,
          availableReplicas: ready,
          unavailableReplicas: w.replicas - ready || undefined,
          conditions: [
            {
              type: 'Available',
              status: ready === w.replicas ? 'True' : 'False',
              lastUpdateTime: this.ago(10, 5000),
              lastTransitionTime: this.ago(5000, 90_000),
              reason: 'MinimumReplicasAvailable',
              message: 'Deployment has minimum availability.',
            },
          ],
        },
      },
      latencyUs: this.latency(2, 6),
      reason: this.kcmReason(c),
    });
  }

  private serviceAccountToken(): void {
    const pod = this.pick(this.pods);
    const sa = pod.workload.serviceAccount;
    this.request({
      level: 'Request',
      uri: `/api/v1/namespaces/${pod.workload.namespace}/serviceaccounts/${sa}/token`,
      verb: 'create',
      user: pod.node.user,
      ip: pod.node.ip,
      userAgent: `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087`,
      objectRef: { resource: 'serviceaccounts', namespace: pod.workload.namespace, name: sa, apiVersion: 'v1', subresource: 'token' },
      status: CREATED,
      requestObject: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: {
          audiences: ['https://kubernetes.default.svc'],
          expirationSeconds: 3607,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid },
        },
        status: { token: '', expirationTimestamp: null },
      },
      latencyUs: this.latency(1, 3),
      reason: SYSTEM_NODES_REASON,
    });
  }

  private discovery(): void {
    const [user, ip, userAgent] = this.reader();
    const uri = this.pick([
      '/api',
      '/apis',
      '/api/v1?timeout=32s',
      '/apis/apps/v1?timeout=32s',
      '/version',
      '/openapi/v3',
      '/apis/karpenter.sh/v1?timeout=32s',
      '/livez?verbose',
    ]);
    this.request({
      level: 'Metadata',
      uri,
      verb: 'get',
      user,
      ip,
      userAgent,
      latencyUs: this.latency(0.2, 1),
      reason: this.rbacReason('ClusterRoleBinding', 'system:discovery', 'system:discovery', 'Group "system:authenticated"'),
    });
  }

  private anonymousHealth(): void {
    this.request({
      level: 'Metadata',
      uri: this.pick(['/readyz', '/livez', '/healthz']),
      verb: 'get',
      user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      ip: `10.0.${this.int(0, 95)}.${this.int(2, 254)}`,
      userAgent: 'ELB-HealthChecker/2.0',
      latencyUs: this.latency(0.2, 0.5),
      reason: this.rbacReason('ClusterRoleBinding', 'system:public-info-viewer', 'system:public-info-viewer', 'Group "system:unauthenticated"'),
    });
  }

  private podSpec(w: Workload, pod: Pod): JsonObject {
    const volume = `kube-api-access-${this.chars(K8S_SUFFIX, 5)}`;
    return {
      volumes: [
        { name: 'config', configMap: { name: `${w.name}-config`, defaultMode: 420 } },
        {
          name: volume,
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
            defaultMode: 420,
          },
        },
      ],
      containers: w.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ports: [{ name: 'http', containerPort: c.port, protocol: 'TCP' }],
        env: [
          ...c.env,
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'AWS_ROLE_ARN', value: `arn:aws:iam::${this.account}:role/${w.team}-${w.name}` },
          { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
        ],
        resources: { limits: { memory: c.memory }, requests: { cpu: c.cpu, memory: c.memory } },
        volumeMounts: [
          { name: 'config', readOnly: true, mountPath: '/etc/app' },
          { name: volume, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
        ],
        livenessProbe: {
          httpGet: { path: '/healthz', port: c.port, scheme: 'HTTP' },
          initialDelaySeconds: 10,
          timeoutSeconds: 1,
          periodSeconds: 10,
          successThreshold: 1,
          failureThreshold: 3,
        },
        readinessProbe: {
          httpGet: { path: '/ready', port: c.port, scheme: 'HTTP' },
          timeoutSeconds: 1,
          periodSeconds: 5,
          successThreshold: 1,
          failureThreshold: 3,
        },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
        securityContext: { capabilities: { drop: ['ALL'] }, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      })),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: w.serviceAccount,
      serviceAccount: w.serviceAccount,
      nodeName: pod.node.name,
      securityContext: { fsGroup: 65534 },
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: w.name } }, topologyKey: 'topology.kubernetes.io/zone' } },
          ],
        },
      },
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    };
  }

  private podCreate(): void {
    const deployments = this.workloads.filter((w) => w.kind === 'Deployment');
    const w = this.pick(deployments);
    const index = this.pods.findIndex((p) => p.workload === w);
    const pod = this.newPod(w, this.pick(this.nodes));
    if (index >= 0) this.pods[index] = pod; // a replacement
    const metadata: JsonObject = {
      generateName: `${w.name}-${w.rsHash}-`,
      namespace: w.namespace,
      creationTimestamp: null,
      labels: { app: w.name, 'app.kubernetes.io/part-of': w.team, 'pod-template-hash': w.rsHash },
      annotations: { 'kubectl.kubernetes.io/restartedAt': this.ago(3600, 90_000) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${w.name}-${w.rsHash}`, uid: w.rsUid, controller: true, blockOwnerDeletion: true }],
    };
    const spec = this.podSpec(w, pod);
    delete spec.nodeName;
    const request: JsonObject = { kind: 'Pod', apiVersion: 'v1', metadata, spec, status: {} };
    const response: JsonObject = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        ...metadata,
        name: pod.name,
        uid: pod.uid,
        resourceVersion: this.nextRv(),
        creationTimestamp: this.seconds(this.now),
        managedFields: [this.managedFields('kube-controller-manager', 'Update', 'v1', { metadata, spec })],
      },
      spec,
      status: { phase: 'Pending', qosClass: 'Burstable' },
    };
    this.request({
      level: 'RequestResponse',
      uri: `/api/v1/namespaces/${w.namespace}/pods`,
      verb: 'create',
      user: this.controller('replicaset-controller'),
      ip: this.cp(),
      userAgent: this.kcmAgent('replicaset-controller'),
      objectRef: { resource: 'pods', namespace: w.namespace, name: pod.name, apiVersion: 'v1' },
      status: CREATED,
      requestObject: request,
      responseObject: response,
      latencyUs: this.latency(5, 15),
      reason: this.kcmReason('replicaset-controller'),
      annotations: {
        'mutation.webhook.admission.k8s.io/round_0_index_0': '{"configuration":"pod-identity-webhook","webhook":"iam-for-pods.amazonaws.com","mutated":true}',
        'patch.webhook.admission.k8s.io/round_0_index_0':
          '{"configuration":"pod-identity-webhook","webhook":"iam-for-pods.amazonaws.com","patch":[{"op":"add","path":"/spec/volumes/0","value":{"name":"aws-iam-token","projected":{"sources":[{"serviceAccountToken":{"audience":"sts.amazonaws.com","expirationSeconds":86400,"path":"token"}}]}}}],"patchType":"JSONPatch"}',
        'pod-security.kubernetes.io/enforce-policy': 'privileged:latest',
      },
    });
  }

  private podBinding(): void {
    const pod = this.pick(this.pods);
    this.request({
      level: 'Request',
      uri: `/api/v1/namespaces/${pod.workload.namespace}/pods/${pod.name}/binding`,
      verb: 'create',
      user: this.scheduler,
      ip: this.cp(),
      userAgent: `kube-scheduler/${K8S_VERSION} (linux/amd64) kubernetes/${K8S_COMMIT}/scheduler`,
      objectRef: { resource: 'pods', namespace: pod.workload.namespace, name: pod.name, apiVersion: 'v1', subresource: 'binding' },
      status: CREATED,
      requestObject: {
        kind: 'Binding',
        apiVersion: 'v1',
        metadata: { name: pod.name, namespace: pod.workload.namespace, uid: pod.uid, creationTimestamp: null },
        target: { kind: 'Node', name: pod.node.name },
      },
      latencyUs: this.latency(2, 5),
      reason: this.rbacReason('ClusterRoleBinding', 'system:kube-scheduler', 'system:kube-scheduler', 'User "system:kube-scheduler"'),
    });
  }

  private podDelete(): void {
    const pod = this.pick(this.pods);
    const byNode = this.chance(0.5);
    this.request({
      level: 'Request',
      uri: `/api/v1/namespaces/${pod.workload.namespace}/pods/${pod.name}`,
      verb: 'delete',
      user: byNode ? pod.node.user : this.controller('replicaset-controller'),
      ip: byNode ? pod.node.ip : this.cp(),
      userAgent: byNode ? `kubelet/${KUBELET_VERSION} (linux/amd64) kubernetes/3c20087` : this.kcmAgent('replicaset-controller'),
      objectRef: { resource: 'pods', namespace: pod.workload.namespace, name: pod.name, apiVersion: 'v1' },
      requestObject: {
        kind: 'DeleteOptions',
        apiVersion: 'meta.k8s.io/__internal',
        gracePeriodSeconds: byNode ? 0 : undefined,
        preconditions: { uid: pod.uid },
      },
      latencyUs: this.latency(3, 8),
      reason: byNode ? SYSTEM_NODES_REASON : this.kcmReason('replicaset-controller'),
    });
  }

  private deploymentPatch(): void {
    const w = this.pick(this.workloads.filter((x) => x.kind === 'Deployment' && x.team !== 'platform'));
    const actor = this.chance(0.6) ? this.ci[1] : this.chance(0.5) ? this.ci[0] : this.pick(this.humans);
    const tag = `v${this.int(1, 4)}.${this.int(0, 40)}.${this.int(0, 9)}`;
    w.containers[0].image = `${w.containers[0].image.split(':')[0]}:${tag}`;
    w.generation++;
    const pod = this.pods.find((p) => p.workload === w) as Pod;
    const spec = this.podSpec(w, pod);
    delete spec.nodeName;
    const metadata: JsonObject = {
      labels: { app: w.name, 'app.kubernetes.io/part-of': w.team, 'argocd.argoproj.io/instance': `${w.team}-prod` },
      annotations: { 'argocd.argoproj.io/tracking-id': `${w.team}-prod:apps/Deployment:${w.namespace}/${w.name}` },
    };
    const deploymentSpec: JsonObject = {
      replicas: w.replicas,
      selector: { matchLabels: { app: w.name } },
      template: { metadata: { creationTimestamp: null, labels: { app: w.name, 'app.kubernetes.io/part-of': w.team } }, spec },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    };
    const lastApplied = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { ...metadata, name: w.name, namespace: w.namespace },
      spec: deploymentSpec,
    });
    this.request({
      level: 'RequestResponse',
      uri: `/apis/apps/v1/namespaces/${w.namespace}/deployments/${w.name}?fieldManager=${actor === this.ci[1] ? 'argocd-controller' : 'kubectl-client-side-apply'}&fieldValidation=Strict`,
      verb: 'patch',
      user: actor.user,
      ip: actor.ip,
      userAgent: actor.userAgent,
      objectRef: { resource: 'deployments', namespace: w.namespace, name: w.name, apiGroup: 'apps', apiVersion: 'v1' },
      requestObject: {
        metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': w.containers.map((c) => ({ name: c.name })),
              containers: [{ image: w.containers[0].image, name: w.containers[0].name }],
            },
          },
        },
      },
      responseObject: {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: {
          name: w.name,
          namespace: w.namespace,
          uid: w.uid,
          resourceVersion: this.nextRv(),
          generation: w.generation,
          creationTimestamp: w.created,
          labels: metadata.labels,
          annotations: {
            'deployment.kubernetes.io/revision': String(w.generation),
            'kubectl.kubernetes.io/last-applied-configuration': lastApplied,
            ...(metadata.annotations as JsonObject),
          },
          managedFields: [
            this.managedFields('argocd-controller', 'Update', 'apps/v1', { metadata, spec: deploymentSpec }),
            this.managedFields(
              'kube-controller-manager',
              'Update',
              'apps/v1',
              {
                metadata: { annotations: { 'deployment.kubernetes.io/revision': '' } },
                status: { availableReplicas: 0, conditions: [], observedGeneration: 0, readyReplicas: 0, replicas: 0, updatedReplicas: 0 },
              },
              'status',
            ),
          ],
        },
        spec: deploymentSpec,
        status: {
          observedGeneration: w.generation - 1,
          replicas: w.replicas,
          updatedReplicas: w.replicas,
          readyReplicas: w.replicas,
          availableReplicas: w.replicas,
          conditions: [
            {
              type: 'Available',
              status: 'True',
              lastUpdateTime: w.created,
              lastTransitionTime: w.created,
              reason: 'MinimumReplicasAvailable',
              message: 'Deployment has minimum availability.',
            },
            {
              type: 'Progressing',
              status: 'True',
              lastUpdateTime: this.ago(60, 9000),
              lastTransitionTime: w.created,
              reason: 'NewReplicaSetAvailable',
              message: `ReplicaSet "${w.name}-${w.rsHash}" has successfully progressed.`,
            },
          ],
        },
      },
      latencyUs: this.latency(6, 15),
      reason:
        actor === this.ci[1]
          ? this.rbacReason(
              'ClusterRoleBinding',
              'argocd-application-controller',
              'argocd-application-controller',
              'ServiceAccount "argocd-application-controller/argocd"',
            )
          : 'EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:iam::' +
            this.account +
            ':role/PlatformAdmin+arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" of ClusterRole "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" to User "admin"',
    });
  }

  private roleBindingCreate(): void {
    const w = this.pick(this.workloads);
    const drawn = this.chance(0.5) ? this.pick(this.humans) : this.pick(this.ci);
    // The platform's own namespaces are GitOps-managed: people bind roles for their teams' namespaces only.
    const actor = w.namespace === 'kube-system' && this.humans.includes(drawn) ? this.ci[1] : drawn;
    const name = `${w.team}-${this.pick(['readers', 'deployers', 'oncall', 'debug'])}-${this.chars(K8S_SUFFIX, 4)}`;
    const body: JsonObject = {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name, namespace: w.namespace, creationTimestamp: null, labels: { 'app.kubernetes.io/managed-by': 'argocd' } },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `${w.team}-engineers` }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: this.pick(['view', 'edit']) },
    };
    this.request({
      level: 'RequestResponse',
      uri: `/apis/rbac.authorization.k8s.io/v1/namespaces/${w.namespace}/rolebindings?fieldManager=kubectl-client-side-apply&fieldValidation=Strict`,
      verb: 'create',
      user: actor.user,
      ip: actor.ip,
      userAgent: actor.userAgent,
      objectRef: { resource: 'rolebindings', namespace: w.namespace, name, apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
      status: CREATED,
      requestObject: body,
      responseObject: {
        ...body,
        metadata: {
          ...(body.metadata as JsonObject),
          uid: this.uuid(),
          resourceVersion: this.nextRv(),
          creationTimestamp: this.seconds(this.now),
          managedFields: [this.managedFields('kubectl-client-side-apply', 'Update', 'rbac.authorization.k8s.io/v1', body)],
        },
      },
      latencyUs: this.latency(3, 6),
      reason: 'EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"',
    });
  }

  /**
   * cert-manager issuing certificates and Argo CD syncing Secrets, into the namespaces of the apps
   * and add-ons they serve; kube-system's Secrets are the platform's own, written at install.
   */
  private secretWrite(): void {
    const w = this.pick(this.workloads.filter((x) => x.namespace !== 'kube-system'));
    const certManager = this.chance(0.6);
    const sa = certManager ? this.sa('cert-manager') : this.sa('argocd-application-controller');
    const name = certManager ? `${w.name}-tls` : `${w.name}-env`;
    const verb = this.pick(['create', 'update', 'patch']);
    this.request({
      level: 'Metadata',
      uri: `/api/v1/namespaces/${w.namespace}/secrets${verb === 'create' ? '' : `/${name}`}`,
      verb,
      user: sa.user,
      ip: sa.ip,
      userAgent: sa.userAgent,
      objectRef: { resource: 'secrets', namespace: w.namespace, name, apiVersion: 'v1' },
      status: verb === 'create' ? CREATED : OK,
      latencyUs: this.latency(2, 5),
      reason: this.saReason(sa),
    });
  }

  /** People debugging applications: their pods, not the node agents of kube-system. */
  private exec(): void {
    const pod = this.pick(this.pods.filter((p) => p.workload.namespace !== 'kube-system' && p.workload.kind !== 'DaemonSet'));
    const human = this.pick(this.humans);
    const command = this.pick([['sh'], ['bash'], ['cat', '/etc/app/config.yaml'], ['env'], ['psql', '-U', 'app']]);
    this.request({
      level: 'Metadata',
      uri: `/api/v1/namespaces/${pod.workload.namespace}/pods/${pod.name}/exec?${command.map((c) => `command=${encodeURIComponent(c)}`).join('&')}&container=${pod.workload.containers[0].name}&stdin=true&stdout=true&tty=true`,
      verb: 'get',
      user: human.user,
      ip: human.ip,
      userAgent: human.userAgent,
      objectRef: { resource: 'pods', namespace: pod.workload.namespace, name: pod.name, apiVersion: 'v1', subresource: 'exec' },
      status: SWITCHING,
      startedUs: this.latency(20, 40),
      latencyUs: this.int(2, 900) * 1_000_000,
      reason: 'EKS Access Policy: allowed by ClusterRoleBinding "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"',
    });
  }

  private configMapCreateByCi(): void {
    const w = this.pick(this.workloads);
    const actor = this.pick(this.ci);
    const name = `${w.name}-config-${this.chars(K8S_SUFFIX, 10)}`;
    const data: JsonObject = {};
    for (const c of w.containers[0].env) data[(c.name as string).toLowerCase().replace(/_/g, '.')] = c.value;
    const body: JsonObject = {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name, namespace: w.namespace, creationTimestamp: null, labels: { app: w.name } },
      data,
    };
    this.request({
      level: 'Metadata',
      uri: `/api/v1/namespaces/${w.namespace}/configmaps?fieldManager=argocd-controller`,
      verb: 'create',
      user: actor.user,
      ip: actor.ip,
      userAgent: actor.userAgent,
      objectRef: { resource: 'configmaps', namespace: w.namespace, name, apiVersion: 'v1' },
      status: CREATED,
      requestObject: body,
      latencyUs: this.latency(2, 5),
      reason: this.saReason(this.sa('argocd-application-controller')),
    });
  }
}

/** How RBAC names a subject in its decision: `ServiceAccount "name/namespace"` or `User "name"`. */
function rbacSubject(username: string): string {
  const [, kind, namespace, name] = username.split(':');
  return kind === 'serviceaccount' ? `ServiceAccount "${name}/${namespace}"` : `User "${username}"`;
}

function before(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** A managedFields `fieldsV1` set for an object: `f:<key>` per field, `k:{"name":…}` for named list items. */
function fieldsOf(value: Json): JsonObject {
  const out: JsonObject = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item && typeof item === 'object' && !Array.isArray(item) && typeof item.name === 'string') {
        out[`k:{"name":"${item.name}"}`] = { '.': {}, ...fieldsOf(item) };
      }
    }
    return out;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined || item === null) continue;
      out[`f:${key}`] = typeof item === 'object' ? { ...(Array.isArray(item) ? {} : { '.': {} }), ...fieldsOf(item) } : {};
    }
  }
  return out;
}
