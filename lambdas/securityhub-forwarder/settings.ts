import { parseEnvironment, SECURITYHUB_FORWARDER_ENV } from '../commons/env';
import type { SecurityHubTarget } from '../core/export/asff';
import { targetOfProductArn } from '../core/export/asff';

/** The forwarder's settings, read once per execution environment from its environment variables (SECURITYHUB_FORWARDER_ENV). */
export interface SecurityHubForwarderSettings {
  /** From `SECURITY_HUB_PRODUCT_ARN` (required): the account's default product, whose partition, region and account the findings name. */
  target: SecurityHubTarget;
}

export class SecurityHubForwarderSettingsError extends Error {
  override readonly name = 'SecurityHubForwarderSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid securityhub-forwarder environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and checks every variable at once, so a cold start names all the problems together. */
export function securityHubForwarderSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): SecurityHubForwarderSettings {
  const result = parseEnvironment(SECURITYHUB_FORWARDER_ENV, env);
  if (!result.ok) throw new SecurityHubForwarderSettingsError(result.problems);
  const target = targetOfProductArn(result.value.SECURITY_HUB_PRODUCT_ARN);
  // The contract's pattern and targetOfProductArn's agree; this guards against one changing alone.
  if (!target) throw new SecurityHubForwarderSettingsError(['SECURITY_HUB_PRODUCT_ARN is not a default product ARN']);
  return { target };
}
