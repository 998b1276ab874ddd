import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../lambdas/core/config/schema';
import { knownRuleIds } from '../../../lambdas/core/rules';

describe('examples/config.yaml', () => {
  it('is a valid configuration naming only existing rules', () => {
    const path = join(__dirname, '..', '..', '..', 'examples', 'config.yaml');
    const config = parseConfig(readFileSync(path, 'utf8'), path, knownRuleIds());
    expect(config.exceptions.length).toBeGreaterThan(2);
    expect(config.exceptions.every((e) => e.reason.length > 10)).toBe(true);
  });
});
