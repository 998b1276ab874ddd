import type { JsonObject } from '../detect/event-view';
import { setOwn } from '../own-property';

/**
 * What a patch sets, as a partial object the rules can read like the object itself:
 * - merge, strategic-merge and apply patches already are partial objects (directives such as
 *   `$patch`, `$setElementOrder/...` are dropped);
 * - a JSON patch (RFC 6902) becomes the sparse object its `add`/`replace`/`copy`-less operations
 *   write, e.g. `[{op: add, path: /spec/template/spec/containers/0/securityContext/privileged,
 *   value: true}]` gives `{spec: {template: {spec: {containers: [{securityContext: {privileged: true}}]}}}}`.
 * Removals set nothing, so they are not seen here (rules about removals read `removedPaths`).
 */
export function patchedFields(patch: unknown): JsonObject | undefined {
  if (Array.isArray(patch)) return fromJsonPatch(patch);
  if (typeof patch === 'object' && patch !== null) return withoutDirectives(patch as JsonObject);
  return undefined;
}

/** JSON-patch paths a patch removes (`remove` operations); empty for other patch kinds. */
export function removedPaths(patch: unknown): string[] {
  if (!Array.isArray(patch)) return [];
  return patch.flatMap((op) => (isOp(op) && op.op === 'remove' ? [op.path] : []));
}

interface Op {
  op: string;
  path: string;
  value?: unknown;
}

function isOp(v: unknown): v is Op {
  return typeof v === 'object' && v !== null && typeof (v as Op).op === 'string' && typeof (v as Op).path === 'string';
}

function fromJsonPatch(ops: unknown[]): JsonObject {
  const root: JsonObject = {};
  for (const op of ops) {
    if (!isOp(op) || (op.op !== 'add' && op.op !== 'replace')) continue;
    const segments = op.path
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (segments.length === 0) {
      if (typeof op.value === 'object' && op.value !== null && !Array.isArray(op.value)) {
        for (const [key, v] of Object.entries(op.value)) setOwn(root, key, v);
      }
      continue;
    }
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < segments.length; i++) {
      const last = i === segments.length - 1;
      const key = segments[i];
      const nextIsIndex = !last && /^(\d+|-)$/.test(segments[i + 1]);
      if (Array.isArray(node)) {
        const index = key === '-' ? node.length : Number(key);
        if (!Number.isInteger(index) || index > 10_000) break; // a patch path, not a memory bomb
        if (last) node[index] = op.value;
        else node = (node[index] ??= nextIsIndex ? [] : {}) as Record<string, unknown> | unknown[];
      } else {
        if (last) setOwn(node, key, op.value);
        else {
          // Own properties only: `__proto__` in a path must name a key, never reach Object.prototype.
          const existing = Object.hasOwn(node, key) ? node[key] : undefined;
          if (typeof existing === 'object' && existing !== null) node = existing as Record<string, unknown> | unknown[];
          else {
            const created: Record<string, unknown> | unknown[] = nextIsIndex ? [] : {};
            setOwn(node, key, created);
            node = created;
          }
        }
      }
    }
  }
  return root;
}

function withoutDirectives(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    setOwn(
      out,
      key,
      Array.isArray(v)
        ? (v as unknown[]).map((item): unknown =>
            typeof item === 'object' && item !== null && !Array.isArray(item) ? withoutDirectives(item as JsonObject) : item,
          )
        : typeof v === 'object' && v !== null
          ? withoutDirectives(v as JsonObject)
          : v,
    );
  }
  return out;
}
