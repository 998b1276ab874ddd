import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Finding } from '../core/finding';
import type { FindingsStore } from '../core/ports';

/** The cluster name used for findings whose envelope and object key named none. */
export const UNKNOWN_CLUSTER = '-';
const DAY_MS = 86_400_000;

/**
 * Key design (one table, on-demand):
 * - `pk` = `F#<cluster>#<yyyy-mm-dd>`: a cluster's findings of one UTC day, so the reporter reads a
 *   period and a cluster with one Query per day, never a Scan, and no partition grows without bound;
 * - `sk` = `<time>#<ruleId>@<fingerprint>`: sorted by time within the day, and unique per hit (see
 *   `Finding.fingerprint`), so a conditional put on it makes writes idempotent. Not the auditID: the
 *   client chooses it, and a decoy raising the same rule under the same auditID in the same
 *   millisecond would otherwise take the real finding's key and the real finding would never be
 *   stored; two hits of one rule on one event are two items. A fingerprint is 22 characters, so the
 *   key stays short whatever an event holds.
 *   Findings stored before fingerprints existed have none and keep `<time>#<ruleId>#<auditID>`
 *   (`@` never follows a rule id there): read back and put again, such a finding computes the key
 *   it is stored under, so it is not stored twice. The change of key has one cost, once: an object
 *   analyzed before the upgrade and delivered again after it (a backfill, a DLQ redrive) makes its
 *   findings with fingerprints, under new keys, so they are stored a second time and alerted once
 *   more; after that the new keys exist and nothing repeats.
 * `expiresAt` (epoch seconds) is the table's TTL attribute.
 *
 * Item layout: `pk`, `sk`, `expiresAt`, `severity` and `ruleId` as attributes of their own (and
 * `alertedAt`, `claim`, `claimedUntil`, which DynamoDbAlertLedger sets), the finding itself in
 * `fz`: its JSON, compressed with raw DEFLATE (no gzip header or trailer: 18 bytes less on every
 * item), as one binary attribute. The fingerprint is in the key only (22 incompressible bytes
 * stored once, not twice) and is put back when the item is read. DynamoDB bills a write per
 * started KB of the item, and a finding's JSON is 0.7 to 2 KB (about 1.2 KB for the usual ones, so
 * 2 WRU as a map); compressed, a typical item is about 800 bytes, one WRU for the put and one for
 * each of the ledger's updates. A change of encoding takes a new attribute name: items written
 * before it stay readable. Items written before this layout hold the finding as a map in
 * `finding`, and are read as well.
 */
export function findingKey(finding: Finding): { pk: string; sk: string } {
  const time = normalizedTime(finding.time);
  const hit = hasFingerprint(finding) ? `${finding.ruleId}${FINGERPRINT_MARK}${finding.fingerprint}` : `${finding.ruleId}#${finding.auditID}`;
  return { pk: `F#${finding.cluster ?? UNKNOWN_CLUSTER}#${time.slice(0, 10)}`, sk: `${time}#${hit}` };
}

/** Between the rule id and the fingerprint in a sort key; a key without one has `#` and the auditID there. */
const FINGERPRINT_MARK = '@';

const hasFingerprint = (finding: Finding): finding is Finding & { fingerprint: string } =>
  typeof finding.fingerprint === 'string' && finding.fingerprint !== '';

/** Audit timestamps as ISO 8601 UTC; a finding with no readable time files under the epoch rather than nowhere. */
function normalizedTime(time: string): string {
  const t = Date.parse(time);
  return Number.isNaN(t) ? new Date(0).toISOString() : new Date(t).toISOString();
}

/** The attribute holding a finding's JSON, raw-DEFLATE compressed. */
const COMPRESSED = 'fz';
/** The attribute the first layout held the finding in, as a map. */
const LEGACY = 'finding';

/** The item `putNew` writes for a finding (without the ledger's attributes, which DynamoDbAlertLedger sets). */
export function findingItem(finding: Finding, retentionDays: number): Record<string, unknown> {
  const expiresAt = Math.floor((Math.max(Date.parse(finding.time) || 0, 0) + retentionDays * DAY_MS) / 1000);
  // The fingerprint is in the key; findingOfItem puts it back.
  const { fingerprint: _inTheKey, ...body } = finding;
  return {
    ...findingKey(finding),
    expiresAt,
    severity: finding.severity,
    ruleId: finding.ruleId,
    [COMPRESSED]: deflateRawSync(JSON.stringify(hasFingerprint(finding) ? body : finding)),
  };
}

/** The finding a stored item holds, in either layout, with its fingerprint from the key. */
export function findingOfItem(item: Record<string, unknown>): Finding {
  const compressed = item[COMPRESSED];
  if (compressed instanceof Uint8Array) return withKeyFingerprint(JSON.parse(inflateRawSync(compressed).toString('utf8')) as Finding, item.sk);
  const legacy = item[LEGACY];
  if (typeof legacy === 'object' && legacy !== null) return legacy as Finding;
  throw new Error(`findings table item ${String(item.pk)} ${String(item.sk)} holds no finding (neither ${COMPRESSED} nor ${LEGACY})`);
}

/** `<time>#<ruleId>@<fingerprint>` gives the finding its fingerprint back; a key with the auditID gives none. */
function withKeyFingerprint(finding: Finding, sk: unknown): Finding {
  if (finding.fingerprint !== undefined || typeof sk !== 'string') return finding;
  // Right after the time (which holds no `#`): an old key's auditID may hold anything, this string included.
  const marked = `#${finding.ruleId}${FINGERPRINT_MARK}`;
  const at = sk.indexOf('#');
  return at >= 0 && sk.startsWith(marked, at) ? { ...finding, fingerprint: sk.slice(at + marked.length) } : finding;
}

export class DynamoDbFindingsStore implements FindingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = 400,
    private readonly concurrency = 10,
  ) {}

  async putNew(findings: readonly Finding[]): Promise<Finding[]> {
    const isNew = new Array<boolean>(findings.length).fill(false);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < findings.length) {
        const i = next++;
        isNew[i] = await this.putIfAbsent(findings[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, findings.length) }, worker));
    return findings.filter((_, i) => isNew[i]);
  }

  private async putIfAbsent(finding: Finding): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: findingItem(finding, this.retentionDays),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async query({ cluster, from, to }: { cluster: string; from: Date; to: Date }): Promise<Finding[]> {
    const findings: Finding[] = [];
    const fromIso = from.toISOString();
    const toIso = to.toISOString();
    for (let day = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); day < to.getTime(); day += DAY_MS) {
      const pk = `F#${cluster}#${new Date(day).toISOString().slice(0, 10)}`;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            // '#' sorts before every character an ISO time continues with, so `<to>#` bounds the range just below `to`.
            ExpressionAttributeValues: { ':pk': pk, ':from': fromIso, ':to': `${toIso}#` },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) findings.push(findingOfItem(item));
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return findings;
  }
}
