import type { Settings } from '../config/settings';
import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import type { RuleHit } from '../detect/rule';
import type { StatefulDetector } from '../detect/stateful';
import type { StateStore } from '../detect/state-store';
import { SYSTEM_NAMESPACES } from '../detect/identity';
import { patchedFields } from '../k8s/patch';

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
  severity: 'high',
  severityReasons:
    'who: no actor (the kubelet reports it); what: a container restarting often is a symptom (crash, OOM, a killed agent), not a change: medium; where: high in system namespaces, where security and platform agents run; evidence: counted over a window.',
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
        severity: SYSTEM_NAMESPACES.has(view.namespace) ? 'high' : 'medium',
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

export const containerRestartRules: readonly StatefulDetector[] = [containerRestartDetector];
