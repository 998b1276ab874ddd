import type { EventView } from '../detect/event-view';
import type { JsonObject } from '../detect/event-view';
import { asObject, asString } from '../detect/event-view';
import type { Rule, RuleContext } from '../detect/rule';
import type { Severity } from '../finding';
import { severityRank } from '../finding';
import type { ImageReference } from '../k8s/images';
import { isFromAllowedRegistry, isMutableTag, parseImage } from '../k8s/images';
import { patchedFields } from '../k8s/patch';
import { COMMAND_KINDS, analyzePodSpec, highestSeverity } from '../k8s/pod-security';
import type { WrittenPodSpec } from '../k8s/pod-spec';
import { WORKLOAD_RESOURCES, containersOf, podSpecOf, writtenPodSpec } from '../k8s/pod-spec';
import { actorText, isBaseline } from './support/common';
import { TEMPLATE_WRITES, did, isAnonymous, isWorkloadWrite, listed, privilegeRisks, riskEvidence, target } from './support/pod-templates';

/*
 * untrusted-image: what a workload runs, judged by its image reference and its command: images
 * from outside the allowed registries, mutable tags, and containers that fetch code when they
 * start. ATT&CK v16 technique ids.
 */

const IMAGE_RESOURCES = [...WORKLOAD_RESOURCES, 'pods/ephemeralcontainers'] as const;

/** The images a request introduced: a patch's own images when it sets some, else the whole spec's. */
function introducedImages(view: EventView): { refs: ImageReference[]; written: WrittenPodSpec } | undefined {
  const ephemeral = view.resource === 'pods' && view.subresource === 'ephemeralcontainers';
  if (!ephemeral && !isWorkloadWrite(view, WORKLOAD_RESOURCES)) return undefined;
  if (ephemeral && view.verb !== 'update' && view.verb !== 'patch') return undefined;
  if (isBaseline(view)) return undefined;
  const written = writtenPodSpec(view);
  if (!written) return undefined;
  const spec = written.patched ?? written.spec;
  const containers = containersOf(spec).filter((c) => !ephemeral || c.kind === 'ephemeralContainer');
  const refs = containers.flatMap((c) => {
    const image = asString(c.container.image);
    const ref = image === undefined ? undefined : parseImage(image);
    return ref ? [ref] : [];
  });
  return refs.length ? { refs, written } : undefined;
}

const registryNotAllowed: Rule = {
  id: 'image.registry-not-allowed',
  title: 'Image from a registry outside the allowlist',
  category: 'untrusted-image',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity writing the workload; what: code from a source outside the allowlist, raised in system namespaces; evidence: needs the image in the body.',
  description:
    'A pod, pod template or ephemeral container was given an image from a registry that is not in settings.images.allowedRegistries. ' +
    'Reports only when the allowlist is set. Images from unknown registries are how attackers bring their tools in (and how typosquatted ' +
    "public images get run); high when the same spec is also privileged. Registry names are compared after Docker Hub's defaults are applied " +
    '(`nginx` is docker.io/library/nginx).',
  attack: ['T1204.003', 'T1525', 'T1610'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the images are in the body
  falsePositives: 'A new legitimate registry not yet added to the allowlist.',
  remediation:
    'Add the registry to the allowlist if it is trusted; otherwise remove the workload and check what the image did. Enforce the allowlist ' +
    'at admission (ValidatingAdmissionPolicy, Kyverno, Gatekeeper) rather than only detecting it.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: IMAGE_RESOURCES }],
  evaluate(view, context: RuleContext) {
    const allowed = context.settings.images.allowedRegistries;
    if (allowed.length === 0) return undefined;
    const found = introducedImages(view);
    if (!found) return undefined;
    const outside = found.refs.filter((r) => !isFromAllowedRegistry(r, allowed));
    if (outside.length === 0) return undefined;
    const privileged = privilegeRisks(found.written.spec).some((r) => severityRank(r.severity) >= severityRank('high'));
    const severity: Severity = isAnonymous(view) ? 'critical' : privileged ? 'high' : 'medium';
    return {
      severity,
      summary: `${actorText(view)} ${did(view.verb)} ${target(view, view.object ?? patchedFields(view.patch))} with image${outside.length > 1 ? 's' : ''} ${listed(outside.map((r) => r.original))} from outside the allowed registries`,
      evidence: { images: outside.map((r) => ({ image: r.original, registry: r.registry })), allowedRegistries: allowed, privileged },
    };
  },
};

const mutableTag: Rule = {
  id: 'image.mutable-tag',
  title: 'New workload uses a mutable image tag',
  category: 'untrusted-image',
  what: 'change',
  severity: 'low',
  severityReasons: 'who: a person or unknown identity; what: a mutable tag can change what runs later without a write (supply-chain hygiene, no privilege).',
  description:
    'A new pod or workload uses an image by a tag that can be moved (`latest`, or no tag at all) and no digest: what runs tomorrow is ' +
    'whatever someone pushes under that tag, reviewed or not, which is how a compromised registry account implants every restart. Reported ' +
    'when settings.images.flagMutableTags is on.',
  attack: ['T1525', 'T1204.003'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the images are in the body
  falsePositives: 'Throwaway test pods. Switch the setting off for clusters where that is the norm.',
  remediation: 'Pin images by digest (`image@sha256:...`) or by an immutable version tag in a registry with tag immutability on.',
  interest: [{ verbs: ['create'], resources: WORKLOAD_RESOURCES }],
  evaluate(view, context: RuleContext) {
    if (!context.settings.images.flagMutableTags || view.verb !== 'create') return undefined;
    const found = introducedImages(view);
    if (!found) return undefined;
    const mutable = found.refs.filter(isMutableTag);
    if (mutable.length === 0) return undefined;
    return {
      severity: 'low',
      summary: `${actorText(view)} created ${target(view, view.object)} with mutable image tag${mutable.length > 1 ? 's' : ''} ${listed(mutable.map((r) => r.original))}`,
      evidence: { images: mutable.map((r) => r.original) },
    };
  },
};

const fetchesCode: Rule = {
  id: 'image.fetches-code-at-start',
  title: 'Container downloads and runs code at start',
  category: 'untrusted-image',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: a container that downloads and runs code at start runs what no image scan saw, raised in system namespaces.',
  description:
    'A pod, pod template or ephemeral container was written with a command that downloads code and runs it (`curl | sh`, `wget -O- | bash`, ' +
    '`base64 -d | sh`, download then `chmod +x`, `python -c` with urllib) or opens a reverse shell (/dev/tcp, `nc -e`, socat exec). What such ' +
    'a container runs is not in any image, so image scanning, signing and registry allowlists never see it. Reverse shells are critical.',
  attack: ['T1105', 'T1059.004', 'T1204.003', 'T1610'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the commands are in the body
  falsePositives: 'Installer-style init containers that fetch tools at start. Bake the tools into the image instead.',
  remediation: 'Fetch the script from where the command points (safely) and see what it does; remove the workload and find who wrote it.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: IMAGE_RESOURCES }],
  evaluate(view) {
    const ephemeral = view.resource === 'pods' && view.subresource === 'ephemeralcontainers';
    if (!ephemeral && !isWorkloadWrite(view, WORKLOAD_RESOURCES)) return undefined;
    if (isBaseline(view)) return undefined;
    const written = writtenPodSpec(view);
    if (!written) return undefined;
    const risks = analyzePodSpec(written.patched ?? written.spec).filter((r) => COMMAND_KINDS.has(r.kind));
    const highest = highestSeverity(risks);
    if (!highest) return undefined;
    return {
      severity: isAnonymous(view) ? 'critical' : highest,
      summary: `${actorText(view)} ${did(view.verb)} ${target(view, view.object ?? patchedFields(view.patch))}: ${listed(risks.map((r) => r.text))}`,
      evidence: { risks: riskEvidence(risks) },
    };
  },
};

/** A registry host (`10.0.0.5:5000`, `[fd00::1]:5000`) that is an IP address rather than a name. */
export function isRawIpRegistry(registry: string): boolean {
  if (registry.startsWith('[')) return registry.includes(']');
  const host = registry.replace(/:\d+$/, '');
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** Severity of an image finding: anonymous critical, privileged spec `privileged`, else `base`. */
function imageSeverity(view: EventView, written: WrittenPodSpec, base: Severity, privileged: Severity): Severity {
  if (isAnonymous(view)) return 'critical';
  return privilegeRisks(written.spec).some((r) => severityRank(r.severity) >= severityRank('high')) ? privileged : base;
}

const rawIpRegistry: Rule = {
  id: 'image.raw-ip-registry',
  title: 'Image pulled from a registry addressed by IP',
  category: 'untrusted-image',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (a platform controller rolling out what a person wrote is rated for that person); what: a workload pulling from a registry addressed by IP, outside any name-based allowlist or audit, is how attacker tooling is staged: persistence, critical in system namespaces, high elsewhere; where: system namespaces and cluster-wide workloads one step up; evidence: the image reference in the request body.',
  description:
    'A pod, pod template or ephemeral container was given an image from a registry named by a raw IP address (`203.0.113.9:5000/tool`). ' +
    'Real registries have names (and certificates for them); an IP is what an attacker types when pulling from a host they just set up, ' +
    'often over plain HTTP. Medium; high when the same spec is privileged. Registries on the allowlist are not reported.',
  attack: ['T1204.003', 'T1610', 'T1105'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the images are in the body
  falsePositives: 'Local development registries (kind, k3d at 127.0.0.1 or a node IP). Add them to settings.images.allowedRegistries.',
  remediation: 'Find out who runs the registry at that address and what the image contains; remove the workload and block egress to the address.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: IMAGE_RESOURCES }],
  evaluate(view, context: RuleContext) {
    const found = introducedImages(view);
    if (!found) return undefined;
    const allowed = context.settings.images.allowedRegistries;
    const byIp = found.refs.filter((r) => isRawIpRegistry(r.registry) && !isFromAllowedRegistry(r, allowed));
    if (byIp.length === 0) return undefined;
    return {
      severity: imageSeverity(view, found.written, 'medium', 'high'),
      summary: `${actorText(view)} ${did(view.verb)} ${target(view, view.object ?? patchedFields(view.patch))} with image${byIp.length > 1 ? 's' : ''} ${listed(byIp.map((r) => r.original))} from a registry addressed by IP`,
      evidence: { images: byIp.map((r) => ({ image: r.original, registry: r.registry })) },
    };
  },
};

/** Whether a repository is one of the listed tools: the repository, its last segment, or `account/*`. */
export function isOffensiveTool(ref: ImageReference, tools: readonly string[]): boolean {
  const repository = ref.repository.toLowerCase();
  const last = repository.slice(repository.lastIndexOf('/') + 1);
  return tools.some((entry) => {
    const tool = entry.trim().toLowerCase();
    if (tool.endsWith('/*')) return repository.startsWith(tool.slice(0, -1));
    return tool.includes('/') ? repository === tool || repository.endsWith(`/${tool}`) : last === tool;
  });
}

const offensiveTool: Rule = {
  id: 'image.offensive-tool',
  title: 'Workload runs an image of known attack tooling',
  category: 'untrusted-image',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: a known attack tool (settings.images.offensiveTools) run as a workload is hands-on-keyboard activity: takeover, critical; where: anywhere; evidence: the image reference in the request body, matched by repository name.',
  description:
    'A pod, pod template or ephemeral container was given an image of known offensive tooling or a cryptominer (settings.images.offensiveTools: ' +
    'Kali, Parrot and BlackArch images, Metasploit, Empire, peirates, kube-hunter, chisel, sliver, xmrig and other miners by default). ' +
    'High; critical when the same spec is privileged. A name is a tripwire, not a verdict: an attacker who renames the image passes it, so ' +
    'it catches the careless and the automated, and the other image and privilege rules still judge the renamed ones.',
  attack: ['T1204.003', 'T1610', 'T1496'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the images are in the body
  falsePositives: "Sanctioned penetration tests and security scans (kube-hunter). Add an exception for the testers' identity or namespace, with an expiry.",
  remediation:
    'Remove the workload, find who created it and with which credential, and review what it reached (network policies, the service account it ran as).',
  interest: [{ verbs: TEMPLATE_WRITES, resources: IMAGE_RESOURCES }],
  evaluate(view, context: RuleContext) {
    const found = introducedImages(view);
    if (!found) return undefined;
    const tools = found.refs.filter((r) => isOffensiveTool(r, context.settings.images.offensiveTools));
    if (tools.length === 0) return undefined;
    return {
      severity: imageSeverity(view, found.written, 'high', 'critical'),
      summary: `${actorText(view)} ${did(view.verb)} ${target(view, view.object ?? patchedFields(view.patch))} with attack tooling image${tools.length > 1 ? 's' : ''} ${listed(tools.map((r) => r.original))}`,
      evidence: { images: tools.map((r) => r.original) },
    };
  },
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Longer than any real workload manifest: a bigger annotation is not parsed. */
const MAX_LAST_APPLIED = 256 * 1024;

/** The images by container name in the last configuration `kubectl apply` wrote, as the object carries it. */
function lastAppliedImages(resource: string, object: JsonObject | undefined): Map<string, ImageReference> {
  const images = new Map<string, ImageReference>();
  const text = asString(asObject(asObject(object?.metadata)?.annotations)?.[LAST_APPLIED]);
  if (text === undefined || text.length > MAX_LAST_APPLIED) return images;
  let applied: unknown;
  try {
    applied = JSON.parse(text);
  } catch {
    return images;
  }
  const spec = podSpecOf(resource, asObject(applied));
  for (const c of spec ? containersOf(spec) : []) {
    const ref = parseImage(asString(c.container.image) ?? '');
    if (ref) images.set(`${c.kind}/${c.name}`, ref);
  }
  return images;
}

const registryChanged: Rule = {
  id: 'image.registry-changed',
  title: "Workload's image moved to a different registry",
  category: 'untrusted-image',
  what: 'persistence',
  severity: 'high',
  severityReasons:
    "who: a person or unknown identity; what: a workload's image moved to another registry than the one last applied keeps its name and privileges but swaps its code (a backdoored image): persistence, high; where: one step up in system namespaces; evidence: the request body against kubectl's last-applied annotation, lower when only one of them is logged.",
  description:
    'An update or patch gave a container of an existing workload an image from another registry than the one it was last applied with ' +
    '(`kubectl set image`, `kubectl edit` or a patch after `kubectl apply`), read from the `kubectl.kubernetes.io/last-applied-configuration` ' +
    'annotation the object carries. Swapping `registry.example.com/api` for a look-alike elsewhere keeps the name people check and replaces what runs. ' +
    'Medium; high when the new registry is addressed by IP, is outside settings.images.allowedRegistries, or the spec is privileged. ' +
    'Objects never applied with kubectl carry no previous image and are not judged.',
  attack: ['T1525', 'T1204.003', 'T1036'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // both images are in the body
  falsePositives: 'Migrating to a new registry (a mirror, ECR) by hand before the manifests in source control follow.',
  remediation: 'Compare the two images (digest, layers, signatures); roll the workload back to the applied manifest and find who changed it.',
  interest: [{ verbs: ['update', 'patch'], resources: WORKLOAD_RESOURCES }],
  evaluate(view, context: RuleContext) {
    if (view.verb !== 'update' && view.verb !== 'patch') return undefined;
    const found = introducedImages(view);
    if (!found || found.written.source !== 'object') return undefined;
    const before = lastAppliedImages(view.resource, view.object);
    if (before.size === 0) return undefined;
    const patchedImages = found.written.patched ? new Set(containersOf(found.written.patched).map((c) => asString(c.container.image))) : undefined;
    const allowed = context.settings.images.allowedRegistries;
    const moved = containersOf(found.written.spec).flatMap((c) => {
      const now = parseImage(asString(c.container.image) ?? '');
      const was = before.get(`${c.kind}/${c.name}`);
      if (!now || !was || now.registry === was.registry) return [];
      if (patchedImages && !patchedImages.has(now.original)) return [];
      return [
        {
          container: c.name,
          from: was.original,
          to: now.original,
          registry: now.registry,
          untrusted: isRawIpRegistry(now.registry) || (allowed.length > 0 && !isFromAllowedRegistry(now, allowed)),
        },
      ];
    });
    if (moved.length === 0) return undefined;
    const untrusted = moved.some((m) => m.untrusted);
    const severity = imageSeverity(view, found.written, untrusted ? 'high' : 'medium', 'high');
    return {
      severity,
      summary: `${actorText(view)} ${did(view.verb)} ${target(view, view.object)}: ${listed(moved.map((m) => `${m.container} ${m.from} -> ${m.to}`))}`,
      evidence: { moved: moved.map(({ container, from, to }) => ({ container, from, to })), untrusted },
    };
  },
};

export const untrustedImageRules: readonly Rule[] = [registryNotAllowed, mutableTag, fetchesCode, rawIpRegistry, offensiveTool, registryChanged];
