/** Option values checked the same way by every command; light, so help and version load little. */
import { DEFAULT_INCIDENT_WINDOW_MINUTES } from '../core/incident/record';

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

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** `--cluster NAME`: the cluster of objects whose path names none. */
export function clusterOption(value: string | undefined): string | undefined {
  if (value !== undefined && !CLUSTER_NAME.test(value))
    throw new Error(`--cluster must be a cluster name: letters, digits, '.', '_' and '-', at most 100 (got "${value}")`);
  return value;
}
