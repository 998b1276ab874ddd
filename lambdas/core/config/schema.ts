import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SEVERITIES } from '../finding';
import type { Settings } from './settings';
import { DEFAULT_SETTINGS } from './settings';
import type { Config } from './types';
import { parseCidr } from '../detect/networks';

const severity = z.enum(SEVERITIES);
const names = z.array(z.string().min(1)).min(1);

/** An IPv4 or IPv6 network as `address/prefix` (a bare address is one host). */
const cidr = z.string().refine((text) => parseCidr(text) !== undefined, { message: 'expected a CIDR such as 10.0.0.0/16 or fd00::/8' });

const exception = z
  .strictObject({
    rules: names.describe('rule ids, categories, or "*"'),
    users: names.optional(),
    groups: names.optional(),
    serviceAccounts: z
      .array(z.string().regex(/^[^:\s]+:[^:\s]+$/, 'expected "namespace:name"'))
      .min(1)
      .optional(),
    namespaces: names.optional(),
    names: names.optional(),
    reason: z.string().trim().min(1, 'say why the exception exists'),
    expires: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).optional(),
  })
  .refine((e) => e.users ?? e.groups ?? e.serviceAccounts ?? e.namespaces ?? e.names, {
    message: 'an exception must name at least one of users, groups, serviceAccounts, namespaces, names: it keys on identity and scope',
  });

const settings = z
  .strictObject({
    restarts: z.strictObject({ threshold: z.number().int().min(1), windowMinutes: z.number().positive() }).partial(),
    images: z
      .strictObject({ allowedRegistries: z.array(z.string().min(1)), flagMutableTags: z.boolean(), offensiveTools: z.array(z.string().min(1)) })
      .partial(),
    serviceAccountTokens: z.strictObject({ maxExpirationSeconds: z.number().int().positive() }).partial(),
    secrets: z
      .strictObject({
        bulkReadNamespaces: z.number().int().min(1),
        clusterWideReaders: z.array(z.string().regex(/^[^:\s]+:[^:\s]+$/, 'expected "namespace:name"')),
      })
      .partial(),
    logShippers: z.strictObject({ names: z.array(z.string().min(1)) }).partial(),
    storage: z.strictObject({ backupServiceAccounts: z.array(z.string().regex(/^[^:\s]+:[^:\s]+$/, 'expected "namespace:name"')) }).partial(),
    trust: z
      .strictObject({
        nodeNetworks: z.array(cidr),
        trustedNetworks: z.array(cidr),
        apiServerAddresses: z.array(cidr),
        privateRangesTrusted: z.boolean(),
        userAgents: z.strictObject({ node: z.array(z.string().min(1)), interactive: z.array(z.string().min(1)) }).partial(),
      })
      .partial(),
    baseline: z
      .strictObject({
        enabled: z.boolean(),
        learningDays: z.number().int().min(1).max(366),
        routineDays: z.number().int().min(1),
        resetBefore: z.union([z.iso.datetime({ offset: true }), z.iso.date()]),
      })
      .partial()
      .refine((b) => b.routineDays === undefined || b.routineDays <= (b.learningDays ?? DEFAULT_SETTINGS.baseline.learningDays), {
        message: 'routineDays cannot exceed learningDays: an action is routine when seen on that many days of the window',
      }),
    compliance: z
      .strictObject({
        violationSeverity: severity,
        platform: z.enum(['eks', 'self-managed', 'detect']),
        clusters: z.record(z.string().min(1), z.strictObject({ platform: z.enum(['eks', 'self-managed']) })),
      })
      .partial(),
    securityAgents: z.strictObject({ names: z.array(z.string().min(1)), threshold: z.number().int().min(1), windowMinutes: z.number().positive() }).partial(),
  })
  .partial();

export const configSchema = z.strictObject({
  rules: z.strictObject({ disabled: z.array(z.string().min(1)).optional(), severity: z.record(z.string(), severity).optional() }).optional(),
  settings: settings.optional(),
  exceptions: z.array(exception).optional(),
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses a configuration file (YAML or JSON; JSON is YAML) and merges it over the defaults.
 * Every problem is reported with the path of the field, e.g. `exceptions[2].expires: …`.
 * `knownIds` (rule ids and categories) catches typos that would silently switch nothing off.
 */
export function parseConfig(text: string, source: string, knownIds?: ReadonlySet<string>): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true }) ?? {};
  } catch (error) {
    throw new ConfigError(source, [(error as Error).message.split('\n')[0]]);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    );
  }
  const c = result.data;
  const config: Config = {
    disabled: c.rules?.disabled ?? [],
    severity: c.rules?.severity ?? {},
    settings: mergeSettings(c.settings ?? {}),
    exceptions: (c.exceptions ?? []).map((e) => ({ ...e })),
  };
  if (knownIds) {
    const unknown = [
      ...config.disabled.map((id, i) => [`rules.disabled[${i}]`, id] as const),
      ...Object.keys(config.severity).map((id) => [`rules.severity.${id}`, id] as const),
      ...config.exceptions.flatMap((e, i) => e.rules.map((id, j) => [`exceptions[${i}].rules[${j}]`, id] as const)),
    ].filter(([, id]) => id !== '*' && !knownIds.has(id));
    if (unknown.length > 0)
      throw new ConfigError(
        source,
        unknown.map(([path, id]) => `${path}: unknown rule id or category "${id}" (see \`k8s-audit-analyzer rules\`)`),
      );
  }
  return config;
}

function mergeSettings(given: z.infer<typeof settings>): Settings {
  return {
    restarts: { ...DEFAULT_SETTINGS.restarts, ...given.restarts },
    images: { ...DEFAULT_SETTINGS.images, ...given.images },
    serviceAccountTokens: { ...DEFAULT_SETTINGS.serviceAccountTokens, ...given.serviceAccountTokens },
    secrets: { ...DEFAULT_SETTINGS.secrets, ...given.secrets },
    logShippers: { ...DEFAULT_SETTINGS.logShippers, ...given.logShippers },
    storage: { ...DEFAULT_SETTINGS.storage, ...given.storage },
    securityAgents: { ...DEFAULT_SETTINGS.securityAgents, ...given.securityAgents },
    trust: {
      ...DEFAULT_SETTINGS.trust,
      ...given.trust,
      userAgents: { ...DEFAULT_SETTINGS.trust.userAgents, ...given.trust?.userAgents },
    },
    baseline: { ...DEFAULT_SETTINGS.baseline, ...given.baseline },
    compliance: { ...DEFAULT_SETTINGS.compliance, ...given.compliance },
  };
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
