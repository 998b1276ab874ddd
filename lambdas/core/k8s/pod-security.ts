import { posix } from 'node:path';
import type { JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import type { Severity } from '../finding';
import { maxSeverity, severityRank } from '../finding';
import type { ContainerKind } from './pod-spec';
import { containersOf } from './pod-spec';

/**
 * What a pod spec lets its containers do to the node and the cluster, judged from the spec
 * alone (no knowledge of who wrote it: the rules weigh that). Pure, and safe on partial specs
 * read from patches: a field a patch does not set is simply not reported.
 */
export type RiskKind =
  | 'privileged'
  | 'host-process'
  | 'host-namespace'
  | 'host-path'
  | 'capability'
  | 'privilege-escalation'
  | 'run-as-root'
  | 'proc-mount'
  | 'unconfined'
  | 'tolerates-all-taints'
  | 'node-name'
  | 'download-exec'
  | 'reverse-shell';

export interface PodRisk {
  kind: RiskKind;
  severity: Severity;
  /** A short phrase for summaries, e.g. `privileged container mysql`. */
  text: string;
  container?: string;
  containerKind?: ContainerKind;
  /** The fields that show it. */
  evidence: JsonObject;
}

/** Risks that break the container boundary or weaken it: what `privileged-workload` is about. */
export const PRIVILEGE_KINDS: ReadonlySet<RiskKind> = new Set<RiskKind>([
  'privileged',
  'host-process',
  'host-namespace',
  'host-path',
  'capability',
  'privilege-escalation',
  'run-as-root',
  'proc-mount',
  'unconfined',
]);
/** Commands that fetch code at start: what runs is not what the image holds. */
export const COMMAND_KINDS: ReadonlySet<RiskKind> = new Set<RiskKind>(['download-exec', 'reverse-shell']);

/** Every risk of a pod spec, most severe first. */
export function analyzePodSpec(spec: JsonObject): PodRisk[] {
  const risks = [...hostNamespaces(spec), ...hostPaths(spec), ...schedulingRisks(spec)];
  const podContext = asObject(spec.securityContext) ?? {};
  for (const ref of containersOf(spec)) {
    const where = { container: ref.name, containerKind: ref.kind };
    const label = `${containerNoun(ref.kind)} ${ref.name}`;
    const sc = asObject(ref.container.securityContext) ?? {};
    risks.push(...containerSecurity(sc, podContext, label, spec.hostPID === true).map((r) => ({ ...r, ...where })));
    const command = commandRisk(ref.container, label);
    if (command) risks.push({ ...command, ...where });
  }
  return risks.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

/** The highest severity among risks, or undefined when there are none. */
export function highestSeverity(risks: readonly PodRisk[]): Severity | undefined {
  return risks.reduce<Severity | undefined>((acc, r) => (acc === undefined ? r.severity : maxSeverity(acc, r.severity)), undefined);
}

function containerNoun(kind: ContainerKind): string {
  return kind === 'container' ? 'container' : kind === 'initContainer' ? 'init container' : 'ephemeral container';
}

// --- host namespaces -------------------------------------------------------------------------

/** hostPID lets a container see and ptrace the node's processes (nsenter into PID 1 is a root shell). */
const HOST_NAMESPACES: ReadonlyArray<[string, Severity, string]> = [
  ['hostPID', 'high', "shares the node's process namespace"],
  ['hostNetwork', 'medium', "shares the node's network"],
  ['hostIPC', 'medium', "shares the node's IPC namespace"],
];

function hostNamespaces(spec: JsonObject): PodRisk[] {
  return HOST_NAMESPACES.filter(([field]) => spec[field] === true).map(([field, severity, meaning]) => ({
    kind: 'host-namespace' as const,
    severity,
    text: `${field} (${meaning})`,
    evidence: { [field]: true },
  }));
}

// --- hostPath volumes ------------------------------------------------------------------------

/** Container runtime sockets: whoever reaches one starts privileged containers on the node. */
const RUNTIME_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run/containerd/containerd.sock',
  '/run/containerd/containerd.sock',
  '/var/run/crio/crio.sock',
  '/run/crio/crio.sock',
  '/var/run/cri-dockerd.sock',
  '/run/cri-dockerd.sock',
  '/var/run/dockershim.sock',
  '/run/k3s/containerd/containerd.sock',
];

/** Host paths holding credentials, the kubelet's and runtime's state, or the kernel's interfaces. */
const SENSITIVE_PATHS: ReadonlyArray<[string, Severity]> = [
  ['/etc', 'high'],
  ['/root', 'high'],
  ['/home', 'high'],
  ['/proc', 'high'],
  ['/sys', 'high'],
  ['/dev', 'high'],
  ['/boot', 'high'],
  ['/var/lib/kubelet', 'high'],
  ['/etc/kubernetes', 'high'],
  ['/var/lib/etcd', 'high'],
  ['/var/lib/docker', 'high'],
  ['/var/lib/containerd', 'high'],
  ['/var/lib/rancher', 'high'],
  ['/usr', 'high'],
  ['/bin', 'high'],
  ['/sbin', 'high'],
  ['/lib', 'high'],
  ['/lib64', 'high'],
  ['/opt/cni', 'high'],
  ['/etc/cni', 'high'],
  // Writable /var/log plus the kubelet's /logs endpoint reads any host file through a symlink.
  ['/var/log', 'medium'],
];

/** Normalizes a host path: `/etc/../` is `/`, `//var/run/` is `/var/run`. */
export function normalizeHostPath(path: string): string {
  const normalized = posix.normalize(`/${path.trim()}`);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/**
 * How much of the node a hostPath exposes. A path that contains a sensitive one (`/var`
 * contains `/var/run/docker.sock` and `/var/lib/kubelet`) rates as high as what it contains.
 */
export function hostPathSeverity(rawPath: string, type?: string): { severity: Severity; why: string } {
  const path = normalizeHostPath(rawPath);
  if (path === '/') return { severity: 'critical', why: "the node's root filesystem" };
  const socket = RUNTIME_SOCKETS.find((s) => under(s, path) || under(path, s));
  if (socket) return { severity: 'critical', why: `the container runtime socket ${socket}` };
  let best: { severity: Severity; why: string } | undefined;
  for (const [sensitive, severity] of SENSITIVE_PATHS) {
    if (!under(path, sensitive) && !under(sensitive, path)) continue;
    if (!best || severityRank(severity) > severityRank(best.severity)) best = { severity, why: `sensitive host path ${sensitive}` };
  }
  if (best) return best;
  if (type === 'Socket') return { severity: 'high', why: 'a host socket' };
  return { severity: 'low', why: 'a host directory' };
}

function hostPaths(spec: JsonObject): PodRisk[] {
  const mountsByVolume = new Map<string, Array<{ container: string; mountPath?: string; readOnly: boolean }>>();
  for (const ref of containersOf(spec)) {
    for (const m of asArray(ref.container.volumeMounts)) {
      const mount = asObject(m);
      const name = asString(mount?.name);
      if (!mount || name === undefined) continue;
      const list = mountsByVolume.get(name) ?? [];
      list.push({ container: ref.name, mountPath: asString(mount.mountPath), readOnly: mount.readOnly === true });
      mountsByVolume.set(name, list);
    }
  }
  const risks: PodRisk[] = [];
  for (const v of asArray(spec.volumes)) {
    const volume = asObject(v);
    const hostPath = asObject(volume?.hostPath);
    const path = asString(hostPath?.path);
    if (!volume || !hostPath || path === undefined) continue;
    const type = asString(hostPath.type);
    const { severity, why } = hostPathSeverity(path, type);
    const name = asString(volume.name) ?? '(unnamed)';
    const mounts = mountsByVolume.get(name) ?? [];
    risks.push({
      kind: 'host-path',
      severity,
      text: `hostPath ${normalizeHostPath(path)} (${why})`,
      evidence: { volume: name, hostPath: { path, ...(type ? { type } : {}) }, ...(mounts.length ? { mounts } : {}) },
    });
  }
  return risks;
}

// --- container security context --------------------------------------------------------------

/** Added capabilities by what they hand a container. */
const CAPABILITIES: Readonly<Record<string, Severity>> = {
  ALL: 'high',
  SYS_ADMIN: 'high', // mount, cgroups release_agent, most of what privileged gives
  SYS_MODULE: 'high', // load a kernel module: the kernel is the attacker's
  SYS_RAWIO: 'high',
  BPF: 'high', // load eBPF programs: read kernel memory, hide processes
  SYS_PTRACE: 'medium', // high with hostPID, see below
  DAC_READ_SEARCH: 'medium', // open_by_handle_at: read host files through a mount (shocker)
  DAC_OVERRIDE: 'medium',
  NET_ADMIN: 'medium',
  PERFMON: 'medium',
  SYS_BOOT: 'medium',
  SYS_TIME: 'medium',
  SYSLOG: 'medium',
  MAC_ADMIN: 'medium',
  MAC_OVERRIDE: 'medium',
  SETFCAP: 'low',
  NET_RAW: 'low', // ARP and DNS spoofing on the pod network; in Docker's default set
};

function containerSecurity(sc: JsonObject, pod: JsonObject, label: string, hostPID: boolean): Array<Omit<PodRisk, 'container' | 'containerKind'>> {
  const risks: Array<Omit<PodRisk, 'container' | 'containerKind'>> = [];
  if (sc.privileged === true) {
    risks.push({ kind: 'privileged', severity: 'high', text: `privileged ${label}`, evidence: { securityContext: { privileged: true } } });
  }
  const windows = asObject(sc.windowsOptions) ?? asObject(pod.windowsOptions);
  if (windows?.hostProcess === true) {
    risks.push({ kind: 'host-process', severity: 'high', text: `Windows HostProcess ${label}`, evidence: { windowsOptions: { hostProcess: true } } });
  }
  for (const raw of asArray(asObject(sc.capabilities)?.add)) {
    const name = asString(raw)?.toUpperCase().replace(/^CAP_/, '');
    const base = name === undefined ? undefined : CAPABILITIES[name];
    if (name === undefined || base === undefined) continue;
    const severity = name === 'SYS_PTRACE' && hostPID ? 'high' : base;
    risks.push({ kind: 'capability', severity, text: `capability ${name} added to ${label}`, evidence: { capabilities: { add: [raw] } } });
  }
  if (sc.allowPrivilegeEscalation === true && sc.privileged !== true) {
    risks.push({
      kind: 'privilege-escalation',
      severity: 'low',
      text: `privilege escalation allowed for ${label}`,
      evidence: { securityContext: { allowPrivilegeEscalation: true } },
    });
  }
  // The container's own setting overrides the pod's; report the one that applies.
  const runAsUser = sc.runAsUser ?? pod.runAsUser;
  if (runAsUser === 0) {
    const at = sc.runAsUser === 0 ? 'securityContext' : 'pod securityContext';
    risks.push({ kind: 'run-as-root', severity: 'low', text: `root user (runAsUser 0) for ${label}`, evidence: { [at]: { runAsUser: 0 } } });
  } else if ((sc.runAsNonRoot ?? pod.runAsNonRoot) === false && runAsUser === undefined) {
    risks.push({ kind: 'run-as-root', severity: 'info', text: `runAsNonRoot false for ${label}`, evidence: { securityContext: { runAsNonRoot: false } } });
  }
  if (sc.procMount === 'Unmasked') {
    risks.push({ kind: 'proc-mount', severity: 'medium', text: `unmasked /proc for ${label}`, evidence: { securityContext: { procMount: 'Unmasked' } } });
  }
  const seccomp = asString(asObject(sc.seccompProfile)?.type) ?? asString(asObject(pod.seccompProfile)?.type);
  const apparmor = asString(asObject(sc.appArmorProfile)?.type) ?? asString(asObject(pod.appArmorProfile)?.type);
  if (seccomp === 'Unconfined' || apparmor === 'Unconfined') {
    const what = seccomp === 'Unconfined' ? 'seccomp' : 'AppArmor';
    risks.push({ kind: 'unconfined', severity: 'low', text: `${what} unconfined for ${label}`, evidence: { [`${what.toLowerCase()}Profile`]: 'Unconfined' } });
  }
  return risks;
}

// --- scheduling ------------------------------------------------------------------------------

function schedulingRisks(spec: JsonObject): PodRisk[] {
  const risks: PodRisk[] = [];
  for (const t of asArray(spec.tolerations)) {
    const toleration = asObject(t);
    if (!toleration || toleration.operator !== 'Exists' || (asString(toleration.key) ?? '') !== '') continue;
    const effect = asString(toleration.effect) ?? '';
    // No key and no effect tolerates every taint: the pod also lands on control-plane and quarantined nodes.
    risks.push({
      kind: 'tolerates-all-taints',
      severity: 'low',
      text: effect === '' ? 'tolerates every taint' : `tolerates every ${effect} taint`,
      evidence: { toleration },
    });
  }
  const nodeName = asString(spec.nodeName);
  if (nodeName) {
    // Bypasses the scheduler (and scheduling constraints) to land on one chosen node.
    risks.push({ kind: 'node-name', severity: 'info', text: `pinned to node ${nodeName}`, evidence: { nodeName } });
  }
  return risks;
}

// --- commands that fetch code ----------------------------------------------------------------

const MAX_COMMAND = 8_000;
const INTERPRETER = String.raw`(?:ba|da|k|z|a)?sh|python[0-9.]*|perl|ruby|node|php|busybox\s+sh`;
const REVERSE_SHELL: readonly RegExp[] = [
  /\/dev\/(?:tcp|udp)\/[^\s/]+\/\d+/i,
  /\b(?:nc|ncat|netcat)\b[^|;&\n]{0,200}\s-(?:e|c)\s/i,
  /\bsocat\b[^|;&\n]{0,200}\bexec:/i,
  /\bmkfifo\b[^\n]{0,200}\b(?:nc|ncat|netcat|telnet)\b/i,
  /\bsocket\.socket\([^\n]{0,300}(?:dup2|subprocess|pty\.spawn)/i,
  /\bperl\b[^\n]{0,50}-e[^\n]{0,300}\bsocket\b[^\n]{0,300}\bexec\b/i,
];
const DOWNLOAD_EXEC: readonly RegExp[] = [
  // curl … | sh, wget -qO- … | bash
  new RegExp(String.raw`\b(?:curl|wget|fetch)\b[^|;&\n]{0,500}\|\s*(?:sudo\s+)?(?:/\S*/)?(?:${INTERPRETER})\b`, 'i'),
  // sh -c "$(curl …)", bash <(wget …), `curl …`
  /(?:\$\(|<\(|`)\s*(?:curl|wget|fetch)\b/i,
  // base64 -d | sh, openssl base64 -d | bash
  new RegExp(String.raw`\bbase64\s+(?:-d|--decode|-D)\b[^|;&\n]{0,200}\|\s*(?:sudo\s+)?(?:/\S*/)?(?:${INTERPRETER})\b`, 'i'),
  // curl -o /tmp/x … && chmod +x /tmp/x
  /\b(?:curl|wget)\b[^\n]{0,500}\bchmod\s+(?:[ugoa]*\+x|[0-7]*[1357][0-7]*)\b/i,
  // python -c "import urllib…", python -c "…requests.get…exec…"
  /\bpython[0-9.]*\s+-c\b[^\n]{0,500}\b(?:urllib|urlopen|requests\.get|http\.client)\b/i,
];

/** A download-and-run or reverse-shell command line in a container's command and args. */
export function commandRisk(container: JsonObject, label = 'container'): Omit<PodRisk, 'container' | 'containerKind'> | undefined {
  const parts = [...asArray(container.command), ...asArray(container.args)].filter((p): p is string => typeof p === 'string');
  if (parts.length === 0) return undefined;
  const line = parts.join(' ').slice(0, MAX_COMMAND);
  const evidence = { command: asArray(container.command), args: asArray(container.args) };
  if (REVERSE_SHELL.some((re) => re.test(line))) return { kind: 'reverse-shell', severity: 'critical', text: `${label} opens a reverse shell`, evidence };
  if (DOWNLOAD_EXEC.some((re) => re.test(line))) return { kind: 'download-exec', severity: 'high', text: `${label} downloads and runs code`, evidence };
  return undefined;
}
