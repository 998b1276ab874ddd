import { readFileSync } from 'node:fs';
import { isExternal } from '../../lambdas/core/detect/rule';
import { CATEGORIES } from '../../lambdas/core/finding';
import { RULES } from '../../lambdas/core/rules';
import { RULES_DOC, renderRulesDoc } from '../../scripts/rules-doc';

describe('docs/rules.md', () => {
  it('is current: regenerate it with `npm run docs`', () => {
    expect(readFileSync(RULES_DOC, 'utf8')).toBe(renderRulesDoc());
  });
});

describe('the rule registry', () => {
  it('has unique ids of the form family.name', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/);
  });

  it('gives every rule what a person needs to act on it', () => {
    for (const r of RULES) {
      expect({ id: r.id, ok: r.title.length > 0 && r.description.length > 40 && r.remediation.length > 20 && r.falsePositives.length > 10 }).toEqual({
        id: r.id,
        ok: true,
      });
      expect(r.attack.every((t) => /^T\d{4}(\.\d{3})?$/.test(t))).toBe(true);
      // Detections from outside the log (S3, CloudTrail, the clock) read no audit event;
      // a rule about oversize events sees them whatever its interest.
      if (!isExternal(r)) expect({ id: r.id, interest: r.interest.length > 0 || r.oversizeEvents === true }).toEqual({ id: r.id, interest: true });
    }
  });

  it('gives every rule the reasons for its severity, in the terms of the rubric, and shows them in docs/rules.md', () => {
    const doc = renderRulesDoc();
    for (const r of RULES) {
      const reasons = r.severityReasons ?? '';
      expect({ id: r.id, namesWhoAndWhat: /who:/.test(reasons) && /what:/.test(reasons) }).toEqual({ id: r.id, namesWhoAndWhat: true });
      expect(doc).toContain(reasons);
    }
  });

  it('covers every category of the design', () => {
    const covered = new Set(RULES.map((r) => r.category));
    expect(CATEGORIES.filter((c) => !covered.has(c))).toEqual([]);
  });
});
