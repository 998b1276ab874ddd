import { ConfigError, parseConfig } from '../core/config/schema';
import type { Config } from '../core/config/types';
import { knownRuleIds } from '../core/rules';

/**
 * The rules' configuration a Lambda receives in `ANALYZER_CONFIG` (the CLI's `--config` text):
 * `undefined` when unset. A ConfigError (with field paths) is thrown as it is; any other problem
 * comes back through `fail`, named after the variable. Every function that reads the variable
 * (analyzer, reporter, watchdog) parses it here, so they agree on what a configuration means.
 */
export function configFromEnvironment(text: string | undefined, fail: (message: string) => Error): Config | undefined {
  if (text === undefined) return undefined;
  try {
    return parseConfig(text, 'ANALYZER_CONFIG', knownRuleIds());
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw fail(`ANALYZER_CONFIG: ${(error as Error).message}`);
  }
}
