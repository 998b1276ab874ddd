import { join } from 'node:path';

export const SAMPLES_DIR = join(__dirname, '..', '..', 'samples');

/** The samples' five objects, in the order a shipper writes them (by hour). */
export const DEPLOYED_SAMPLES = [
  'eks/prod-eu/2026/11/20/09/audit-firehose-1-2026-11-20-09-00-00.gz',
  'self-managed/kube-apiserver-audit-2026-11-20T10.log.gz',
  'self-managed/kube-apiserver-audit.log',
  'fluent-bit/audit-2026-11-20T12.jsonl.gz',
  'webhook/eventlist-2026-11-20T13.json',
];

/** A sample's key in the deployed bucket: under the stories' cluster, as the analyzer's layout names it. */
export const deployedKeyOf = (sample: string): string => `clusters/prod-eu/${sample.replace(/^eks\/prod-eu\//, 'eks/')}`;
