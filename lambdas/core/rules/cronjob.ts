import { asObject } from '../detect/event-view';
import type { Rule } from '../detect/rule';
import { TEMPLATE_WRITES, isWorkloadWrite, persistentWorkloadHit } from './support/pod-templates';
import { rateEvent } from '../detect/rubric';

/*
 * cronjob: code run again on a schedule, or to completion, after someone cleans up: CronJobs and
 * the Jobs they (or a person) create. Judged as DaemonSets are (support/pod-templates.ts).
 * ATT&CK v16 technique ids.
 */

const cronJob: Rule = {
  id: 'cronjob.created-or-changed',
  title: 'CronJob created or its job template changed',
  category: 'cronjob',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (the platform is the baseline); what: a CronJob brings code back on a schedule (persistence): never below medium when created; raised for privileged or host-mounting templates, system namespaces, tolerating every taint, or downloading code; evidence: the template needs the body; anonymous: critical.',
  description:
    'A CronJob was created, or its job template replaced or patched, by someone other than the platform. A CronJob brings code back on a ' +
    'schedule however often its pods are cleaned up, which makes it a favourite for persistence and for miners. A plain one written by a ' +
    'person is low; the finding rises when the template is privileged or mounts the host, runs in a system namespace, tolerates every ' +
    'taint, or runs a shell that downloads code. The schedule is part of the evidence.',
  attack: ['T1053.007', 'T1610'],
  controls: ['CIS-5.2.2', 'CIS-5.7.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // creations are seen at Metadata, but what the template does and template changes by service accounts need the body
  falsePositives: 'Backups, reports and maintenance jobs deployed by their owners. Except the deploying identity and namespace.',
  remediation:
    'Check the schedule, image and command with the owner; suspend (`spec.suspend: true`) or delete it if unexpected and look at what its ' +
    'past jobs did. Restrict CronJob writes to the deployment pipeline.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: ['cronjobs'] }],
  evaluate(view) {
    if (!isWorkloadWrite(view, ['cronjobs'])) return undefined;
    return persistentWorkloadHit(view, {
      reach: 'runs on a schedule',
      createdByHuman: rateEvent(view, 'persistence', 'low'),
      createdByServiceAccount: rateEvent(view, 'persistence', 'low'),
      changedByHuman: 'info',
      toleratesAll: 'low',
      extraEvidence: (object) => {
        const spec = asObject(object?.spec);
        return spec?.schedule !== undefined ? { schedule: spec.schedule } : {};
      },
    });
  },
};

const job: Rule = {
  id: 'cronjob.job-created-or-changed',
  title: 'Job with a risky pod template created',
  category: 'cronjob',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: a Job runs to completion and is not persistence: info for a plain one, raised like a CronJob for risky templates or system namespaces; anonymous: critical.',
  description:
    "A Job was created or changed by someone other than the platform (the CronJob controller's own Jobs are baseline). Jobs run to " +
    'completion and are everyday tooling, so a plain one is information only when a person creates it; the finding rises like a ' +
    "CronJob's when the template is privileged, mounts the host, runs in a system namespace or downloads code at start.",
  attack: ['T1053.007', 'T1610'],
  controls: ['CIS-5.2.2', 'CIS-5.7.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // a Job is raised for what its template does
  falsePositives: 'Migrations and maintenance jobs run by their owners or CI. Except the deploying identity and namespace.',
  remediation: 'Check the image and command with the owner; delete the Job if unexpected and look at what its pods did.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: ['jobs'] }],
  evaluate(view) {
    if (!isWorkloadWrite(view, ['jobs'])) return undefined;
    return persistentWorkloadHit(view, { reach: 'runs to completion', createdByHuman: 'info', toleratesAll: 'low' });
  },
};

export const cronjobRules: readonly Rule[] = [cronJob, job];
