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
   * Substrings the event must all contain to be of interest, to narrow a noisy verb and resource
   * (e.g. pod status patches that report a terminated container). Omitted: none. Each must be a
   * proof: the rules it serves raise nothing on an event whose text does not hold it, where the
   * text is read as JSON.parse reads it (escapes such as `\u0061` and `\/` decoded), ASCII letters
   * in any case, and JSON whitespace allowed between tokens. A `"` in a substring is a string's
   * delimiter (`"audit"` is a whole string, `"lastState":{"terminated"` a key and the object it
   * opens), never a quote inside a string. Printable ASCII without backslashes. A substring that
   * is also a marker is matched as markers are; on a selector with no verbs and no resources,
   * declare it as a marker (else every event is searched for it without case).
   */
  contains?: readonly string[];
  /**
   * The rules this selector serves raise nothing on a request a node made with its own agent: a
   * user `system:node:*` in the group `system:nodes` (and not `system:unauthenticated`), whose user
   * agent, if it sent one, starts with one of `EventInterest.nodeAgents.userAgents` and with none
   * of its `interactive` prefixes. Kubelets request a token for every pod and watch every Secret
   * their pods mount: on a busy cluster that is most of what the other selectors would parse.
   * Applied only when the interest names `nodeAgents`.
   */
  exceptNodeAgents?: boolean;
}

export interface EventInterest {
  selectors: readonly EventSelector[];
  /**
   * Substrings whose presence anywhere in an event means "parse it", whatever its verb and
   * resource: identities such as `system:anonymous` that make any request interesting. Matched
   * with escapes decoded but in their exact case: identities are compared exactly by Kubernetes
   * and by the rules, and looking for other cases would cost a pass over every event. Printable
   * ASCII without backslashes or quotes.
   */
  markers?: readonly string[];
  /**
   * What a node's own agent sends as its user agent, and the interactive clients' prefixes that
   * disqualify one (`settings.trust.userAgents`), for `EventSelector.exceptNodeAgents`. Set only
   * while nodes are not judged by their address (no node-network check): the rules then judge a
   * node's request by its user agent alone.
   */
  nodeAgents?: NodeAgents;
}

/** User-agent prefixes, compared case-sensitively from the start, as the rules compare them. */
export interface NodeAgents {
  userAgents: readonly string[];
  interactive: readonly string[];
}

/** The resource of a request with no objectRef (non-resource URLs such as /healthz). */
export const NO_RESOURCE = '';

/** The term of a condition met unless the event is proved to be a node's request by its own agent (`exceptNodeAgents`). */
export const NOT_BY_NODE_AGENT = -1;

/**
 * Terms an event must all meet; empty is always met. A term is an index into
 * `CompiledInterest.substrings` (the event contains it) or NOT_BY_NODE_AGENT.
 */
type Condition = readonly number[];

/** Conditions by resource pattern, for one verb. */
interface ResourceTable {
  /** `*`: any resource, also none. */
  any?: Condition[];
  /** `pods`: the resource itself. */
  main: Map<string, Condition[]>;
  /** `pods/exec`: resource -> subresource -> conditions. */
  sub: Map<string, Map<string, Condition[]>>;
  /** `pods/*`: any subresource of the resource. */
  anySub: Map<string, Condition[]>;
}

/** A selector set compiled for the pre-check's inner loop: map lookups only, no allocation. */
export class CompiledInterest {
  private readonly byVerb = new Map<string, ResourceTable>();
  private readonly anyVerb?: ResourceTable;
  readonly markers: readonly string[];
  /** Every distinct `contains` substring; conditions refer to them by index. */
  readonly substrings: readonly string[];
  /** Set when some selector's `exceptNodeAgents` applies: the pre-check then proves who made a request. */
  readonly nodeAgents?: NodeAgents;

  constructor(interest: EventInterest) {
    this.markers = interest.markers ?? [];
    const substrings: string[] = [];
    const nodeAgents = interest.nodeAgents;
    for (const s of interest.selectors) {
      const condition = (s.contains ?? []).map((text) => {
        const at = substrings.indexOf(text);
        return at >= 0 ? at : substrings.push(text) - 1;
      });
      if (s.exceptNodeAgents === true && nodeAgents !== undefined) {
        condition.push(NOT_BY_NODE_AGENT);
        this.nodeAgents = nodeAgents;
      }
      for (const verb of s.verbs ?? ['*']) {
        let table = verb === '*' ? this.anyVerb : this.byVerb.get(verb);
        if (!table) {
          table = { main: new Map(), sub: new Map(), anySub: new Map() };
          if (verb === '*') this.anyVerb = table;
          else this.byVerb.set(verb, table);
        }
        for (const pattern of s.resources ?? ['*']) addPattern(table, pattern, condition);
      }
    }
    this.substrings = substrings;
  }

  /**
   * Whether an event with this verb, resource and subresource (NO_RESOURCE / '' when absent)
   * may matter. `has(i)` tells whether the event meets term `i`: contains `substrings[i]`, or for
   * NOT_BY_NODE_AGENT, is not proved a node agent's request; it is asked only for selectors with
   * such terms.
   */
  matches(verb: string, resource: string, subresource: string, has: (term: number) => boolean): boolean {
    const table = this.byVerb.get(verb);
    return (
      (table !== undefined && matchTable(table, resource, subresource, has)) ||
      (this.anyVerb !== undefined && matchTable(this.anyVerb, resource, subresource, has))
    );
  }
}

function addPattern(table: ResourceTable, pattern: string, condition: Condition): void {
  const push = (map: Map<string, Condition[]>, key: string): void => {
    const list = map.get(key);
    if (list) list.push(condition);
    else map.set(key, [condition]);
  };
  if (pattern === '*') {
    (table.any ??= []).push(condition);
    return;
  }
  const slash = pattern.indexOf('/');
  if (slash < 0) return push(table.main, pattern);
  const resource = pattern.slice(0, slash);
  const subresource = pattern.slice(slash + 1);
  if (subresource === '*') return push(table.anySub, resource);
  let subs = table.sub.get(resource);
  if (!subs) table.sub.set(resource, (subs = new Map<string, Condition[]>()));
  push(subs, subresource);
}

function matchTable(table: ResourceTable, resource: string, subresource: string, has: (term: number) => boolean): boolean {
  if (met(table.any, has)) return true;
  if (resource === NO_RESOURCE) return false;
  if (subresource === '') return met(table.main.get(resource), has);
  return met(table.sub.get(resource)?.get(subresource), has) || met(table.anySub.get(resource), has);
}

function met(conditions: Condition[] | undefined, has: (term: number) => boolean): boolean {
  if (conditions === undefined) return false;
  for (const condition of conditions) {
    let all = true;
    for (const index of condition) {
      if (!has(index)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}
