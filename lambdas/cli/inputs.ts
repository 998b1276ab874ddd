import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import type { SourceObject } from '../adapters/object-source';
import { isS3Uri, listFiles, listS3 } from '../adapters/object-source';
import { parseConfig } from '../core/config/schema';
import { clusterFromKey } from '../core/read/object-key';
import type { Config } from '../core/config/types';
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../core/incident/record';
import { knownRuleIds } from '../core/rules';

/** `--concurrency N`: objects read at once, 1 to 64 (default 4). */
export function concurrencyOption(value: string | undefined): number {
  if (value === undefined) return 4;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error('--concurrency must be a whole number from 1 to 64');
  return n;
}

/** `--incident-window M`: whole minutes, 1 to a week (default the analyzer's). */
export function incidentWindowOption(value: string | undefined): number {
  if (value === undefined) return DEFAULT_INCIDENT_WINDOW_MINUTES;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > 10_080)
    throw new Error(`--incident-window must be whole minutes from 1 to 10080 (got "${value}")`);
  return n;
}

/** A text file named by an option, with an error that names the option. */
export function readOptionFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/** `--config FILE`, validated (a ConfigError names the field). */
export function configOption(path: string): Config {
  return parseConfig(readOptionFile(path, '--config'), path, knownRuleIds());
}

/** Files, directories (recursively) and `s3://bucket/prefix` locations, as objects to read. */
export async function listInputs(locations: readonly string[]): Promise<SourceObject[]> {
  const s3 = locations.some(isS3Uri) ? new S3Client({}) : undefined;
  const objects: SourceObject[] = [];
  for (const location of locations) objects.push(...(s3 && isS3Uri(location) ? await listS3(s3, location) : await listFiles([location])));
  return objects;
}

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** `--cluster NAME`: the cluster of objects whose path names none. */
export function clusterOption(value: string | undefined): string | undefined {
  if (value !== undefined && !CLUSTER_NAME.test(value))
    throw new Error(`--cluster must be a cluster name: letters, digits, '.', '_' and '-', at most 100 (got "${value}")`);
  return value;
}

/** The object read as the analyzer reads one under `clusters/<cluster>/`, unless its own key names a cluster. */
export function inCluster(object: SourceObject, cluster: string | undefined): SourceObject {
  const key = object.key ?? object.name;
  if (cluster === undefined || clusterFromKey(key) !== undefined) return object;
  return { name: object.name, key: `clusters/${cluster}/${key}`, size: object.size, open: () => object.open() };
}
