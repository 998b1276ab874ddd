import { readFileSync } from 'node:fs';
import type { SourceObject } from '../adapters/object-source';
import { isS3Uri, listFiles } from '../adapters/object-source';
import { clusterFromKey } from '../core/read/object-key';
import type { Config } from '../core/config/types';
import { knownRuleIds } from '../core/rules';
import type { AwsOptions } from './aws';
import { awsClientConfig, prepareAwsSdk } from './aws';
import type { Io } from './io';
import { UsageError } from './io';

export { clusterOption, concurrencyOption, incidentWindowOption } from './option-values';

/** A text file named by an option, with an error that names the option. */
export function readOptionFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/**
 * `--config FILE`, validated: a usage error that names the file and the field otherwise. The
 * schema (zod, yaml) is loaded only when a file is given: it is a third of a scan's start-up.
 */
export async function configOption(path: string): Promise<Config> {
  const text = readOptionFile(path, '--config');
  const { parseConfig } = await import('../core/config/schema');
  try {
    return parseConfig(text, path, knownRuleIds());
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** The location that means standard input. */
export const STDIN = '-';

/**
 * Standard input as one object (any compression, detected like a file's). Its size is unknown
 * until it is read, so progress counts it as zero bytes.
 */
export function stdinObject(stream: NodeJS.ReadableStream = process.stdin): SourceObject {
  return { name: '(stdin)', size: 0, open: () => Promise.resolve(stream as NodeJS.ReadableStream & AsyncIterable<Uint8Array>) };
}

export interface ListOptions {
  aws?: AwsOptions;
  /** Where the AWS SDK note goes; quiet: said nowhere. */
  io?: Io;
  quiet?: boolean;
  stdin?: NodeJS.ReadableStream;
}

/**
 * Files, directories (recursively), `s3://bucket/prefix` locations and `-` (standard input, at
 * most once), as objects to read. The AWS SDK is loaded only when a location is in S3.
 */
export async function listInputs(locations: readonly string[], options: ListOptions = {}): Promise<SourceObject[]> {
  if (locations.filter((l) => l === STDIN).length > 1) throw new Error("standard input ('-') can be read only once");
  let s3: ((uri: string) => Promise<SourceObject[]>) | undefined;
  if (locations.some(isS3Uri)) {
    if (options.io) prepareAwsSdk(options.io, options.quiet);
    const [{ S3Client }, { listS3 }] = await Promise.all([import('@aws-sdk/client-s3'), import('../adapters/s3-object-source')]);
    // followRegionRedirects: a bucket in another region than the profile's is still read.
    const client = new S3Client({ ...awsClientConfig(options.aws ?? {}), followRegionRedirects: true });
    s3 = (uri) => listS3(client, uri);
  }
  const objects: SourceObject[] = [];
  for (const location of locations) {
    if (location === STDIN && ((options.stdin ?? process.stdin) as { isTTY?: boolean }).isTTY === true)
      throw new UsageError("'-' reads standard input, but nothing is piped into it (it is the terminal): pipe a log in, or name a file");
    if (location === STDIN) objects.push(stdinObject(options.stdin));
    else if (s3 && isS3Uri(location)) objects.push(...(await s3(location)));
    else objects.push(...(await listFiles([location])));
  }
  return objects;
}

/** The object read as the analyzer reads one under `clusters/<cluster>/`, unless its own key names a cluster. */
export function inCluster(object: SourceObject, cluster: string | undefined): SourceObject {
  const key = object.key ?? object.name;
  if (cluster === undefined || clusterFromKey(key) !== undefined) return object;
  return { name: object.name, key: `clusters/${cluster}/${key}`, size: object.size, open: () => object.open() };
}
