/**
 * The invariant of issue 11, stated in general: whatever an attacker adds before, after or between
 * real events (junk lines, decoys that share an auditID, oversize or wrong-typed events, a corrupt
 * compression member), every finding the real events raise alone is still raised, and the problem
 * is counted. The CLI's scan and the analyzer's object path read the same bytes through the same
 * reader and engine, so they must agree on every case: both are run.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { analyzeObject } from '../../lambdas/core/pipeline/analyze-object';
import { scanObjects } from '../../lambdas/cli/scan';
import { DEFAULT_CONFIG, DetectionEngine } from '../../lambdas/core/detect/engine';
import { FindingPolicy } from '../../lambdas/core/detect/finding-policy';
import type { Finding } from '../../lambdas/core/finding';
import type { FindingsStore, Publisher } from '../../lambdas/core/ports';
import type { ProblemKind, ReadStats } from '../../lambdas/core/read';
import { EVENT_RULES } from '../../lambdas/core/rules';
import { STORIES } from '../../scripts/attack-stories';
import type { Ev } from '../helpers/shipping';

/** The stories' events that stateless rules judge alone (a stateful detector's count is history, not one event). */
const REAL: Ev[] = STORIES.flatMap((s) => s.parts.flatMap(([, events]) => events));
/** A small limit so oversize documents stay cheap to generate; the reader's logic is the same at 4 MiB. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
const REF = { bucket: 'audit-logs', key: 'clusters/prod-eu/2026/11/20/09/attack.jsonl.gz' };

type Noise =
  | { kind: 'junk'; line: string }
  | { kind: 'decoy'; of: number; change: 'failed' | 'dry-run' | 'other-object' | 'other-verb' | 'request-received' }
  | { kind: 'oversize'; of: number }
  | { kind: 'wrong-type'; of: number; field: 'user' | 'groups' | 'requestURI' | 'stageTimestamp' | 'objectRef' | 'verb' }
  | { kind: 'corrupt-member' };

/** The problem kind each noise must be counted as (decoys are events like any other: nothing to count). */
const COUNTED_AS: Record<Noise['kind'], ProblemKind[] | undefined> = {
  junk: ['malformed-json', 'unknown-envelope', 'invalid-event'],
  decoy: undefined,
  oversize: ['oversize'],
  'wrong-type': ['invalid-event'],
  'corrupt-member': ['corrupt-input', 'truncated-input'],
};

/** Lines that are no audit event; blank lines and an empty array hold nothing to count. */
const junkLine = fc
  .oneof(
    fc.constantFrom(
      '{}',
      'null',
      '"x"',
      '{"kind":"Event"}',
      '{"log":12}',
      '{',
      '}{',
      'not json at all',
      '\u0000\u0001',
      '{"messageType":"DATA_MESSAGE","logEvents":7}',
    ),
    fc.string({ maxLength: 40 }).filter((s) => !s.includes('\n')),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  )
  .filter((line) => line.trim() !== '' && line.trim() !== '[]');

/** Noise; decoys, oversize and wrong-typed copies are made of events that raise findings alone (`attacks`, indexes into REAL). */
const noise = (attacks: readonly number[]): fc.Arbitrary<Noise> => {
  const of = fc.constantFrom(...attacks);
  return fc.oneof(
    junkLine.map((line): Noise => ({ kind: 'junk', line })),
    fc.record({
      kind: fc.constant('decoy' as const),
      of,
      change: fc.constantFrom('failed' as const, 'dry-run' as const, 'other-object' as const, 'other-verb' as const, 'request-received' as const),
    }),
    fc.record({ kind: fc.constant('oversize' as const), of }),
    fc.record({
      kind: fc.constant('wrong-type' as const),
      of,
      field: fc.constantFrom('user' as const, 'groups' as const, 'requestURI' as const, 'stageTimestamp' as const, 'objectRef' as const, 'verb' as const),
    }),
    fc.constant<Noise>({ kind: 'corrupt-member' }),
  );
};

/** A decoy: the real event's auditID on another request the client controls. */
function decoy(real: Ev, change: Extract<Noise, { kind: 'decoy' }>['change']): Ev {
  const copy = structuredClone(real);
  if (change === 'failed') copy.responseStatus = { metadata: {}, code: 409, reason: 'AlreadyExists' };
  if (change === 'dry-run') copy.requestURI = `${String(copy.requestURI)}${String(copy.requestURI).includes('?') ? '&' : '?'}dryRun=All`;
  if (change === 'other-object') copy.objectRef = { ...(copy.objectRef as object), name: 'decoy-object' };
  if (change === 'other-verb') copy.verb = 'get';
  if (change === 'request-received') copy.stage = 'RequestReceived';
  return copy;
}

/** The real event with a body that pushes it over the document limit (Go's `\u003c` escapes make 6 bytes of each `<`). */
function oversize(real: Ev): Ev {
  return {
    ...structuredClone(real),
    auditID: `${String(real.auditID)}-big`,
    requestObject: { kind: 'ConfigMap', data: { blob: '<'.repeat(MAX_DOCUMENT_BYTES) } },
  };
}

function wrongTyped(real: Ev, field: Extract<Noise, { kind: 'wrong-type' }>['field']): Ev {
  const copy = structuredClone(real);
  const user = (copy.user ?? {}) as Record<string, unknown>;
  if (field === 'user') copy.user = { ...user, username: 42 };
  if (field === 'groups') copy.user = { ...user, groups: { admin: true } };
  if (field === 'requestURI') copy.requestURI = { path: '/' };
  if (field === 'stageTimestamp') copy.stageTimestamp = 1_700_000_000;
  if (field === 'objectRef') copy.objectRef = { resource: ['pods'] };
  if (field === 'verb') copy.verb = 7;
  return copy;
}

/** Go writes `<`, `>` and `&` escaped; so does this, so sizes are as the API server's. */
const goJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/**
 * The object: gzip members of lines, as Firehose and shippers write them. The real events and the
 * noise go in stream order; a corrupt member is a gzip header followed by garbage, between members.
 */
function objectBytes(items: Array<{ real: Ev } | { noise: Noise }>): Buffer {
  const members: Buffer[] = [];
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) members.push(gzipSync(`${lines.join('\n')}\n`));
    lines = [];
  };
  for (const item of items) {
    if ('real' in item) {
      lines.push(goJson(item.real));
      continue;
    }
    const n = item.noise;
    if (n.kind === 'junk') lines.push(n.line);
    else if (n.kind === 'decoy') lines.push(goJson(decoy(REAL[n.of], n.change)));
    else if (n.kind === 'oversize') lines.push(goJson(oversize(REAL[n.of])));
    else if (n.kind === 'wrong-type') lines.push(goJson(wrongTyped(REAL[n.of], n.field)));
    else {
      flush();
      const broken = Buffer.from(gzipSync('{"kind":"Event"}\n'.repeat(50)));
      broken.fill(0xa5, 12, broken.length - 8); // a member whose deflate data is garbage
      members.push(broken);
    }
  }
  flush();
  return Buffer.concat(members);
}

const identity = (f: Finding): string => `${f.ruleId} ${f.fingerprint ?? ''}`;

async function viaScan(bytes: Buffer): Promise<{ findings: Finding[]; stats: ReadStats }> {
  const result = await scanObjects([{ name: REF.key, size: bytes.length, open: () => Promise.resolve(Readable.from([bytes])) }], {
    readOptions: { maxDocumentBytes: MAX_DOCUMENT_BYTES },
  });
  return { findings: result.findings.map((f) => f.finding), stats: result.stats.total };
}

async function viaAnalyzer(bytes: Buffer): Promise<{ findings: Finding[]; stats: ReadStats }> {
  const stored: Finding[] = [];
  const store: FindingsStore = {
    putNew: (findings) => {
      stored.push(...findings);
      return Promise.resolve([...findings]);
    },
    query: () => Promise.resolve([]),
  };
  const publisher: Publisher = { publish: () => Promise.resolve() };
  const object = { name: `s3://${REF.bucket}/${REF.key}`, key: REF.key, size: bytes.length, open: () => Promise.resolve(Readable.from([bytes])) };
  const result = await analyzeObject(object, {
    engine: new DetectionEngine(EVENT_RULES),
    policy: new FindingPolicy(DEFAULT_CONFIG),
    store,
    publisher,
    minAlertSeverity: 'high',
    readOptions: { maxDocumentBytes: MAX_DOCUMENT_BYTES },
  });
  return { findings: stored, stats: result.stats };
}

describe('what an attacker adds cannot hide a real event', () => {
  let alone: Set<string>;
  let attacks: number[];
  beforeAll(async () => {
    const { findings } = await viaScan(objectBytes(REAL.map((real) => ({ real }))));
    alone = new Set(findings.filter((f) => !f.ruleId.startsWith('restart.')).map(identity));
    expect(alone.size).toBeGreaterThan(10);
    const raising = new Set(findings.map((f) => f.auditID));
    attacks = REAL.flatMap((e, i) => (raising.has(String(e.auditID)) ? [i] : []));
  });

  it('keeps every finding of the real events, counts every problem, and scan and the analyzer agree', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: REAL.length }), noise(attacks)), { minLength: 1, maxLength: 12 }), async (inserts) => {
        // Noise at any position: before the first real event (0), between any two, after the last.
        const items: Array<{ real: Ev } | { noise: Noise }> = [];
        for (let i = 0; i <= REAL.length; i++) {
          for (const [at, n] of inserts) if (at === i) items.push({ noise: n });
          if (i < REAL.length) items.push({ real: REAL[i] });
        }
        const bytes = objectBytes(items);
        const scanned = await viaScan(bytes);
        const analyzed = await viaAnalyzer(bytes);

        const got = new Set(scanned.findings.map(identity));
        for (const f of alone) expect(got).toContain(f);
        for (const kind of new Set(inserts.map(([, n]) => n.kind))) {
          const kinds = COUNTED_AS[kind];
          if (kinds) expect(kinds.reduce((n, k) => n + scanned.stats.problems[k], 0)).toBeGreaterThan(0);
        }
        expect([...new Set(analyzed.findings.map(identity))].sort()).toEqual([...got].sort());
      }),
      { numRuns: 40, seed: 20261202 },
    );
  }, 120_000);
});
