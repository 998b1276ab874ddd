/**
 * Words for a JSON Schema node (as zod's `toJSONSchema` writes it), for the generated references:
 * `integer, 1 or more`, `list of string`, `` `weekly` \| `daily` ``. Shared by
 * scripts/configuration-reference.ts and scripts/deploy-context-reference.ts.
 */
export interface JsonSchema {
  type?: string;
  enum?: readonly unknown[];
  anyOf?: readonly JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: readonly string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  description?: string;
  default?: unknown;
}

/** A Markdown table cell: pipes escaped, one line. */
export const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

export function typeText(node: JsonSchema): string {
  if (node.enum) return node.enum.map(code).join(' or ');
  if (node.anyOf) return node.anyOf.map(typeText).join(', or ');
  switch (node.type) {
    case 'array':
      return `list of ${node.items ? typeText(node.items) : 'anything'}${node.minItems ? ` (at least ${node.minItems})` : ''}`;
    case 'object':
      if (typeof node.additionalProperties === 'object') return `map of name to ${typeText(node.additionalProperties)}`;
      return 'object';
    case 'integer':
    case 'number':
      return `${node.type === 'integer' ? 'whole number' : 'number'}${range(node)}`;
    case 'string':
      if (node.format === 'date-time' || node.format === 'date') return node.format === 'date' ? 'date (YYYY-MM-DD)' : 'date and time with offset';
      if (node.pattern) return `string matching ${code(node.pattern)}`;
      return node.minLength ? 'non-empty string' : 'string';
    default:
      return node.type ?? 'anything';
  }
}

// zod writes Number.MAX_SAFE_INTEGER as the maximum of every `.int()`: no real bound.
function range(node: JsonSchema): string {
  const max = node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? node.maximum : undefined;
  const min = node.minimum ?? (node.exclusiveMinimum !== undefined ? `more than ${node.exclusiveMinimum}` : undefined);
  if (typeof min === 'number' && max !== undefined) return `, ${min} to ${max}`;
  if (min !== undefined) return typeof min === 'number' ? `, ${min} or more` : `, ${min}`;
  return max !== undefined ? `, at most ${max}` : '';
}
