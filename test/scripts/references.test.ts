import { readFileSync } from 'node:fs';
import { configSchema } from '../../lambdas/core/config/schema';
import { DEPLOY_CONTEXT_KEYS } from '../../lib/deploy-settings';
import { CONFIGURATION_REFERENCE, FIELD_MEANINGS, renderConfigurationReference } from '../../scripts/configuration-reference';
import { DEPLOY_CONTEXT_REFERENCE, renderDeployContextReference } from '../../scripts/deploy-context-reference';

describe('docs/reference/configuration.md', () => {
  it('is current: regenerate it with `npm run docs:configuration`', () => {
    expect(readFileSync(CONFIGURATION_REFERENCE, 'utf8')).toBe(renderConfigurationReference());
  });

  it('has a row for every field of the schema, with its default where the loader has one', () => {
    const text = renderConfigurationReference();
    for (const path of Object.keys(FIELD_MEANINGS)) expect(text).toContain(`| \`${path}\` |`);
    expect(text).toMatch(/\| `settings\.restarts\.threshold` \| whole number, 1 or more \| no \| `5` \|/);
    expect(text).toMatch(/\| `exceptions\[\]\.reason` \| non-empty string \| yes \|/);
    expect(Object.keys(configSchema.shape)).toEqual(['rules', 'settings', 'exceptions']);
  });
});

describe('docs/reference/deploy-context.md', () => {
  it('is current: regenerate it with `npm run docs:deploy-context`', () => {
    expect(readFileSync(DEPLOY_CONTEXT_REFERENCE, 'utf8')).toBe(renderDeployContextReference());
  });

  it('has a row for every context key the app reads, with the default it applies', () => {
    const text = renderDeployContextReference();
    for (const key of [...DEPLOY_CONTEXT_KEYS, 'analyzerConfigFile']) expect(text).toContain(`| \`${key}\` |`);
    expect(text).toMatch(/\| `analyzerTimeoutSeconds` \| whole number, 30 to 900 \| `180` \|/);
    expect(text).toMatch(/\| `alertEmails` \| list \(comma-separated\) \| none \|/);
  });
});
