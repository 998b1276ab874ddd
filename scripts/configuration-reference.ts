/**
 * Writes docs/reference/configuration.md from the configuration file's zod schema
 * (lambdas/core/config/schema.ts) and its defaults (lambdas/core/config/settings.ts), so the
 * reference cannot drift from the loader (a test fails when the file is stale). The schema gives
 * the fields, their types and bounds; the sentences below say what each one does, and rendering
 * fails on a field without one. Run with `npm run docs:configuration`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { configSchema } from '../lambdas/core/config/schema';
import { DEFAULT_SETTINGS } from '../lambdas/core/config/settings';
import type { JsonSchema } from './json-schema-text';
import { cell, code, typeText } from './json-schema-text';

export const CONFIGURATION_REFERENCE = join(__dirname, '..', 'docs', 'reference', 'configuration.md');

/** What each field does, by its path (`[]` for a list's entries). */
export const FIELD_MEANINGS: Readonly<Record<string, string>> = {
  'rules.disabled': 'rule ids (`image.mutable-tag`) or whole categories (`untrusted-image`) switched off',
  'rules.severity': 'the severity a rule id’s findings get instead of their own',
  'settings.restarts.threshold': '`restart.crash-loop`: more restarts than this within the window',
  'settings.restarts.windowMinutes': '`restart.crash-loop`: the window the restarts are counted in',
  'settings.images.allowedRegistries': 'only when set do images from other registries raise `image.registry-not-allowed`',
  'settings.images.flagMutableTags': '`image.mutable-tag` on new workloads using a mutable tag',
  'settings.images.offensiveTools':
    '`image.offensive-tool`: repositories of attack tooling; an entry is a repository, its last segment, or `account/*` (the list replaces the default)',
  'settings.serviceAccountTokens.maxExpirationSeconds': 'TokenRequests asking for a longer lifetime are rated higher',
  'settings.secrets.bulkReadNamespaces': 'accepted and validated, but no shipped rule reads it yet (`secret.bulk-read` judges each list or watch on its own)',
  'settings.secrets.clusterWideReaders':
    '`namespace:name` of add-ons that watch Secrets cluster-wide by design: `secret.bulk-read` rates their cluster-wide reads low',
  'settings.logShippers.names':
    "`audit-tampering.log-shipper-removed`: names of the log shipper's DaemonSets and Deployments, matched as whole dash-separated words (the list replaces the default)",
  'settings.securityAgents.names':
    '`restart.security-agent-crash-loop`: security agents, as whole dash-separated words of the pod or container name (the list replaces the default)',
  'settings.securityAgents.threshold': '`restart.security-agent-crash-loop`: this many restarts of an agent within its window',
  'settings.securityAgents.windowMinutes': '`restart.security-agent-crash-loop`: the window agent restarts are counted in',
  'settings.trust.nodeNetworks':
    'CIDRs node and pod credentials are used from (node subnets, pod CIDR); empty: their source address is not judged ([trust boundaries](../trust-boundaries.md))',
  'settings.trust.trustedNetworks':
    'CIDRs people and automation act from (VPN, CI runners, bastions); privileged actions from elsewhere rate one step higher; empty: not judged',
  'settings.trust.apiServerAddresses': "the API server's own addresses (loopback, control-plane ENIs): inside every boundary",
  'settings.trust.privateRangesTrusted': 'private and loopback addresses count as inside both `nodeNetworks` and `trustedNetworks`',
  'settings.trust.userAgents.node': 'user-agent prefixes node credentials run as; any other client with them is a `credential` finding',
  'settings.trust.userAgents.interactive':
    'user-agent prefixes of clients a person drives; node, control-plane or service-account credentials using them are a `credential` finding',
  'settings.baseline.enabled': 'first-seen baselines: new sensitive actions of an identity rate higher, routine ones lower ([baselines](../baselines.md))',
  'settings.baseline.learningDays': 'the window the baseline remembers, and how long a new cluster learns before anything is called new',
  'settings.baseline.routineDays': 'an action seen on this many earlier days of the window is routine',
  'settings.baseline.resetBefore': 'sightings before this date are ignored: a reset without deleting state',
  'settings.storage.backupServiceAccounts':
    '`storage.volume-snapshot`: the backup tool and snapshot controllers as `namespace:name`, whose snapshots are not reported (the list replaces the default)',
  'settings.compliance.violationSeverity':
    'the compliance report: findings below this severity violate no control (a refused request never does) ([compliance](../compliance.md))',
  'settings.compliance.platform':
    "who runs the control planes: `eks` (the API-server flag controls are not applicable), `self-managed`, or `detect` (EKS when a cluster's findings name EKS or IAM identities)",
  'settings.compliance.clusters': "per cluster name, its control plane's platform, which wins over `platform`",
  'exceptions[].rules': 'the rules the exception covers: ids, categories, or `"*"`',
  'exceptions[].users': 'user names the exception applies to',
  'exceptions[].groups': 'groups the exception applies to (any group of the user)',
  'exceptions[].serviceAccounts': 'service accounts as `namespace:name`',
  'exceptions[].namespaces': 'namespaces of the target object',
  'exceptions[].names': 'names of the target object',
  'exceptions[].reason': 'why the exception exists, for the next reader',
  'exceptions[].expires': 'after it the exception stops applying and is reported as expired',
};

interface Field {
  path: string;
  node: JsonSchema;
  required: boolean;
}

function fields(node: JsonSchema, prefix: string, required: boolean): Field[] {
  if (node.type === 'array' && node.items?.type === 'object' && node.items.properties) return fields(node.items, `${prefix}[]`, true);
  if (node.type === 'object' && node.properties) {
    return Object.entries(node.properties).flatMap(([name, child]) =>
      fields(child, prefix === '' ? name : `${prefix}.${name}`, node.required?.includes(name) ?? false),
    );
  }
  return [{ path: prefix, node, required }];
}

function defaultOf(path: string): string {
  const [section, group, name] = path.split('.');
  if (section !== 'settings') return '—';
  const value = (DEFAULT_SETTINGS as unknown as Record<string, Record<string, unknown>>)[group]?.[name];
  if (Array.isArray(value) && value.length === 0) return 'none';
  return value === undefined ? '—' : code(value);
}

export function renderConfigurationReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const all = fields(schema, '', false);
  const missing = all.filter((f) => FIELD_MEANINGS[f.path] === undefined).map((f) => f.path);
  if (missing.length > 0) throw new Error(`scripts/configuration-reference.ts: say what these fields do in FIELD_MEANINGS: ${missing.join(', ')}`);
  const row = (f: Field): string =>
    `| \`${f.path}\` | ${cell(typeText(f.node))} | ${f.path.startsWith('exceptions[]') ? (f.required ? 'yes' : 'no') : 'no'} | ${defaultOf(f.path)} | ${cell(FIELD_MEANINGS[f.path])} |`;
  const header = ['| field | type | required | default | what it does |', '| --- | --- | --- | --- | --- |'];
  const section = (title: string, intro: string, prefix: string): string[] => [
    '',
    `## ${title}`,
    '',
    intro,
    '',
    ...header,
    ...all.filter((f) => f.path.startsWith(prefix)).map(row),
  ];
  return (
    [
      '# Configuration file reference',
      '',
      '<!-- Generated from lambdas/core/config/schema.ts by `npm run docs:configuration`; do not edit by hand. -->',
      '',
      'Every field of the configuration file (YAML or JSON) that the CLI takes with `--config` and the deployed functions',
      'with `analyzerConfigFile`; how to use them: [configuration.md](../configuration.md). Every field is optional unless',
      'marked; unknown fields, rule ids and categories are errors, and every problem is reported at once with its path.',
      ...section('rules', 'Rules switched off and severity overrides.', 'rules.'),
      ...section('settings', 'Thresholds and allowlists the rules read; what is left out keeps its default.', 'settings.'),
      ...section(
        'exceptions',
        'A list; each entry covers some rules for the identities and scope it names. Every field given must match (a list matches any of its entries), and an entry must name at least one of `users`, `groups`, `serviceAccounts`, `namespaces`, `names`.',
        'exceptions[]',
      ),
    ].join('\n') + '\n'
  );
}

if (require.main === module) {
  writeFileSync(CONFIGURATION_REFERENCE, renderConfigurationReference());
  console.log(`wrote ${CONFIGURATION_REFERENCE}`);
}
