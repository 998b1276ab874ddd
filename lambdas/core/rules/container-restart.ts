import type { Settings } from '../config/settings';
import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import type { RuleHit } from '../detect/rule';
import type { StatefulDetector } from '../detect/stateful';
import type { StateStore } from '../detect/state-store';
import { SYSTEM_NAMESPACES } from '../detect/identity';
import { patchedFields } from '../k8s/patch';
import { hasNameWord } from './support/names';

/** What the detector remembers per container: the last restart count seen and recent restart times. */
interface ContainerRestarts {
  restartCount: number;
  /** Epoch ms of restarts within the window, oldest first (one entry per restart). */
  restarts: number[];
  /** Epoch ms of the last finding, so a crash loop raises one finding per window, not one per restart. */
  alertedAt?: number;
  /**
   * The event that raised that finding. Reading the same event again (an SQS redelivery after the
   * finding could not be stored) raises it again instead of finding the state already advanced.
   */
  alertedBy?: string;
}

const MAX_REMEMBERED = 200;

/**
 * Restarts are read from the kubelet's `pods/status` patches: each container status carries a
 * `restartCount` and the reason of its last termination. A container restarting more than the
 * threshold within the window is a crash loop: a backdoor that keeps dying and being restarted
 * by the kubelet, a miner killed for memory, or a sidecar fighting an injected process. An OOM
 * kill with no rise of the count is not a restart.
 */
export const containerRestartDetector: StatefulDetector = {
  id: 'restart.crash-loop',
  title: 'Container restarting repeatedly',
  category: 'container-restart',
  what: 'observation',
  severity: 'medium',
  severityReasons:
    'who: no actor (the kubelet reports it); what: a container restarting often is a symptom (a bug, OOM, an implant being killed), an observation for an investigation rather than an action: low; where: medium in system namespaces, where the platform runs and implants hide among its agents (the security agents themselves have their own rule, restart.security-agent-crash-loop, high); evidence: counted over a window.',
  description:
    'A container restarted more times than the threshold within the window, as counted from the restartCount the kubelet reports in pod status updates. ' +
    'Persistent implants that are killed (by OOM, by a liveness probe, or because they exit after calling home) are brought back by the kubelet again and again; so are containers whose image or command was tampered with.',
  attack: ['T1543', 'T1496'],
  controls: ['NSA-CISA-k8s: Logging and threat detection'],
  evidenceLevel: 'Request', // restart counts are in the pods/status body
  falsePositives:
    'Applications with genuine bugs or too little memory crash-loop too. Raise the threshold per namespace with an exception once the cause is known.',
  remediation:
    "Look at the container's last termination reason and logs (`kubectl logs --previous`), compare its image and command with what was deployed, and check who last changed the workload.",
  // Every status update carries restartCount; only containers that have restarted carry a
  // terminated lastState, and those are the ones to count (a first sighting sets the baseline).
  interest: [{ verbs: ['update', 'patch'], resources: ['pods/status'], contains: ['"lastState":{"terminated"'] }],
  async observe(view: EventView, settings: Settings, state: StateStore): Promise<RuleHit[]> {
    if (view.subresource !== 'status' || view.resource !== 'pods') return [];
    const status = asObject((view.object ?? patchedFields(view.patch))?.status);
    if (!status) return [];
    const at = Date.parse(view.event.stageTimestamp ?? view.event.requestReceivedTimestamp ?? '') || 0;
    const { threshold, windowMinutes } = settings.restarts;
    const windowMs = windowMinutes * 60_000;
    const auditID = view.event.auditID;
    const hits: RuleHit[] = [];
    for (const container of containerStatuses(status)) {
      const name = asString(container.name);
      const count = container.restartCount;
      if (name === undefined || typeof count !== 'number') continue;
      // Only a status that reports a terminated last state counts: every restart carries one, and
      // the reader's pre-check lets through exactly these (its `contains` needle), so the parsed and
      // the skipped events agree on what a restart is.
      if (asObject(asObject(container.lastState)?.terminated) === undefined) continue;
      const key = `restarts/${view.cluster ?? ''}/${view.namespace}/${view.name}/${name}`;
      let alert = false;
      const next = await state.update<ContainerRestarts>(
        key,
        (current) => {
          if (current?.alertedBy !== undefined && current.alertedBy === auditID) {
            alert = true;
            return current;
          }
          const rise = current ? Math.max(0, count - current.restartCount) : 0;
          const restarts = [...(current?.restarts ?? []), ...Array<number>(Math.min(rise, MAX_REMEMBERED)).fill(at)]
            .filter((t) => t > at - windowMs)
            .slice(-MAX_REMEMBERED);
          alert = rise > 0 && restarts.length >= threshold && (current?.alertedAt === undefined || current.alertedAt <= at - windowMs);
          return {
            restartCount: Math.max(count, current?.restartCount ?? 0),
            restarts,
            alertedAt: alert ? at : current?.alertedAt,
            alertedBy: alert ? auditID : current?.alertedBy,
          };
        },
        Math.ceil((windowMs * 2) / 1000),
      );
      if (!alert) continue;
      const terminated = asObject(asObject(container.lastState)?.terminated);
      const waiting = asObject(asObject(container.state)?.waiting);
      const reason = asString(terminated?.reason) ?? asString(waiting?.reason) ?? 'unknown';
      hits.push({
        severity: SYSTEM_NAMESPACES.has(view.namespace) ? 'medium' : 'low',
        summary: `container ${name} of pod ${view.namespace}/${view.name} restarted ${next.restarts.length} times in ${windowMinutes} min (last reason: ${reason})`,
        evidence: {
          container: name,
          image: asString(container.image),
          restartCount: count,
          restartsInWindow: next.restarts.length,
          windowMinutes,
          lastTermination: terminated ? { reason: terminated.reason, exitCode: terminated.exitCode, finishedAt: terminated.finishedAt } : undefined,
          waitingReason: asString(waiting?.reason),
          node: view.actor.nodeName,
        },
      });
    }
    return hits;
  },
};

function containerStatuses(status: JsonObject): JsonObject[] {
  return ['containerStatuses', 'initContainerStatuses', 'ephemeralContainerStatuses']
    .flatMap((k) => asArray(status[k]).map(asObject))
    .filter((c): c is JsonObject => c !== undefined);
}

/** Keys of the agents' own restart counts, apart from the ordinary detector's (different window and alert cooldown). */
function prefixed(state: StateStore, prefix: string): StateStore {
  return { update: (key, change, ttlSeconds) => state.update(`${prefix}${key}`, change, ttlSeconds) };
}

/** Whether a status names a security agent: the pod, or one of its containers by name or image repository. */
function agentNamed(view: EventView, names: readonly string[]): boolean {
  if (hasNameWord(view.name, names)) return true;
  const status = asObject((view.object ?? patchedFields(view.patch))?.status);
  return status !== undefined && containerStatuses(status).some((c) => isAgentContainer(c, names));
}

function isAgentContainer(container: JsonObject, names: readonly string[]): boolean {
  const image = asString(container.image) ?? '';
  const repository = image.replace(/[@:][^/]*$/, '');
  return hasNameWord(asString(container.name) ?? '', names) || hasNameWord(repository.slice(repository.lastIndexOf('/') + 1), names);
}

/**
 * The same count as restart.crash-loop (the kubelet's restartCount in pod status), over the agents
 * only, with their own threshold and window: an agent an attacker keeps killing is blind most of
 * the time while crash-looping slowly enough for an ordinary threshold to stay quiet.
 */
export const securityAgentRestartDetector: StatefulDetector = {
  id: 'restart.security-agent-crash-loop',
  title: 'Security agent restarting repeatedly',
  category: 'container-restart',
  severity: 'high',
  severityReasons:
    'who: no actor (the kubelet reports it); what: a security agent that keeps restarting is blind while it is down, the effect of tampering (a killed or crashed agent): high; where: wherever it runs; evidence: counted over a short window, a lower bar than ordinary workloads.',
  description:
    'A runtime security or network-policy agent (settings.securityAgents.names: Falco, the GuardDuty runtime agent, Cilium, Tetragon and the ' +
    'CrowdStrike Falcon sensor by default) restarted settings.securityAgents.threshold times within settings.securityAgents.windowMinutes ' +
    '(2 in 15 minutes by default), a lower bar than ordinary workloads: killing the agent (OOM by a noisy neighbour, a crafted event that crashes ' +
    'its parser, a signal from a privileged container) blinds it for as long as it is down, and a restart or two is all an attacker needs. ' +
    'High wherever it runs. Agents are recognised by pod name, container name or image repository, which their deployers choose.',
  attack: ['T1562.001'],
  controls: ['NSA-CISA-k8s: Logging and threat detection'],
  evidenceLevel: 'Request', // restart counts are in the pods/status body
  falsePositives:
    'Agent upgrades that fail their first start, and agents on nodes short of memory. restart.crash-loop may report the same loop later at its own threshold.',
  remediation:
    "Read the agent's last termination reason and logs (`kubectl logs --previous`), look for what ran on that node while it was down, and check " +
    'who can send it signals or starve it (privileged pods on the node, its resource limits).',
  interest: containerRestartDetector.interest,
  async observe(view: EventView, settings: Settings, state: StateStore): Promise<RuleHit[]> {
    const { names, threshold, windowMinutes } = settings.securityAgents;
    if (view.subresource !== 'status' || view.resource !== 'pods' || !agentNamed(view, names)) return [];
    const podIsAgent = hasNameWord(view.name, names);
    const hits = await containerRestartDetector.observe(view, { ...settings, restarts: { threshold, windowMinutes } }, prefixed(state, 'security-agent/'));
    return hits
      .filter((hit) => {
        const container = asObject(hit.evidence)?.container;
        return podIsAgent || isAgentContainer({ name: container, image: asObject(hit.evidence)?.image }, names);
      })
      .map((hit) => ({ ...hit, severity: 'high', summary: `security agent ${hit.summary}` }));
  },
};

export const containerRestartRules: readonly StatefulDetector[] = [containerRestartDetector, securityAgentRestartDetector];
