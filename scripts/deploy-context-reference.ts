/**
 * Writes docs/reference/deploy-context.md from the deploy settings' zod schema
 * (lib/deploy-settings.ts: each key's type, bounds, default and description), so the reference
 * cannot drift from what `cdk deploy` accepts (a test fails when the file is stale). Run with
 * `npm run docs:deploy-context`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CONFIG_FILE_CONTEXT_KEY, NO_ALERT_DESTINATION_CONTEXT_KEY, deploySettingsSchema } from '../lib/deploy-settings';
import type { JsonSchema } from './json-schema-text';
import { cell, code, typeText } from './json-schema-text';

export const DEPLOY_CONTEXT_REFERENCE = join(__dirname, '..', 'docs', 'reference', 'deploy-context.md');

/** Context values arrive as strings (`-c key=value`) or JSON (cdk.json): say what the string form is. */
function contextType(node: JsonSchema): string {
  const kinds = (node.anyOf ?? []).map((n) => n.type);
  if (kinds.includes('array') && kinds.includes('string')) return 'list (comma-separated)';
  if (kinds.includes('boolean')) return '`true` or `false`';
  return typeText(node);
}

function defaultText(value: unknown): string {
  if (value === undefined) return '—';
  if (Array.isArray(value) && value.length === 0) return 'none';
  return code(value);
}

export function renderDeployContextReference(): string {
  const schema = z.toJSONSchema(deploySettingsSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  // Defaults as the app applies them (a list's default sits behind a transform the JSON Schema cannot show).
  const defaults = deploySettingsSchema.parse({}) as Record<string, unknown>;
  const rows = Object.entries(schema.properties ?? {}).map(([key, node]) => {
    if (!node.description) throw new Error(`lib/deploy-settings.ts: describe the context key ${key} (.describe(...))`);
    return `| \`${key}\` | ${cell(contextType(node))} | ${defaultText(defaults[key])} | ${cell(node.description)} |`;
  });
  const fileRow = `| \`${CONFIG_FILE_CONTEXT_KEY.key}\` | path | — | ${cell(CONFIG_FILE_CONTEXT_KEY.description)} |`;
  const acknowledgementRow = `| \`${NO_ALERT_DESTINATION_CONTEXT_KEY.key}\` | ${code(NO_ALERT_DESTINATION_CONTEXT_KEY.value)} | — | ${cell(NO_ALERT_DESTINATION_CONTEXT_KEY.description)} |`;
  return (
    [
      '# Deploy context reference',
      '',
      '<!-- Generated from lib/deploy-settings.ts by `npm run docs:deploy-context`; do not edit by hand. -->',
      '',
      'Every context key `npx cdk deploy` reads: `-c key=value`, or a `"context"` entry in `cdk.json`. Lists are',
      'comma-separated on the command line (JSON arrays in `cdk.json`); every key is validated at synth and every problem',
      "is named at once: a bad value, a key the app does not know (with the nearest one it does; CDK's own `@aws-cdk/…`",
      'and `aws:cdk:…` keys pass), and a deploy with no alert destination. The same names are the props of the',
      '`KubernetesAuditAnalyzer` construct ([construct.md](../construct.md)), but `stackName`, `existingLogBucketName`',
      '(the construct takes a bucket), `analyzerConfigFile`, `noAlertDestination`, and `eventBus` and `eventBusName` (add the',
      '`IncidentEvents` construct of lib/incident-events.ts next to it).',
      'How to use them: [deploy.md](../deploy.md).',
      '',
      '| key | type | default | meaning |',
      '| --- | --- | --- | --- |',
      ...rows,
      fileRow,
      acknowledgementRow,
    ].join('\n') + '\n'
  );
}

if (require.main === module) {
  writeFileSync(DEPLOY_CONTEXT_REFERENCE, renderDeployContextReference());
  console.log(`wrote ${DEPLOY_CONTEXT_REFERENCE}`);
}
