import { severityRank } from '../finding';
import type { AlertLinks, IncidentAlert, IncidentGroup } from '../incident/types';
import { displayText, hasUnsafeCharacters } from '../report/display-text';
import { endingPrefix, isEnding } from './incident-ending';

/**
 * What an incident alert says besides the findings themselves: the title sentence, and per finding
 * group what to do next (the rule's remediation and documentation, a query for the raw events, the
 * `kubectl` that shows and undoes the change). Written once here, so the email, Slack, Amazon Q and
 * the machine body say the same thing.
 *
 * Every value from the logs is attacker-controlled. Text is shown through `displayText`; commands
 * quote every value for a POSIX shell and are left out when a value holds a character no shell
 * argument should (a control or invisible character: no Kubernetes name has one); queries take
 * only auditIDs that look like the API server's.
 */

/** What a person can run or open for one finding group; every command is safe to paste into a shell. */
export interface GroupGuide {
  remediation: string;
  /** `${rulesDocUrl}#<GitHub's anchor of the rule's heading in docs/rules.md>`. */
  ruleDocUrl: string;
  /** CloudWatch Logs Insights: the query and the log group it runs on (EKS), with a console link when the region is known. */
  logsInsights?: { logGroup: string; query: string; consoleUrl?: string };
  /** Audit IDs left out of the query because they do not look like the API server's (a UUID-like token). */
  auditIDsNotQueried: number;
  /** The S3 console page of each object the findings came from (`s3://` sources only), in the region when known. */
  objectUrls: string[];
  /** `k8s-audit-analyzer scan '<object>'` per object the findings came from. */
  scanCommands: string[];
  /** `kubectl` that shows the object as it is now. */
  show: string[];
  /** `kubectl` that undoes the change, or what to check when there is nothing to undo. */
  undo: string[];
  /** Said when `undo` holds no command, or to go with it. */
  undoNote?: string;
}

/** The title sentence in parts, so a short form can drop the detail and clip the middle, keeping who and where. */
export interface TitleParts {
  /** `[TEST] `, `Update: `, a final summary's `Ended, quiet after 1 h 5 min: ` (incident-ending.ts), or empty. */
  prefix: string;
  /** A closed incident's reason, shown in brackets before the prefix's colon, as much as fits. */
  reason?: string;
  /** `jordan.lee`. */
  who: string;
  /** ` (arn:aws:iam::…:user/jordan.lee)`, or empty when the display already names the username. */
  whoDetail: string;
  /** `bound cluster-admin to ServiceAccount kube-system/node-health-agent via …`. */
  what: string;
  /** ` in prod-eu`. */
  where: string;
}

/**
 * Who did what to which object, in which cluster: the principal, then the most severe told group's
 * summary without its leading actor (summaries start with the username, and the principal already
 * says who). Every part is shown through `displayText`, so it is one line whatever the log holds.
 */
export function titleParts(alert: IncidentAlert): TitleParts {
  const { incident } = alert;
  const kind = alert.kind;
  const ending = isEnding(kind) ? endingPrefix(incident, kind) : undefined;
  const prefix = kind === 'test' ? '[TEST] ' : kind === 'updated' ? 'Update: ' : (ending?.prefix ?? '');
  const principal = incident.principal;
  const username = principal.usernames[0];
  const whoDetail = username && !principal.display.includes(username) ? ` (${shortArn(username)})` : '';
  const group = leadGroup(alert.told.length > 0 ? alert.told : incident.groups);
  const what = group ? actionOf(group, [...principal.usernames, ...group.usernames, principal.display]) : 'raised an incident';
  return {
    prefix,
    ...(ending?.reason ? { reason: ending.reason } : {}),
    who: displayText(principal.display),
    whoDetail: displayText(whoDetail),
    what: displayText(what),
    where: incident.cluster ? ` in ${displayText(incident.cluster)}` : '',
  };
}

/**
 * The title in at most `max` characters: whole when it fits; else without the identity's detail
 * (the ARN), then with `what` cut at a word (the cluster and prefix stay); a long name or cluster
 * is cut too as a last resort.
 */
export function titleText(parts: TitleParts, max = Infinity, ellipsis = '…'): string {
  const whole = `${withReason(parts, TITLE_REASON_MAX, ellipsis)}${parts.who}${parts.whoDetail} ${parts.what}${parts.where}`;
  if (whole.length <= max) return whole;
  const who = clipEnd(parts.who, Math.max(12, Math.floor(max / 3)), ellipsis);
  const where = clipEnd(parts.where, Math.max(12, Math.floor(max / 4)), ellipsis);
  // A final summary's prefix holds a closer's name and reason: it takes what who and where leave
  // (some room kept for what happened), the reason at most what is left of half the title.
  const prefixMax = Math.max(12, max - who.length - where.length - 10);
  const reasonMax = Math.min(Math.floor(max / 2), prefixMax) - parts.prefix.length - 3;
  const long = withReason(parts, reasonMax, ellipsis);
  const prefix = long.length <= prefixMax ? long : `${clipEnd(long.replace(/: $/, ''), prefixMax - 2, ellipsis)}: `;
  const room = max - prefix.length - who.length - where.length - 1;
  return clipEnd(`${prefix}${who} ${clipWords(parts.what, Math.max(1, room), ellipsis)}${where}`, max, ellipsis);
}

const TITLE_REASON_MAX = 80;

/** The prefix, with a closer's reason in brackets before its colon, cut to `reasonMax` (left out below 8). */
function withReason(parts: TitleParts, reasonMax: number, ellipsis: string): string {
  if (!parts.reason || reasonMax < 8) return parts.prefix;
  return `${parts.prefix.replace(/: $/, '')} (${clipEnd(parts.reason, reasonMax, ellipsis)}): `;
}

/**
 * The title as an SNS subject: printable ASCII only (SNS replaces any other subject with an error
 * text), fewer than 100 characters, `...` for a cut, `?` for a character ASCII has not.
 */
export function subjectText(parts: TitleParts, max = 99): string {
  const ascii = (text: string): string => text.replace(/…/g, '...').replace(/[^\x20-\x7e]/gu, '?');
  const asciiParts: TitleParts = {
    prefix: ascii(parts.prefix),
    ...(parts.reason ? { reason: ascii(parts.reason) } : {}),
    who: ascii(parts.who),
    whoDetail: ascii(parts.whoDetail),
    what: ascii(parts.what),
    where: ascii(parts.where),
  };
  const subject = titleText(asciiParts, max, '...').trim();
  // SNS wants it to begin with a letter, a digit or punctuation.
  return /^[\x21-\x7e]/.test(subject) ? subject : `incident${subject ? ` ${subject}` : ''}`.slice(0, max);
}

/** At most `max` characters, cut after a whole word when one ends in the last third. */
function clipWords(text: string, max: number, ellipsis: string): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - ellipsis.length);
  const space = cut.lastIndexOf(' ');
  return space >= (max * 2) / 3 ? `${cut.slice(0, space)} ${ellipsis}` : clipEnd(text, max, ellipsis);
}

/** `arn:aws:iam::123456789012:user/jordan.lee` → `arn:aws:iam::…:user/jordan.lee`: the account is in the full identity below. */
export function shortArn(username: string): string {
  return username.replace(/^(arn:aws[\w-]*:(?:iam|sts)::)\d{12}(:)/, '$1…$2');
}

/** The most severe group; among equals the earliest, the first thing the actor did. */
function leadGroup(groups: readonly IncidentGroup[]): IncidentGroup | undefined {
  return groups.reduce<IncidentGroup | undefined>((lead, g) => {
    if (!lead) return g;
    const d = severityRank(g.severity) - severityRank(lead.severity);
    return d > 0 || (d === 0 && g.firstSeen < lead.firstSeen) ? g : lead;
  }, undefined);
}

function actionOf(group: IncidentGroup, actors: readonly string[]): string {
  const summary = group.summary.trim();
  for (const actor of [...actors].sort((a, b) => b.length - a.length)) {
    if (actor && summary.startsWith(`${actor} `)) return summary.slice(actor.length + 1);
  }
  const name = [group.target.namespace, group.target.name].filter(Boolean).join('/');
  return `${group.verb} ${group.target.resource}${group.target.subresource ? `/${group.target.subresource}` : ''}${name ? ` ${name}` : ''}`;
}

function clipEnd(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ellipsis.length);
  if (end > 0 && /[\ud800-\udbff]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}${ellipsis}`;
}

// ---------------------------------------------------------------------------------------------

/** GitHub's anchor for `### <rule id>` in docs/rules.md: lower case, only letters, digits, `-`, `_` and spaces (as `-`). */
export function ruleAnchor(ruleId: string): string {
  return ruleId
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/**
 * The guide for one group. The remediation comes from the caller (the rule registry), so this
 * module, which the Slack notifier's renderers import, does not pull the rules into its bundle.
 */
export function groupGuide(group: IncidentGroup, cluster: string, links: AlertLinks, remediationOf: (ruleId: string) => string | undefined): GroupGuide {
  const queryable = group.auditIDs.filter(isAuditId);
  const logGroup = links.logGroupOf?.(cluster);
  const region = links.region && /^[a-z]{2}(-[a-z]+)+-\d$/.test(links.region) ? links.region : undefined;
  const { show, undo, note } = kubectlFor(group);
  return {
    remediation: remediationOf(group.ruleId) ?? "See the rule's documentation.",
    ruleDocUrl: `${links.rulesDocUrl}#${ruleAnchor(group.ruleId)}`,
    ...(logGroup && queryable.length > 0
      ? {
          logsInsights: {
            logGroup: displayText(logGroup),
            query: logsInsightsQuery(queryable),
            ...(region ? { consoleUrl: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:logs-insights` } : {}),
          },
        }
      : {}),
    auditIDsNotQueried: group.auditIDs.length - queryable.length,
    objectUrls: group.sources.flatMap((s) => s3ConsoleUrl(s, region) ?? []),
    scanCommands: group.sources.filter(isArgument).map((s) => `k8s-audit-analyzer scan ${shellQuote(s)}`),
    show,
    undo,
    ...(note ? { undoNote: note } : {}),
  };
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/key` → the object's page in the S3 console; anything else → `undefined`. */
function s3ConsoleUrl(uri: string, region: string | undefined): string | undefined {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/s.exec(uri);
  if (!s3 || !BUCKET.test(s3[1])) return undefined;
  const host = region ? `${region}.console.aws.amazon.com` : 'console.aws.amazon.com';
  return `https://${host}/s3/object/${s3[1]}?${region ? `region=${region}&` : ''}prefix=${encodeURIComponent(s3[2])}`;
}

/** The API server's auditIDs are UUIDs; anything else a log claims is left out of a query rather than quoted into it. */
function isAuditId(id: string): boolean {
  return /^[A-Za-z0-9-]{1,64}$/.test(id);
}

/** One line per clause, so the email can show it within 72 columns and it still pastes as one query. */
export function logsInsightsQuery(auditIDs: readonly string[]): string {
  return [
    'fields @timestamp, verb, user.username, objectRef.resource, objectRef.name',
    `| filter auditID in [${auditIDs.map((id) => `"${id}"`).join(', ')}]`,
    '| sort @timestamp asc',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// kubectl

const SAFE_WORD = /^[A-Za-z0-9._/:=@+,-]+$/;

/** A POSIX shell word for any value: as it is when it holds only safe characters, else single-quoted with `'` as `'\''`. */
export function shellQuote(value: string): string {
  if (value !== '' && SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A value a command may carry: no control or invisible character (no Kubernetes name or object key of ours has one). */
function isArgument(value: string): boolean {
  return value !== '' && !hasUnsafeCharacters(value);
}

const ROLLOUT = new Set(['deployments', 'daemonsets', 'statefulsets']);
const NOTHING_CHANGED = new Set(['get', 'list', 'watch']);

function kubectlFor(group: IncidentGroup): { show: string[]; undo: string[]; note?: string } {
  const t = group.target;
  const values = [t.resource, t.subresource, t.apiGroup, t.namespace, t.name].filter((v): v is string => v !== undefined);
  if (!values.every(isArgument)) return { show: [], undo: [], note: 'The object names hold characters no command here should carry: find the object by hand.' };
  const kind = t.apiGroup ? `${t.resource}.${t.apiGroup}` : t.resource;
  const ref = t.name ? `${kind}/${t.name}` : kind;
  const ns = t.namespace ? ` --namespace=${shellQuote(t.namespace)}` : '';
  // Secret values must not land in a terminal's scrollback: describe shows the keys only.
  const show = t.resource === 'secrets' ? [`kubectl describe ${shellQuote(ref)}${ns}`] : [`kubectl get ${shellQuote(ref)}${ns} -o yaml`];

  if (t.subresource === 'exec' || t.subresource === 'attach' || t.subresource === 'portforward')
    return {
      show,
      undo: [],
      note: `Nothing to undo through the API: a ${t.subresource} changes no object. Check what ran in the container (the command in the summary, files it wrote, credentials it could read) and rotate those credentials.`,
    };
  if (t.resource === 'serviceaccounts' && t.subresource === 'token')
    return {
      show,
      undo: t.name ? [`kubectl delete ${shellQuote(ref)}${ns}`] : [],
      note: 'A minted token cannot be revoked by itself: it stops working when its service account is deleted (or recreated with a new UID).',
    };
  if (NOTHING_CHANGED.has(group.verb)) return { show, undo: [], note: 'Nothing to undo: the request read data. Rotate what it read (Secret values, tokens).' };
  if (group.verb === 'delete' || group.verb === 'deletecollection') return { show, undo: [], note: 'The object was deleted: restore it from Git or a backup.' };
  if (t.subresource) return { show, undo: [], note: `The ${t.subresource} of the object was changed: compare it with Git and restore it by hand.` };
  if (group.verb === 'create' && t.name) return { show, undo: [`kubectl delete ${shellQuote(ref)}${ns}`] };
  if (ROLLOUT.has(t.resource) && t.name) return { show, undo: [`kubectl rollout undo ${shellQuote(ref)}${ns}`], note: 'Or re-apply the version from Git.' };
  return { show, undo: [], note: 'Re-apply the version from Git, or delete the object if nobody planned it.' };
}
