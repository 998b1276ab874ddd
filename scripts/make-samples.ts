/**
 * Writes samples/: five hours of Friday 2026-11-20 in the EKS cluster prod-eu, each hour stored
 * the way a different shipper delivers it, with the attack stories of scripts/attack-stories.ts
 * woven into the benign traffic (samples/README.md tells them). The benign traffic is the
 * benchmark's generator (devkit/generate.ts), one seed per object, plus a few everyday requests it
 * does not make (denied requests, a developer at work). Deterministic: fixed seeds, timestamps and
 * ids, so the committed files only change when the generator or the stories do. Run with
 * `npm run samples`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { auditLines } from '../devkit/generate';
import type { Ev } from '../devkit/shipping';
import { CONTROL_MESSAGE, chunksOf, cloudWatchRecord, eventList, jsonLines } from '../devkit/shipping';
import type { Caller, SampleObject } from './attack-stories';
import { JORDAN, JORDAN_REASON, call, storyEvents } from './attack-stories';

export const SAMPLES_DIR = join(__dirname, '..', 'samples');

// ---------------------------------------------------------------------------------------------
// Benign traffic

/**
 * `n` generated events from `start`. The benign traffic raises nothing at high or critical with
 * the default configuration (see samples/README.md).
 */
const generated = (n: number, seed: number, start: string): Ev[] =>
  [...auditLines({ events: n, seed, startTime: new Date(start) })].map((line) => JSON.parse(line) as Ev);

const ACCOUNT = '123456789012';
const PRIYA = `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Developer_2f6c1a9e8b7d4c3a/priya.shah@example.com`;

const priya: Caller = {
  user: {
    username: PRIYA,
    uid: `aws-iam-authenticator:${ACCOUNT}:AROAZ4QX7KJ2D3VEL0PER`,
    groups: ['developers', 'system:authenticated'],
    extra: {
      accessKeyId: ['ASIAZ4QX7KJ2QP8S3NDW'],
      arn: [PRIYA],
      canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_Developer_2f6c1a9e8b7d4c3a`],
      principalId: ['AROAZ4QX7KJ2D3VEL0PER'],
      sessionName: ['priya.shah@example.com'],
      'sigs.k8s.io/aws-iam-authenticator/principalId': ['AROAZ4QX7KJ2D3VEL0PER'],
    },
  },
  ip: '192.0.2.14',
  userAgent: 'kubectl/v1.31.4 (darwin/arm64) kubernetes/a78aa47',
  reason: '',
};

const anonymousScanner: Caller = {
  user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
  ip: '192.0.2.201',
  userAgent: 'Mozilla/5.0 zgrab/0.x',
  reason: '',
};

const ciDeployer: Caller = {
  user: {
    username: `arn:aws:sts::${ACCOUNT}:assumed-role/github-actions-deploy/GitHubActions`,
    uid: `aws-iam-authenticator:${ACCOUNT}:AROAZ4QX7KJ2GHACT10NS`,
    groups: ['ci:deployers', 'system:authenticated'],
    extra: {
      arn: [`arn:aws:sts::${ACCOUNT}:assumed-role/github-actions-deploy/GitHubActions`],
      canonicalArn: [`arn:aws:iam::${ACCOUNT}:role/github-actions-deploy`],
      sessionName: ['GitHubActions'],
    },
  },
  ip: '192.0.2.150',
  userAgent: 'kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9',
  reason: '',
};

const grafana: Caller = {
  user: {
    username: 'system:serviceaccount:monitoring:grafana',
    uid: 'b0d2e4c6-1a3f-4e5d-9c7b-2f4e6a8c0d1e',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:monitoring', 'system:authenticated'],
  },
  ip: '10.0.41.23',
  userAgent: 'grafana/11.3.1',
  reason: '',
};

/** Jordan at work, from the office, with the Mac's kubectl: what Jordan's traffic normally looks like. */
const jordanAtWork: Caller = { user: JORDAN, ip: '192.0.2.10', userAgent: 'kubectl/v1.31.2 (darwin/arm64) kubernetes/5864a46', reason: JORDAN_REASON };

const forbidden = (who: string, verb: string, resource: string, group: string, namespace?: string, name?: string): string =>
  `${resource}${group ? `.${group}` : ''}${name ? ` "${name}"` : ''} is forbidden: User "${who}" cannot ${verb} resource "${resource}" in API group "${group}"${namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'}`;

/** Everyday requests the generator does not make: a few denied ones, and Jordan's own work. */
function everyday(object: SampleObject): Ev[] {
  switch (object) {
    case 'eks-09':
      return [
        ...call({
          id: 'everyday/priya-secrets',
          at: '2026-11-20T09:00:06.212087Z',
          ms: 1.9,
          level: 'Metadata',
          verb: 'list',
          uri: '/api/v1/namespaces/payments/secrets?limit=500',
          by: priya,
          objectRef: { resource: 'secrets', namespace: 'payments', apiVersion: 'v1' },
          code: 403,
          forbiddenMessage: forbidden(PRIYA, 'list', 'secrets', '', 'payments'),
        }),
        ...call({
          id: 'everyday/grafana-nodes',
          at: '2026-11-20T09:00:07.705391Z',
          ms: 0.9,
          level: 'Metadata',
          verb: 'list',
          uri: '/api/v1/nodes?limit=500',
          by: grafana,
          objectRef: { resource: 'nodes', apiVersion: 'v1' },
          code: 403,
          forbiddenMessage: forbidden('system:serviceaccount:monitoring:grafana', 'list', 'nodes', ''),
        }),
      ];
    case 'self-managed-10':
      return call({
        id: 'everyday/scanner-secrets',
        at: '2026-11-20T10:00:03.044710Z',
        ms: 0.6,
        level: 'Metadata',
        verb: 'list',
        uri: '/api/v1/namespaces/kube-system/secrets',
        by: anonymousScanner,
        objectRef: { resource: 'secrets', namespace: 'kube-system', apiVersion: 'v1' },
        code: 403,
        forbiddenMessage: forbidden('system:anonymous', 'list', 'secrets', '', 'kube-system'),
      });
    case 'self-managed-11':
      return [];
    case 'fluent-bit-12':
      return call({
        id: 'everyday/ci-coredns',
        at: '2026-11-20T12:00:02.618830Z',
        ms: 1.4,
        level: 'Request',
        verb: 'patch',
        uri: '/apis/apps/v1/namespaces/kube-system/deployments/coredns?fieldManager=kubectl-client-side-apply&fieldValidation=Strict',
        by: ciDeployer,
        objectRef: { resource: 'deployments', namespace: 'kube-system', name: 'coredns', apiGroup: 'apps', apiVersion: 'v1' },
        code: 403,
        forbiddenMessage: forbidden(String(ciDeployer.user.username), 'patch', 'deployments', 'apps', 'kube-system', 'coredns'),
        requestObject: { spec: { replicas: 3 } },
      });
    case 'webhook-13':
      return [
        ...call({
          id: 'everyday/jordan-pods',
          at: '2026-11-20T13:00:01.115730Z',
          ms: 9.8,
          level: 'Metadata',
          verb: 'list',
          uri: '/api/v1/namespaces/checkout/pods?limit=500',
          by: jordanAtWork,
          objectRef: { resource: 'pods', namespace: 'checkout', apiVersion: 'v1' },
        }),
        ...call({
          id: 'everyday/jordan-deployment',
          at: '2026-11-20T13:00:09.402264Z',
          ms: 2.3,
          level: 'Metadata',
          verb: 'get',
          uri: '/apis/apps/v1/namespaces/checkout/deployments/checkout-api',
          by: jordanAtWork,
          objectRef: { resource: 'deployments', namespace: 'checkout', name: 'checkout-api', apiGroup: 'apps', apiVersion: 'v1' },
        }),
        // `kubectl rollout status`: a watch on the one Deployment, ended by kubectl when the rollout is done.
        ...call({
          id: 'everyday/jordan-rollout',
          at: '2026-11-20T13:00:09.431805Z',
          ms: 63_118.4,
          startedMs: 1.2,
          level: 'Metadata',
          verb: 'watch',
          uri: '/apis/apps/v1/namespaces/checkout/deployments?fieldSelector=metadata.name%3Dcheckout-api&resourceVersion=183890344&watch=true',
          by: jordanAtWork,
          objectRef: { resource: 'deployments', namespace: 'checkout', name: 'checkout-api', apiGroup: 'apps', apiVersion: 'v1' },
        }),
        ...call({
          id: 'everyday/priya-rolebinding',
          at: '2026-11-20T13:05:00.874126Z',
          ms: 1.7,
          level: 'RequestResponse',
          verb: 'create',
          uri: '/apis/rbac.authorization.k8s.io/v1/namespaces/checkout/rolebindings?fieldManager=kubectl-create&fieldValidation=Strict',
          by: priya,
          objectRef: { resource: 'rolebindings', namespace: 'checkout', name: 'priya-debug', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
          code: 403,
          forbiddenMessage: forbidden(PRIYA, 'create', 'rolebindings', 'rbac.authorization.k8s.io', 'checkout'),
          requestObject: {
            kind: 'RoleBinding',
            apiVersion: 'rbac.authorization.k8s.io/v1',
            metadata: { name: 'priya-debug', namespace: 'checkout', creationTimestamp: null },
            subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: PRIYA }],
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
          },
        }),
      ];
  }
}

// ---------------------------------------------------------------------------------------------
// Shipping shapes

/** Benign traffic, everyday requests and the stories, in the order the API server wrote them. */
function merged(object: SampleObject, benign: Ev[]): Ev[] {
  const stamp = (e: Ev): string => String(e.stageTimestamp);
  const all = [...benign, ...everyday(object), ...storyEvents(object)];
  return all
    .map((e, i) => ({ e, i }))
    .sort((a, b) => stamp(a.e).localeCompare(stamp(b.e)) || a.i - b.i)
    .map(({ e }) => e);
}

const epochMs = (e: Ev): number => Date.parse(String(e.stageTimestamp));

/**
 * EKS: CloudWatch Logs subscription → Firehose (GZIP on) → S3. The records of devkit/shipping.ts,
 * with each log event's timestamp set to when the API server wrote it (CloudWatch's clock).
 */
function firehose(events: Ev[], perRecord: number, cluster: string): Buffer {
  const members = [gzipSync(JSON.stringify(CONTROL_MESSAGE))];
  chunksOf(events, perRecord).forEach((batch, i) => {
    const record = cloudWatchRecord(batch, cluster, i);
    record.logEvents = (record.logEvents as Ev[]).map((logEvent, j) => ({ ...logEvent, timestamp: epochMs(batch[j]) }));
    members.push(gzipSync(JSON.stringify(record)));
  });
  return gzipSync(Buffer.concat(members));
}

/** Fluent Bit tailing the audit log without a JSON parser: `{"date":…,"log":"<event>"}`, date as it read the line. */
const fluentBit = (events: Ev[]): Buffer =>
  Buffer.from(events.map((e) => JSON.stringify({ date: (epochMs(e) + 180) / 1000, log: JSON.stringify(e) }) + '\n').join(''));

/** The webhook backend: one EventList per batch the API server sent, the second from `splitAt` on. */
function eventLists(events: Ev[], splitAt: string): Buffer {
  const second = (e: Ev): boolean => epochMs(e) >= Date.parse(splitAt);
  return Buffer.concat([eventList(events.filter((e) => !second(e))), eventList(events.filter(second))]);
}

// ---------------------------------------------------------------------------------------------

export interface SampleFile {
  path: string;
  bytes: Buffer;
}

export function buildSamples(): SampleFile[] {
  return [
    // EKS: CloudWatch Logs subscription → Firehose (GZIP on) → S3, partitioned by hour.
    {
      path: 'eks/prod-eu/2026/11/20/09/audit-firehose-1-2026-11-20-09-00-00.gz',
      bytes: firehose(merged('eks-09', generated(1000, 11, '2026-11-20T09:00:00Z')), 40, 'prod-eu'),
    },
    // --audit-log-path JSON lines, as a self-managed control plane writes them: gzip-rotated, and the live file.
    {
      path: 'self-managed/kube-apiserver-audit-2026-11-20T10.log.gz',
      bytes: gzipSync(jsonLines(merged('self-managed-10', generated(1000, 18, '2026-11-20T10:00:00Z')))),
    },
    { path: 'self-managed/kube-apiserver-audit.log', bytes: jsonLines(merged('self-managed-11', generated(100, 13, '2026-11-20T11:00:00Z'))) },
    // Fluent Bit without a JSON parser: each line wrapped as {"date":…,"log":"<event>"}.
    { path: 'fluent-bit/audit-2026-11-20T12.jsonl.gz', bytes: gzipSync(fluentBit(merged('fluent-bit-12', generated(600, 22, '2026-11-20T12:00:00Z')))) },
    // The webhook audit backend: EventList batches.
    {
      path: 'webhook/eventlist-2026-11-20T13.json',
      bytes: eventLists(
        merged('webhook-13', [...generated(50, 15, '2026-11-20T13:00:00Z'), ...generated(50, 16, '2026-11-20T13:05:00Z')]),
        '2026-11-20T13:05:00Z',
      ),
    },
  ];
}

function main(): void {
  let total = 0;
  for (const { path, bytes } of buildSamples()) {
    const file = join(SAMPLES_DIR, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, bytes);
    total += bytes.length;
    console.log(`${path}: ${bytes.length} bytes`);
  }
  console.log(`total: ${total} bytes`);
}

if (require.main === module) main();
