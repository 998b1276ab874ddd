import type { Rule } from '../detect/rule';
import { TEMPLATE_WRITES, isWorkloadWrite, persistentWorkloadHit } from './support/pod-templates';
import { rateEvent } from '../detect/rubric';

/*
 * daemonset: code kept running on every node. A benign DaemonSet written by a person is worth a
 * line; severity grows with what its template does and where it runs (support/pod-templates.ts).
 * ATT&CK v16 technique ids.
 */

const daemonSet: Rule = {
  id: 'daemonset.created-or-changed',
  title: 'DaemonSet created or its pod template changed',
  category: 'daemonset',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (the platform is the baseline); what: a DaemonSet runs code on every node (persistence): never below medium when created; raised for privileged or host-mounting templates, system namespaces and tolerating every taint; evidence: the template needs the body; anonymous: critical.',
  description:
    'A DaemonSet was created, or its pod template replaced or patched, by someone other than the platform. A DaemonSet runs a pod on every ' +
    'node, including nodes added later, and is recreated when deleted pod by pod: the classic way to keep an implant on the whole cluster. ' +
    'A plain one written by a person is low; the finding rises when the template is privileged or mounts the host, runs in a system ' +
    'namespace, tolerates every taint (so it also lands on control-plane nodes), or runs a shell that downloads code, and becomes critical ' +
    'when several of these come together. When the audit level did not log the template, the finding says so instead of passing it as clean.',
  attack: ['T1543.005', 'T1610', 'T1611'],
  controls: ['CIS-5.2.2', 'CIS-5.2.12', 'CIS-5.7.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // creations by people and service accounts are seen at Metadata, but what the template does and template changes by service accounts need the body
  falsePositives:
    'Installing or upgrading node agents (CNI, CSI, logging, monitoring, security agents). Except the deploying identity and the namespace ' +
    'the agent lives in, with a reason and an expiry.',
  remediation:
    'Confirm the change with its owner; if unexpected, delete the DaemonSet, and on every node it ran look for what its pods touched through ' +
    'their host mounts. Restrict DaemonSet writes to the deployment pipeline.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: ['daemonsets'] }],
  evaluate(view) {
    if (!isWorkloadWrite(view, ['daemonsets'])) return undefined;
    return persistentWorkloadHit(view, {
      reach: 'runs on every node',
      createdByHuman: rateEvent(view, 'persistence', 'low'),
      createdByServiceAccount: rateEvent(view, 'persistence', 'low'),
      changedByHuman: 'info',
      toleratesAll: 'medium',
    });
  },
};

export const daemonsetRules: readonly Rule[] = [daemonSet];
