/**
 * What the detection layer can possibly care about, declared as data so the reader can turn it
 * into a byte-level pre-check and skip JSON.parse for the read-only chatter that is most of a log.
 *
 * Resources use RBAC's spelling: `pods` is the pod itself (no subresource), `pods/exec` one
 * subresource, `pods/*` any subresource, `*` anything (also requests with no objectRef).
 */
export interface EventSelector {
  /** Verbs as the audit log spells them (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, ...). Omitted: any verb. */
  verbs?: readonly string[];
  /** Omitted: any resource, and requests with no objectRef. */
  resources?: readonly string[];
  /**
   * Raw substrings the event must all contain to be of interest, to narrow a noisy verb and
   * resource (e.g. pod status patches that report a terminated container). Omitted: none.
   */
  contains?: readonly string[];
}

export interface EventInterest {
  selectors: readonly EventSelector[];
  /**
   * Substrings whose presence anywhere in an event means "parse it", whatever its verb and
   * resource: identities such as `system:anonymous` that make any request interesting.
   */
  markers?: readonly string[];
}

/** The resource of a request with no objectRef (non-resource URLs such as /healthz). */
export const NO_RESOURCE = '';

/** Substrings an event must all contain; the empty list is always met. */
export type Condition = readonly string[];
const ALWAYS: Condition = [];

/** A selector set compiled for the pre-check's inner loop. */
export class CompiledInterest {
  /** verb -> resource pattern -> conditions; the verb key '*' holds selectors with no verb list. */
  private readonly byVerb = new Map<string, Map<string, Condition[]>>();
  readonly markers: readonly string[];

  constructor(interest: EventInterest) {
    this.markers = interest.markers ?? [];
    for (const s of interest.selectors) {
      const condition = s.contains && s.contains.length > 0 ? s.contains : ALWAYS;
      for (const verb of s.verbs ?? ['*']) {
        let patterns = this.byVerb.get(verb);
        if (!patterns) this.byVerb.set(verb, (patterns = new Map<string, Condition[]>()));
        for (const r of s.resources ?? ['*']) {
          const conditions = patterns.get(r);
          if (conditions) conditions.push(condition);
          else patterns.set(r, [condition]);
        }
      }
    }
  }

  /**
   * Whether an event with this verb, resource and subresource (NO_RESOURCE / '' when absent)
   * may matter. `has` tells whether the event contains a substring; it is asked only for
   * selectors with `contains`.
   */
  matches(verb: string, resource: string, subresource: string, has: (text: string) => boolean): boolean {
    return this.matchIn(this.byVerb.get(verb), resource, subresource, has) || this.matchIn(this.byVerb.get('*'), resource, subresource, has);
  }

  private matchIn(patterns: Map<string, Condition[]> | undefined, resource: string, subresource: string, has: (text: string) => boolean): boolean {
    if (!patterns) return false;
    const met = (key: string): boolean => {
      const conditions = patterns.get(key);
      return conditions !== undefined && conditions.some((c) => c === ALWAYS || c.every(has));
    };
    if (met('*')) return true;
    if (resource === NO_RESOURCE) return false;
    if (subresource === '') return met(resource);
    return met(`${resource}/${subresource}`) || met(`${resource}/*`);
  }
}
