import type * as Yaml from 'yaml';

let yaml: typeof Yaml | undefined;

/**
 * yaml's `parse`, loaded the first time a document needs it (an audit policy, a manifest in a
 * ConfigMap): loading it up front was a sixth of the CLI's start-up, for events most logs never hold.
 */
export function parseYaml(text: string, options: Yaml.ParseOptions & Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.ToJSOptions): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the rules are synchronous: they cannot await import()
  yaml ??= require('yaml') as typeof Yaml;
  return yaml.parse(text, options);
}
