import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExternalDetection, Rule } from '../../../lambdas/core/detect/rule';
import { isExternal } from '../../../lambdas/core/detect/rule';
import { CATEGORIES } from '../../../lambdas/core/finding';
import { EVENT_RULES, EXTERNAL_DETECTIONS, RULES, RULES_BY_CATEGORY, interestOf, knownRuleIds } from '../../../lambdas/core/rules';

const RULES_DIR = join(__dirname, '..', '..', '..', 'lambdas', 'core', 'rules');
const OUTSIDE_THE_LOG = ['audit-tampering.log-object-deleted', 'audit-tampering.log-silence', 'audit-tampering.eks-audit-logging-disabled'];

describe('the rules folder is laid out as the categories are', () => {
  it('has one file per category, named after it, beside the registry and the support folder', () => {
    const entries = readdirSync(RULES_DIR).sort();
    expect(entries).toEqual([...CATEGORIES.map((c) => `${c}.ts`), 'index.ts', 'support'].sort());
  });

  it('has a test file per category file', () => {
    const tests = new Set(readdirSync(__dirname));
    expect(CATEGORIES.filter((c) => !tests.has(`${c}.test.ts`))).toEqual([]);
  });

  it.each(CATEGORIES.map((c) => [c] as const))('keeps only %s detections in its file', (category) => {
    const listed = RULES_BY_CATEGORY[category];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.filter((d) => d.category !== category).map((d) => d.id)).toEqual([]);
  });

  it('lists the detections in the order of the categories', () => {
    const order = RULES.map((d) => CATEGORIES.indexOf(d.category));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe('the registry lists both kinds of detection', () => {
  it('knows the detections from outside the log, and only those, as external', () => {
    expect(EXTERNAL_DETECTIONS.map((d) => d.id).sort()).toEqual([...OUTSIDE_THE_LOG].sort());
    expect(
      RULES.filter(isExternal)
        .map((d) => d.id)
        .sort(),
    ).toEqual([...OUTSIDE_THE_LOG].sort());
    for (const d of EXTERNAL_DETECTIONS)
      expect({ id: d.id, source: d.source.length > 10, evaluate: 'evaluate' in d, interest: 'interest' in d }).toEqual({
        id: d.id,
        source: true,
        evaluate: false,
        interest: false,
      });
  });

  it('gives the engine every other detection, each with something to run', () => {
    expect(EVENT_RULES.length + EXTERNAL_DETECTIONS.length).toBe(RULES.length);
    expect(EVENT_RULES.filter((d) => OUTSIDE_THE_LOG.includes(d.id))).toEqual([]);
    for (const d of EVENT_RULES) expect({ id: d.id, runs: typeof ('observe' in d ? d.observe : d.evaluate) }).toEqual({ id: d.id, runs: 'function' });
  });

  it('lets configuration name an external detection, and the pre-check ignore it', () => {
    for (const id of OUTSIDE_THE_LOG) expect(knownRuleIds().has(id)).toBe(true);
    expect(interestOf()).toEqual(interestOf(EVENT_RULES));
  });

  it('has unique ids', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  it('keeps the kinds apart in the types', () => {
    const metadata = {
      id: 'x.y',
      title: 't',
      category: 'audit-tampering',
      severity: 'high',
      description: 'd',
      attack: [],
      controls: [],
      falsePositives: 'f',
      remediation: 'r',
    } as const;
    // @ts-expect-error an event rule must have `evaluate`
    const noEvaluate: Rule = { ...metadata, attack: [], controls: [], interest: [] };
    // @ts-expect-error an external detection must not have `evaluate`
    const evaluates: ExternalDetection = { ...metadata, attack: [], controls: [], source: 's', evaluate: () => undefined };
    expect([noEvaluate.id, evaluates.id]).toEqual(['x.y', 'x.y']);
  });
});

describe('rule metadata', () => {
  it.each(RULES.map((r) => [r.id, r] as const))('%s is documented', (_id, r) => {
    expect(r.id).toMatch(/^[a-z-]+\.[a-z-]+$/);
    expect(r.description.length).toBeGreaterThan(80);
    expect(r.attack.length).toBeGreaterThan(0);
    for (const t of r.attack) expect(t).toMatch(/^T\d{4}(\.\d{3})?$/);
    expect(r.falsePositives).not.toBe('');
    expect(r.remediation).not.toBe('');
    // Oversize events reach their rule whatever its interest; external detections read no event.
    if (!isExternal(r) && r.oversizeEvents !== true) expect(r.interest.length).toBeGreaterThan(0);
  });
});
