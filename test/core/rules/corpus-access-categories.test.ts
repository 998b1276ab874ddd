import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DetectionEngine } from '../../../lambdas/core/detect/engine';
import type { Finding } from '../../../lambdas/core/finding';
import { severityRank } from '../../../lambdas/core/finding';
import { readAuditLog } from '../../../lambdas/core/read';
import type { Rule } from '../../../lambdas/core/detect/rule';
import { anonymousAccessRules } from '../../../lambdas/core/rules/anonymous-access';
import { credentialRules } from '../../../lambdas/core/rules/credential';
import { execRules } from '../../../lambdas/core/rules/exec';
import { secretRules } from '../../../lambdas/core/rules/secret';
import { serviceAccountRules } from '../../../lambdas/core/rules/service-account';
import { storageRules } from '../../../lambdas/core/rules/storage';
import { CORPUS_DIR, CORPUS_FILES } from '../../../devkit/corpus';

/**
 * The labelled corpus, scored the README's way for the categories these rules own, with the real
 * reader and its pre-check in front (so an interest that hides an event shows up as a miss).
 * Findings are matched by file and line: falco-trace-files.jsonl reuses auditIDs.
 */
/** The rules of the categories about reaching into the cluster and its credentials. */
const accessRules: readonly Rule[] = [...execRules, ...anonymousAccessRules, ...secretRules, ...serviceAccountRules, ...credentialRules, ...storageRules];
const CATEGORIES = ['exec', 'anonymous-access', 'secret', 'service-account', 'credential', 'storage'];

interface Label {
  file: string;
  line: number;
  auditID: string;
  expect: string[];
  tolerate: string[];
}

const labels = readFileSync(join(CORPUS_DIR, 'labels.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Label);

const findings = new Map<string, Finding[]>(); // `${file}:${line}`

beforeAll(async () => {
  const interest = new DetectionEngine(accessRules).interest;
  for (const file of CORPUS_FILES) {
    const reading = readAuditLog(Readable.from([readFileSync(join(CORPUS_DIR, file))]), { interest });
    for await (const read of reading.events) {
      // A fresh engine per line: its dedup must not merge two lines that share an auditID.
      const found = await new DetectionEngine(accessRules).analyze(read);
      findings.set(`${file}:${read.line}`, found);
    }
  }
});

const positives = labels.filter((l) => l.expect.some((c) => CATEGORIES.includes(c)));

describe('the labelled corpus, for the categories about access (exec, anonymous-access, secret, service-account, credential, storage)', () => {
  it('has labelled positives for every category with corpus events', () => {
    expect(new Set(positives.flatMap((l) => l.expect.filter((c) => CATEGORIES.includes(c))))).toEqual(
      new Set(['exec', 'anonymous-access', 'secret', 'service-account']),
    );
  });

  it.each(positives.map((l) => [`${l.file}:${l.line}`, l] as const))('finds %s', (key, label) => {
    const got = (findings.get(key) ?? []).map((f) => f.category as string);
    expect(got.filter((c) => label.expect.includes(c))).not.toHaveLength(0);
  });

  it('raises no medium-or-higher finding on a `none` line unless its category is tolerated', () => {
    const falseAlarms = labels
      .filter((l) => l.expect.includes('none'))
      .flatMap((l) =>
        (findings.get(`${l.file}:${l.line}`) ?? [])
          .filter((f) => severityRank(f.severity) >= severityRank('medium') && !l.tolerate.includes(f.category))
          .map((f) => `${l.file}:${l.line} ${f.ruleId} ${f.severity}: ${f.summary}`),
      );
    expect(falseAlarms).toEqual([]);
  });
});
