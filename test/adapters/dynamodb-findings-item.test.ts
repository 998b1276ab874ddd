import { join } from 'node:path';
import { deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbFindingsStore, findingItem, findingKey, findingOfItem } from '../../lambdas/adapters/dynamodb-findings-store';
import { listFiles } from '../../lambdas/adapters/object-source';
import { scanObjects } from '../../lambdas/cli/scan';
import type { Finding } from '../../lambdas/core/finding';
import type { LocalDynamoDb } from '../../devkit/local-dynamodb';
import { createFindingsTable, startLocalDynamoDb } from '../../devkit/local-dynamodb';

const SAMPLES = join(__dirname, '..', '..', 'samples');
const RETENTION_DAYS = 400;
/** What DynamoDbAlertLedger adds to an alerted finding's item. */
const ALERTED = { alertedAt: '2026-11-21T00:00:01.000Z' };
/** What DynamoDbAlertLedger adds while an attempt holds the finding (`<16 hex>/<11 base64url>`, epoch ms); removed when it is marked. */
const CLAIMED = { claim: '0123456789abcdef/AbCdEfGhIjK', claimedUntil: 1_795_000_000_000 };

/**
 * An item's size as DynamoDB bills it (developerguide/CapacityUnitCalculations.html): the UTF-8
 * bytes of each attribute name plus its value; strings their UTF-8 bytes, numbers 1 byte per two
 * significant digits plus 1, binary its raw bytes, null and booleans 1, lists and maps 3 bytes plus
 * their elements, each element 1 byte more (and a map's its name's bytes).
 */
function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item)
    .filter(([, v]) => v !== undefined)
    .reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + valueSize(v), 0);
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = Math.abs(value).toExponential().split('e')[0].replace('.', '').length;
    return Math.ceil(digits / 2) + 1;
  }
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return 3 + value.filter((v) => v !== undefined).reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  return (
    3 +
    Object.entries(value as object)
      .filter(([, v]) => v !== undefined)
      .reduce((sum: number, [name, v]) => sum + 1 + Buffer.byteLength(name) + valueSize(v), 0)
  );
}

const writeUnits = (bytes: number): number => Math.ceil(bytes / 1024);

/** The item putNew wrote before the compact layout: the finding as a map attribute. */
function legacyItem(finding: Finding): Record<string, unknown> {
  const expiresAt = Math.floor((Math.max(Date.parse(finding.time) || 0, 0) + RETENTION_DAYS * 86_400_000) / 1000);
  return { ...findingKey(finding), finding, severity: finding.severity, ruleId: finding.ruleId, expiresAt };
}

function quantiles(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `min ${s[0]} p50 ${q(0.5)} p90 ${q(0.9)} max ${s[s.length - 1]}`;
}

/*
 * Measured (ITEM_SIZES=1 prints it) on the findings the rules raise on samples/: 41 findings,
 * default configuration; item bytes by DynamoDB's rules (dynalite bills the same units):
 *   map layout, the put:             min 783 p50 1001 p90 1265 max 1838; 19 over 1 KB: 60 WRU
 *   map layout, alerted:             min 816 p50 1034 p90 1298 max 1871; 21 over 1 KB: 62 WRU
 *   deflate-raw binary, the put:     min 544 p50  680 p90  817 max 1011; none over 1 KB: 41 WRU
 *   deflate-raw binary, alerted:     min 577 p50  713 p90  850 max 1044; 2 over 1 KB: 43 WRU
 *   gzip binary, alerted:            min 595 p50  731 p90  868 max 1062 (18 B more on every item)
 * The two alerted items over 1 KB are the DaemonSet with five pod-template risks (1.9 KB of JSON).
 * On the analyzer benchmark's traffic (its 200 objects, 800,000 events, read in order by one
 * engine: 4,509 findings, examples/config.yaml), the put:
 *   map layout:   min 805 p50 1210 p90 1348 max 1408; 4,029 over 1 KB: 8,538 WRU (1.89 a finding)
 *   deflate-raw:  min 569 p50  801 p90  837 max  871; none over 1 KB: 4,509 WRU (1.00 a finding)
 * and alerted (+33 bytes) at most 904. Brotli (quality 11) would be about 80 bytes smaller still
 * but takes 1.6 ms a finding against deflate's 0.03 ms, and buys no write unit there.
 * With fingerprints (22 incompressible characters), keyed `<time>#<ruleId>@<fingerprint>` and left
 * out of the compressed body (ITEM_SIZES=1, samples/, 41 findings):
 *   the put:                         min 530 p50 666 p90 803 max  997; none over 1 KB: 41 WRU
 *   alerted:                         min 563 p50 699 p90 836 max 1030; 2 over 1 KB: 43 WRU
 *   claimed (the ledger's claim):    min 578 p50 714 p90 851 max 1045; 2 over 1 KB: 43 WRU
 *   auditID key, fingerprint in the body (stored twice): min 610 p50 748 p90 883 max 1077
 */
describe('the findings table item: compact, and as billed', () => {
  let findings: Finding[];
  beforeAll(async () => {
    findings = (await scanObjects(await listFiles([SAMPLES]))).findings.map((f) => f.finding);
  });

  it('decodes to exactly the finding, and reads the earlier layout too', () => {
    expect(findings.length).toBeGreaterThan(30);
    for (const f of findings) {
      const item = findingItem(f, RETENTION_DAYS);
      // As the map layout stored it (the Lambdas' document client drops undefined values), and equal to it.
      expect(findingOfItem(item)).toStrictEqual(JSON.parse(JSON.stringify(f)));
      expect(findingOfItem(item)).toEqual(f);
      expect(findingOfItem(legacyItem(f))).toBe(f);
    }
    expect(() => findingOfItem({ pk: 'F#x#2026-11-20', sk: 's' })).toThrow('F#x#2026-11-20 s holds no finding');
  });

  it('is smaller than the map layout for every sample finding, and one write unit for nearly all', () => {
    const rows = findings.map((f) => {
      // The fingerprint is in the key, not in the compressed body.
      const { fingerprint, ...body } = f;
      const json = Buffer.from(JSON.stringify(body));
      const item = findingItem(f, RETENTION_DAYS);
      expect(fingerprint).toMatch(/^[\w-]{22}$/);
      expect(String(item.sk).endsWith(`#${f.ruleId}@${fingerprint}`)).toBe(true);
      expect(inflateRawSync(item.fz as Uint8Array).toString()).not.toContain(fingerprint);
      const auditKey = `${String(item.sk).slice(0, String(item.sk).indexOf('#'))}#${f.ruleId}#${f.auditID}`;
      return {
        beforePut: itemSize(legacyItem(f)),
        before: itemSize({ ...legacyItem(f), ...ALERTED }),
        after: itemSize({ ...item, ...ALERTED }),
        claimed: itemSize({ ...item, ...CLAIMED }),
        put: itemSize(item),
        twice: itemSize({ ...item, sk: auditKey, fz: deflateRawSync(JSON.stringify(f)), ...ALERTED }),
        gzip: itemSize({ ...item, fz: gzipSync(json), ...ALERTED }),
        raw: itemSize({ ...item, fz: deflateRawSync(json), ...ALERTED }),
      };
    });
    const report = [
      `${findings.length} findings on samples/; item bytes with alertedAt`,
      `before (map):        ${quantiles(rows.map((r) => r.before))}; ${rows.filter((r) => r.before > 1024).length} over 1 KB; ${rows.reduce((n, r) => n + writeUnits(r.before), 0)} WRU`,
      `before, the put:     ${quantiles(rows.map((r) => r.beforePut))}; ${rows.filter((r) => r.beforePut > 1024).length} over 1 KB; ${rows.reduce((n, r) => n + writeUnits(r.beforePut), 0)} WRU`,
      `after (deflate-raw): ${quantiles(rows.map((r) => r.after))}; ${rows.filter((r) => r.after > 1024).length} over 1 KB; ${rows.reduce((n, r) => n + writeUnits(r.after), 0)} WRU`,
      `after, the put:      ${quantiles(rows.map((r) => r.put))}; ${rows.reduce((n, r) => n + writeUnits(r.put), 0)} WRU`,
      `after, claimed:      ${quantiles(rows.map((r) => r.claimed))}; ${rows.filter((r) => r.claimed > 1024).length} over 1 KB; ${rows.reduce((n, r) => n + writeUnits(r.claimed), 0)} WRU`,
      `auditID key, fingerprint in the body: ${quantiles(rows.map((r) => r.twice))}; ${rows.filter((r) => r.twice > 1024).length} over 1 KB`,
      `gzip instead:        ${quantiles(rows.map((r) => r.gzip))}`,
    ].join('\n');
    if (process.env.ITEM_SIZES) console.log(report);
    for (const r of rows) {
      expect(r.after).toBeLessThan(r.before);
      expect(r.after).toBeLessThan(r.twice); // the fingerprint stored once, in a key shorter than the auditID's
      expect(r.raw).toBe(r.after); // the store's encoding is raw DEFLATE...
      expect(r.gzip).toBe(r.after + 18); // ...18 bytes under gzip's header and trailer on every item
    }
    const oneUnit = rows.filter((r) => r.after <= 1024).length;
    expect(oneUnit / rows.length).toBeGreaterThanOrEqual(0.9);
    expect(rows.filter((r) => r.before <= 1024).length / rows.length).toBeLessThan(0.6);
    expect(rows.filter((r) => r.put <= 1024).length / rows.length).toBeGreaterThanOrEqual(0.95);
    expect(rows.filter((r) => r.claimed <= 1024).length / rows.length).toBeGreaterThanOrEqual(0.9);
  });

  describe('against a local DynamoDB (dynalite)', () => {
    let db: LocalDynamoDb;
    let documents: DynamoDBDocumentClient;
    beforeAll(async () => {
      db = await startLocalDynamoDb();
      // As the Lambdas configure it: the map layout needed undefined values dropped.
      documents = DynamoDBDocumentClient.from(db.client, { marshallOptions: { removeUndefinedValues: true } });
      await createFindingsTable(db.client, 'before');
      await createFindingsTable(db.client, 'after');
    });
    afterAll(async () => db.stop());

    it('query returns the same findings from either layout, and the compact puts cost one unit each for nearly all', async () => {
      let legacyUnits = 0;
      for (const f of findings) {
        const out = await documents.send(new PutCommand({ TableName: 'before', Item: legacyItem(f), ReturnConsumedCapacity: 'TOTAL' }));
        legacyUnits += out.ConsumedCapacity?.CapacityUnits ?? 0;
      }
      let units = 0;
      for (const f of findings) {
        const out = await documents.send(new PutCommand({ TableName: 'after', Item: findingItem(f, RETENTION_DAYS), ReturnConsumedCapacity: 'TOTAL' }));
        units += out.ConsumedCapacity?.CapacityUnits ?? 0;
      }
      if (process.env.ITEM_SIZES) console.log(`dynalite's units for the puts: map layout ${legacyUnits}, compact ${units} (${findings.length} findings)`);
      // One unit each for nearly all (all 41 of samples/ today): the fingerprint is stored once, in the key.
      expect(units).toBeLessThanOrEqual(Math.ceil(findings.length * 1.05));
      expect(legacyUnits).toBeGreaterThan(findings.length * 1.3);

      const clusters = [...new Set(findings.map((f) => f.cluster ?? '-'))];
      const range = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };
      expect(findings.every((f) => Date.parse(f.time) >= range.from.getTime() && Date.parse(f.time) < range.to.getTime())).toBe(true);
      for (const cluster of clusters) {
        const before = await new DynamoDbFindingsStore(documents, 'before').query({ cluster, ...range });
        const after = await new DynamoDbFindingsStore(documents, 'after').query({ cluster, ...range });
        expect(after).toStrictEqual(before);
        expect(after.length).toBe(findings.filter((f) => (f.cluster ?? '-') === cluster).length);
      }
    });
  });
});
