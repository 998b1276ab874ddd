import type { EventView } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import { isPlatform } from '../detect/identity';
import { redactArgv, redactText } from '../detect/redact';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { actorText, inSystemNamespace, raise, requestPath } from './support/common';
import { rateEvent } from '../detect/rubric';
import type { Settings } from '../config/settings';
import { hasNameWord } from './support/names';

/** What a command does that makes it worth more than a glance, with the pattern that says so. */
const INDICATORS: ReadonlyArray<[string, RegExp]> = [
  // The token a pod runs with (and the IRSA / EKS Pod Identity web-identity tokens) is the
  // credential an attacker wants from a container.
  [
    'reads service account token',
    /\/(var\/)?run\/secrets\/(kubernetes\.io\/serviceaccount|eks\.amazonaws\.com|tokens)\b|serviceaccount\/token|AWS_WEB_IDENTITY_TOKEN_FILE|AWS_CONTAINER_AUTHORIZATION_TOKEN/i,
  ],
  [
    'reads credential files',
    /\.kube\/config|\/etc\/kubernetes\/[\w-]+\.conf|\/etc\/kubernetes\/pki|\/var\/lib\/kubelet\/(kubeconfig|pki)|\.aws\/credentials|\/etc\/shadow|\bid_(rsa|ed25519|ecdsa)\b/i,
  ],
  // Instance metadata (IMDS v4/v6), ECS/EKS Pod Identity credential endpoints, GCP/Azure
  // metadata, and the decimal / hex spellings of 169.254.169.254 used to dodge filters.
  ['reaches cloud metadata', /169\.254\.169\.254|169\.254\.170\.(2|23)\b|fd00:ec2::(254|23)\b|metadata\.google\.internal|\b2852039166\b|0xa9fea9fe/i],
  // Tools as commands (after a separator or a directory), not inside other words or file names.
  [
    'downloads or opens a network connection',
    /(^|[\s/;|&(`'"])(curl|wget|tftp|aria2c|scp|rsync|nc|ncat|netcat|socat|iwr|Invoke-WebRequest)(?=$|[\s;|&)`'"])|\/dev\/(tcp|udp)\/|urllib|requests\.get/i,
  ],
];

/** Files named like credentials: a weaker sign than the paths above. */
const CREDENTIAL_NAMES = /secret|credential|passw(or)?d|\.(pem|key|p12|pfx|jks)\b/i;
/** `env` or `printenv` run on their own, also inside a `sh -c` script, or a process's environ read. */
const ENV_DUMP = /(^|[;&|]\s*)(env|printenv)\s*($|[;&|>])|\/proc\/(self|\d+)\/environ/;

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'pwsh', 'powershell', 'powershell.exe', 'cmd', 'cmd.exe']);
const MULTICALL = new Set(['busybox', 'toybox']);

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const truthy = (value: string | null | undefined): boolean => value === 'true' || value === '1';

export interface StreamRequest {
  command: string[];
  container?: string;
  stdin: boolean;
  tty: boolean;
  ports: string[];
}

/**
 * The command and stream options of an exec/attach/portforward: from the URI query, where the
 * API server always has them (`command` repeated, one argument each), else from a logged
 * PodExecOptions body.
 */
export function streamRequest(view: EventView): StreamRequest {
  const q = view.query;
  const body = asObject(view.object);
  const fromQuery = q.getAll('command');
  const command = fromQuery.length > 0 ? fromQuery : asArray(body?.command).filter((a): a is string => typeof a === 'string');
  return {
    command,
    container: q.get('container') ?? asString(body?.container),
    stdin: q.has('stdin') ? truthy(q.get('stdin')) : body?.stdin === true,
    tty: q.has('tty') ? truthy(q.get('tty')) : body?.tty === true,
    ports: q.getAll('ports'),
  };
}

/**
 * The command as one would type it, quoting arguments with spaces, cut to `max` characters. The
 * engine redacts the whole finding, but a secret cut in half no longer looks like one: tokens and
 * passwords typed on the command line are redacted here, before the cut.
 */
export function commandLine(command: readonly string[], max = 300): string {
  const text = redactText(
    redactArgv(command)
      .map((a) => (/[\s'"]/.test(a) || a === '' ? JSON.stringify(a) : a))
      .join(' '),
  );
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export function isShell(command: readonly string[]): boolean {
  const first = basename(command[0] ?? '');
  return SHELLS.has(first) || (MULTICALL.has(first) && SHELLS.has(basename(command[1] ?? '')));
}

export function commandIndicators(command: readonly string[]): string[] {
  const text = command.join(' ');
  return INDICATORS.filter(([, pattern]) => pattern.test(text)).map(([label]) => label);
}

/** Weak signs, tested against each argument: they raise an exec to medium, not high. */
export function credentialHints(command: readonly string[]): string[] {
  const hints: string[] = [];
  const first = basename(command[0] ?? '');
  // `env` with arguments runs a command; alone, or inside a script, it prints the environment.
  const dumpsEnv = first === 'printenv' || (first === 'env' && command.length === 1) || command.slice(1).some((arg) => ENV_DUMP.test(arg));
  if (dumpsEnv) hints.push('dumps the environment (secrets in env vars)');
  if (command.some((arg) => CREDENTIAL_NAMES.test(arg))) hints.push('touches files named like credentials');
  return hints;
}

/** `kubectl cp` runs tar in the container: `tar cf -` copies out of it, `tar xf -` into it. */
function copyDirection(command: readonly string[]): 'out of' | 'into' | undefined {
  if (basename(command[0] ?? '') !== 'tar') return undefined;
  const flags = command.slice(1).find((a) => /^-?[a-zA-Z]+$/.test(a)) ?? '';
  if (flags.includes('x')) return 'into';
  if (flags.includes('c')) return 'out of';
  return undefined;
}

function container(stream: StreamRequest): string {
  return stream.container ? `container ${stream.container} of ` : '';
}

function evaluateStream(view: EventView): RuleHit | undefined {
  if (isPlatform(view.actor)) return undefined;
  const stream = streamRequest(view);
  const who = actorText(view);
  const pod = `pod ${view.namespace}/${view.name}`;
  const systemNamespace = inSystemNamespace(view.namespace);
  const reasons: string[] = [];
  let severity: Severity;
  let summary: string;
  if (view.subresource === 'portforward') {
    severity = 'low';
    const ports = stream.ports.length > 0 ? `port ${stream.ports.join(',')} of ` : '';
    summary = `${who} forwarded ${ports}${pod}`;
  } else if (view.subresource === 'attach') {
    severity = stream.stdin ? 'medium' : 'low';
    if (stream.stdin) reasons.push(stream.tty ? 'interactive terminal' : 'writes to the process input');
    summary = `${who} attached to ${container(stream)}${pod}${stream.stdin ? ' with input' : ''}`;
  } else {
    const indicators = commandIndicators(stream.command);
    const hints = indicators.length > 0 ? [] : credentialHints(stream.command);
    const copy = copyDirection(stream.command);
    const interactiveShell = isShell(stream.command) && stream.stdin;
    reasons.push(...indicators, ...hints);
    if (interactiveShell) reasons.push(stream.tty ? 'interactive shell' : 'shell reading a script from stdin');
    if (copy !== undefined) reasons.push(`copies files ${copy} the container (kubectl cp)`);
    const own = indicators.length > 0 ? 'high' : interactiveShell || copy === 'into' || hints.length > 0 ? 'medium' : 'low';
    severity = rateEvent(view, 'persistence', own); // runs code with the pod's identity: never below medium for a person
    summary =
      stream.command.length === 0
        ? `${who} ran a command (not logged) in ${container(stream)}${pod}`
        : `${who} ran \`${commandLine(stream.command)}\` in ${container(stream)}${pod}`;
  }
  if (systemNamespace) {
    severity = raise(severity);
    reasons.push(`system namespace ${view.namespace}`);
  }
  return {
    severity,
    summary,
    evidence: {
      stream: view.subresource,
      transport: view.verb === 'get' ? 'websocket (get)' : 'SPDY (create)',
      ...(stream.command.length > 0 ? { command: stream.command } : view.subresource === 'exec' ? { command: 'not logged' } : {}),
      ...(stream.container ? { container: stream.container } : {}),
      ...(view.subresource !== 'portforward' ? { stdin: stream.stdin, tty: stream.tty } : { ports: stream.ports }),
      ...(reasons.length > 0 ? { reasons } : {}),
    },
  };
}

export const podExecRule: Rule = {
  id: 'exec.pod-exec',
  title: 'Command run in a container (exec, attach, port-forward)',
  category: 'exec',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    "who: a person or unknown identity (the platform is the baseline); what: running commands in a pod uses the pod's identity and secrets: never below medium; high for offensive tooling or credential theft, raised in system namespaces; port-forward and attach without input only reach an interface (low).",
  description:
    'Someone ran a command in a running container (`kubectl exec`), attached to its process, or forwarded one of its ports. ' +
    'The command is decoded from the request URI, where the API server always records it, so the finding says what ran. ' +
    'Both transports are covered: SPDY (`create`) and websockets (`get`, the default from kubectl 1.30 and on EKS), which rules that only watch `create` miss. ' +
    'Severity rises for interactive shells, for commands that read service account or cloud web-identity tokens or kubeconfigs, reach the cloud metadata service, or download code, for files copied into a container, and for system namespaces. ' +
    "Attackers exec into pods to steal the pod's token, pivot to the cloud through the node's instance role, or plant tools in a container that will keep running.",
  attack: ['T1609', 'T1552.007', 'T1528', 'T1552.005', 'T1105'],
  controls: ['NSA-CISA-k8s: Authentication and authorization', 'NSA-CISA-k8s: Audit logging and threat detection'],
  evidenceLevel: 'Metadata', // the command is in the request URI, which every level records
  falsePositives:
    'Operators debugging workloads, CI jobs running migrations through exec, and backup tools that copy files out with `kubectl cp`. Add exceptions by user, service account and namespace; never by command, which the caller chooses.',
  remediation:
    "Confirm with the person who ran it. If unexpected, treat the pod's service account token and the node's cloud credentials as exposed: rotate them, inspect the container for planted files, and restrict `pods/exec` to a few break-glass roles.",
  interest: [{ verbs: ['create', 'get'], resources: ['pods/exec', 'pods/attach', 'pods/portforward'] }],
  evaluate(view) {
    if (view.resource !== 'pods' || !['exec', 'attach', 'portforward'].includes(view.subresource)) return undefined;
    return evaluateStream(view);
  },
};

/** Kubelet API paths that run code or open a stream into a container. */
const KUBELET_COMMAND = /^\/(exec|run|attach|portForward|cri)\//;
/** Kubelet API paths that disclose pod specs (with env secrets), logs, configuration, memory. */
const KUBELET_SENSITIVE = /^\/(pods|runningpods|configz|debug|logs|containerLogs|checkpoint)(\/|$)/;

/** The path the API server proxies to, after `/proxy`: `/run/ns/pod/ctr`, `/metrics/cadvisor`. */
export function proxiedPath(view: EventView): string {
  const path = requestPath(view);
  const at = path.search(/\/proxy(\/|$)/);
  return at >= 0 ? path.slice(at + '/proxy'.length) || '/' : '/';
}

function evaluateProxy(view: EventView): RuleHit | undefined {
  if (isPlatform(view.actor)) return undefined;
  const path = proxiedPath(view);
  const who = actorText(view);
  const isMachine = view.actor.class === 'service-account' || view.actor.class === 'node';
  if (view.resource === 'nodes') {
    if (KUBELET_COMMAND.test(path)) {
      const command = [...view.query.getAll('command'), ...view.query.getAll('cmd')];
      const targetNamespace = path.split('/')[2] ?? '';
      const indicators = commandIndicators(command);
      const severity: Severity = indicators.length > 0 || inSystemNamespace(targetNamespace) ? 'critical' : 'high';
      const what = command.length > 0 ? ` \`${commandLine(command)}\`` : '';
      return {
        severity,
        summary: `${who} ran${what} through the kubelet API of node ${view.name} (${path})`,
        evidence: {
          proxiedPath: path,
          ...(command.length > 0 ? { command } : {}),
          ...(indicators.length > 0 ? { reasons: indicators } : {}),
          via: 'nodes/proxy bypasses pods/exec authorization and its audit',
        },
      };
    }
    if (KUBELET_SENSITIVE.test(path)) {
      return { severity: 'medium', summary: `${who} read ${path} from the kubelet API of node ${view.name}`, evidence: { proxiedPath: path } };
    }
    // Metrics and stats scraping (Prometheus through nodes/proxy) is routine for workloads.
    if (isMachine) return undefined;
    return { severity: 'low', summary: `${who} reached ${path} on the kubelet API of node ${view.name}`, evidence: { proxiedPath: path } };
  }
  if (isMachine) return undefined;
  const system = inSystemNamespace(view.namespace);
  return {
    severity: system ? 'medium' : 'low',
    summary: `${who} proxied ${view.verb} ${path} to ${view.resource === 'pods' ? 'pod' : 'service'} ${view.namespace}/${view.name}`,
    evidence: { proxiedPath: path, ...(system ? { reasons: [`system namespace ${view.namespace}`] } : {}) },
  };
}

export const apiserverProxyRule: Rule = {
  id: 'exec.apiserver-proxy',
  title: 'Kubelet, pod or service reached through the API server proxy',
  category: 'exec',
  what: 'access',
  severity: 'critical',
  severityReasons:
    "who: a person or unknown identity; what: the API server's proxy reaches the kubelet and services: high for kubelet exec and run endpoints (critical with indicators or in system namespaces), medium for reads of node logs and metrics, low otherwise.",
  description:
    "Requests through the API server's proxy subresources: `nodes/proxy` reaches the kubelet API on the node, whose `/run`, `/exec` and `/attach` endpoints run commands in any container on that node without a `pods/exec` permission check or audit event of their own " +
    '(even the `get` verb suffices over websockets); `/pods`, `/configz`, `/logs` and `/checkpoint` disclose pod specs, node configuration and container memory. ' +
    '`pods/proxy` and `services/proxy` by a person reach workloads (dashboards, databases) past network policies. ' +
    'Metrics scraping by service accounts is routine and ignored.',
  attack: ['T1609', 'T1552.007', 'T1613'],
  controls: ['CIS-5.1.10', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata', // the proxied path and command are in the request URI
  falsePositives:
    'Monitoring agents that read kubelet endpoints other than metrics, and people opening dashboards with `kubectl proxy`. Add exceptions by identity.',
  remediation:
    'Remove `nodes/proxy` from roles that do not need it (CIS 5.1.10); if commands ran, treat the node and its pods as compromised and check what the command did.',
  interest: [{ verbs: ['get', 'create', 'update', 'patch', 'delete'], resources: ['nodes/proxy', 'pods/proxy', 'services/proxy'] }],
  evaluate(view) {
    if (view.subresource !== 'proxy' || !['nodes', 'pods', 'services'].includes(view.resource)) return undefined;
    return evaluateProxy(view);
  },
};

/** Who may reach a kubelet's API by design: the API server's kubelet client (exec, logs, port-forward). */
const KUBELET_CLIENTS = new Set(['kube-apiserver-kubelet-client', 'apiserver-kubelet-client', 'system:kube-apiserver', 'system:apiserver']);

/**
 * Kubelet authorization subresources that run code or dump a container: the kubelet maps /exec,
 * /run, /attach, /portForward (and every path it has no finer name for, /pods included before
 * fine-grained kubelet authorization) to `proxy`, and /checkpoint to `checkpoint`. The others are
 * named as a tool might spell them.
 */
const KUBELET_RUNS_CODE = new Set(['proxy', 'exec', 'run', 'attach', 'portforward', 'checkpoint']);

/** Node agents and scrapers that read the kubelet's API on every node, by their charts' service account names. */
const KUBELET_AGENTS = [
  'metrics-server',
  'prometheus',
  'node-exporter',
  'kube-state-metrics',
  'vmagent',
  'grafana-agent',
  'alloy',
  'otel-collector',
  'opentelemetry-collector',
  'datadog-agent',
  'newrelic-infrastructure',
  'aws-node',
  'kube-proxy',
];

/** Whether the identity the kubelet asked about is a node agent or scraper: by its service account's name, or kube-proxy's own user. */
function isKubeletAgent(user: string, settings: Settings): boolean {
  if (user === 'system:kube-proxy') return true;
  if (!user.startsWith('system:serviceaccount:')) return false;
  const name = user.split(':')[3] ?? '';
  return hasNameWord(name, KUBELET_AGENTS) || hasNameWord(name, settings.logShippers.names);
}

const isWriteVerb = (verb: string): boolean => verb !== 'get' && verb !== 'list' && verb !== 'watch';

export const kubeletDirectAccessRule: Rule = {
  id: 'exec.kubelet-direct-access',
  title: 'Kubelet API used directly, as its own authorization checks show',
  category: 'exec',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (node agents and scrapers reading metrics, stats and logs are the baseline); ' +
    'what: `nodes/proxy` runs commands in any container on the node (exec, run, attach; a GET opens exec over websockets): high, critical when a write was allowed, medium when denied; ' +
    'a node agent asking GET `nodes/proxy` (a pod list) is info, and any write it asks for is caught like anyone else; reads of other kubelet subresources by others are low; ' +
    'where: a node, whatever runs on it; evidence: the review body names who and what.',
  description:
    'A kubelet asked the API server, through a SubjectAccessReview, whether an identity other than the API server may use its API (port 10250): ' +
    'kubelets with Webhook authorization do this for every request they serve. Requests to the kubelet never pass through the API server, so the ' +
    'rules on `pods/exec` and the exec audit never see them; this review is the only trace. The kubelet maps /exec, /run, /attach and /portForward ' +
    '(and, before fine-grained kubelet authorization, /pods) to `nodes/proxy`, and /checkpoint to `nodes/checkpoint`. A person or a foreign service ' +
    'account asking for those is direct kubelet use: high, critical when a write (a POST: exec, run) was allowed, medium when denied. Node agents and ' +
    'scrapers (metrics-server, Prometheus, node-exporter, the log shippers of settings.logShippers.names, aws-node, kube-proxy) are recognised by ' +
    "identity and by what they ask: reading nodes/metrics, stats, log or spec raises nothing, a GET on nodes/proxy (Fluent Bit listing the node's pods) " +
    'is info, and a write to nodes/proxy is caught whoever asks.',
  attack: ['T1609', 'T1552.007'],
  controls: ['CIS-5.1.10', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Request', // who the kubelet asked about, and what, is in the review body
  falsePositives:
    'Monitoring that reads the kubelet through nodes/proxy under a service account of another name, and debugging tools (kubeletctl in sanctioned tests). ' +
    'Give them nodes/metrics, nodes/stats and nodes/pods instead, or add an exception by identity. Agents are recognised by service account name, ' +
    'which whoever creates the account chooses: that is why a write is never excused.',
  remediation:
    "Find the identity named in the review and the binding that grants it nodes/proxy (`kubectl get clusterroles -o json | jq` for 'nodes/proxy'); " +
    'remove it (CIS 5.1.10), and check the node the kubelet runs on for what was run through its API.',
  interest: [{ verbs: ['create'], resources: ['subjectaccessreviews'], contains: ['"nodes"'] }],
  evaluate(view, { settings }): RuleHit | undefined {
    if (view.resource !== 'subjectaccessreviews' || view.verb !== 'create' || view.actor.class !== 'node') return undefined;
    const spec = asObject(view.object?.spec);
    const attributes = asObject(spec?.resourceAttributes);
    const user = asString(spec?.user);
    if (!attributes || user === undefined || asString(attributes.resource) !== 'nodes' || (asString(attributes.group) ?? '') !== '') return undefined;
    if (KUBELET_CLIENTS.has(user) || user.startsWith('system:node:')) return undefined;
    const subresource = asString(attributes.subresource) ?? '';
    const verb = asString(attributes.verb) ?? '?';
    const runsCode = KUBELET_RUNS_CODE.has(subresource);
    const agent = isKubeletAgent(user, settings);
    if (agent && !runsCode) return undefined;
    // Only the response says what was decided: a request body's status is Go's zero value (allowed: false).
    const decision = asObject(asObject(view.event.responseObject)?.status)?.allowed;
    const allowed = decision === true;
    const denied = decision === false;
    const node = asString(attributes.name) ?? view.actor.nodeName ?? '?';
    const outcome = allowed ? 'allowed' : denied ? 'denied' : 'outcome not logged';
    const reasons: string[] = [];
    let severity: Severity;
    if (!runsCode) {
      severity = 'low';
      reasons.push(`nodes/${subresource || '(none)'} reads the node, it runs nothing`);
    } else if (agent && verb === 'get') {
      // Asked on every node every few minutes (the kubelet caches decisions for 5): context, not an alert.
      severity = 'info';
      reasons.push(
        'a node agent reading the kubelet through nodes/proxy (a pod list); GET on nodes/proxy also opens exec over websockets: grant nodes/pods instead',
      );
    } else if (denied) {
      severity = 'medium';
      reasons.push('denied: an attempt');
    } else {
      severity = allowed && isWriteVerb(verb) ? 'critical' : 'high';
      reasons.push(
        isWriteVerb(verb) ? `${verb} on nodes/${subresource} runs code in the node's containers` : `get on nodes/${subresource} opens exec over websockets`,
      );
      if (agent) reasons.push('a node agent does not run code through the kubelet');
    }
    return {
      severity,
      summary: `${user} called the kubelet API of node ${node} directly (${verb} nodes/${subresource}, ${outcome})`,
      evidence: {
        user,
        groups: spec?.groups,
        verb,
        subresource,
        node,
        allowed: allowed ? true : denied ? false : undefined,
        askedBy: view.actor.username,
        reasons,
      },
    };
  },
};

export const execRules: Rule[] = [podExecRule, apiserverProxyRule, kubeletDirectAccessRule];
