import type { EventView } from '../detect/event-view';
import { asString } from '../detect/event-view';
import type { Rule, RuleContext } from '../detect/rule';
import type { Severity } from '../finding';
import { severityRank } from '../finding';
import type { ImageReference } from '../k8s/images';
import { isFromAllowedRegistry, isMutableTag, parseImage } from '../k8s/images';
import { patchedFields } from '../k8s/patch';
import { COMMAND_KINDS, analyzePodSpec, highestSeverity } from '../k8s/pod-security';
import type { WrittenPodSpec } from '../k8s/pod-spec';
import { WORKLOAD_RESOURCES, containersOf, writtenPodSpec } from '../k8s/pod-spec';
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

export const untrustedImageRules: readonly Rule[] = [registryNotAllowed, mutableTag, fetchesCode];
