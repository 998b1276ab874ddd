import { gzipSync } from 'node:zlib';

/**
 * The shapes audit events are shipped in, built the way each shipper writes them (see
 * docs/shipping.md): for tests, the samples and the benchmark.
 */
export type Ev = Record<string, unknown>;

export const jsonLines = (events: Ev[]): Buffer => Buffer.from(events.map((e) => JSON.stringify(e) + '\n').join(''));

export const eventList = (events: Ev[]): Buffer =>
  Buffer.from(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: events }) + '\n');

export function cloudWatchRecord(events: Ev[], cluster = 'prod-eu', id = 0): Ev {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: `/aws/eks/${cluster}/cluster`,
    logStream: 'kube-apiserver-audit-0123456789abcdef',
    subscriptionFilters: ['audit-to-firehose'],
    logEvents: events.map((e, i) => ({ id: String(36000000000000 + id * 1000 + i), timestamp: 1700000000000 + i, message: JSON.stringify(e) })),
  };
}

export const CONTROL_MESSAGE: Ev = {
  messageType: 'CONTROL_MESSAGE',
  owner: 'CloudwatchLogs',
  logGroup: '',
  logStream: '',
  subscriptionFilters: [],
  logEvents: [{ id: '', timestamp: 1700000000000, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }],
};

/** Firehose without processors: each record gzipped on its own, records joined with no delimiter. */
export function firehoseRaw(events: Ev[], perRecord = 3, cluster = 'prod-eu'): Buffer {
  const members: Buffer[] = [gzipSync(JSON.stringify(CONTROL_MESSAGE))];
  for (let i = 0; i < events.length; i += perRecord) {
    members.push(gzipSync(JSON.stringify(cloudWatchRecord(events.slice(i, i + perRecord), cluster, i))));
  }
  return Buffer.concat(members);
}

/** Firehose with GZIP on as well: gzip around the concatenated gzip members. */
export const firehoseGzip = (events: Ev[], perRecord = 3, cluster = 'prod-eu'): Buffer => gzipSync(firehoseRaw(events, perRecord, cluster));

/** Firehose with decompression but no newline delimiter: records concatenated as `}{`. */
export const firehoseConcatenated = (events: Ev[], perRecord = 3): Buffer =>
  Buffer.from(
    chunksOf(events, perRecord)
      .map((batch, i) => JSON.stringify(cloudWatchRecord(batch, 'prod-eu', i)))
      .join(''),
  );

export const fluentBit = (events: Ev[]): Buffer =>
  Buffer.from(events.map((e, i) => JSON.stringify({ date: 1700000000.123 + i, log: JSON.stringify(e) }) + '\n').join(''));

export const vectorObjects = (events: Ev[]): Buffer =>
  Buffer.from(events.map((e) => JSON.stringify({ message: e, source_type: 'file', file: '/var/log/kube-audit.log' }) + '\n').join(''));

export const aksDiagnostics = (events: Ev[], asString: boolean): Buffer =>
  Buffer.from(
    events
      .map(
        (e) =>
          JSON.stringify({
            category: 'kube-audit',
            operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
            resourceId: '/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD',
            properties: { log: asString ? JSON.stringify(e) : e, stream: 'stdout', pod: 'kube-apiserver-1' },
          }) + '\n',
      )
      .join(''),
  );

export const fluentdText = (events: Ev[]): Buffer => Buffer.from(events.map((e) => `2024-05-01T10:00:00+00:00\tkube.audit\t${JSON.stringify(e)}\n`).join(''));

export function chunksOf<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
