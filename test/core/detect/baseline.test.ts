import { Baseline } from '../../../lambdas/core/detect/baseline';
import type { Action } from '../../../lambdas/core/detect/baseline';
import { DEFAULT_CONFIG, DetectionEngine } from '../../../lambdas/core/detect/engine';
import { MemoryStateStore } from '../../../lambdas/core/detect/state-store';
import { rateHistory } from '../../../lambdas/core/detect/rubric';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import type { Settings } from '../../../lambdas/core/config/settings';
import type { Finding } from '../../../lambdas/core/finding';
import { EVENT_RULES } from '../../../lambdas/core/rules';
import { clusterAdminBinding, execViaGet } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';

const SETTINGS = DEFAULT_SETTINGS.baseline; // 14 days, routine from 4
const action: Action = { cluster: 'prod', ruleId: 'exec.pod-exec', actor: 'alice', verb: 'get', resource: '/pods/exec', namespace: 'db' };
const day = (n: number, hour = 10): string => new Date(Date.UTC(2026, 10, 1 + n, hour)).toISOString();

describe('Baseline', () => {
  it('learns for a full window before it calls anything new (cold start)', async () => {
    const baseline = new Baseline(new MemoryStateStore(), SETTINGS);
    const first = await baseline.observe(action, day(0));
    expect(first).toMatchObject({ history: 'learning', priorDays: 0 });
    expect(first?.note).toContain('0 of 14 days');
    // Another identity's first action on day 13: still learning (13 days held).
    expect((await baseline.observe({ ...action, actor: 'bob' }, day(13)))?.history).toBe('learning');
    // On day 14 the cluster has a full window behind it: bob's first exec into another namespace is new.
    expect(await baseline.observe({ ...action, actor: 'bob', namespace: 'payments' }, day(14))).toMatchObject({ history: 'new', priorDays: 0 });
  });

  it('calls an action seen on fewer earlier days "seen", and on routineDays or more "routine"', async () => {
    const baseline = new Baseline(new MemoryStateStore(), SETTINGS);
    const verdicts: string[] = [];
    for (const n of [0, 1, 2, 3, 4]) verdicts.push((await baseline.observe(action, day(n)))!.history);
    expect(verdicts).toEqual(['learning', 'seen', 'seen', 'seen', 'routine']);
    // Several events on the same day count as one day, and all get the same verdict.
    expect((await baseline.observe(action, day(4, 18)))?.priorDays).toBe(4);
  });

  it('forgets days older than the window: a month-old habit is new again', async () => {
    const baseline = new Baseline(new MemoryStateStore(), SETTINGS);
    await baseline.observe({ ...action, actor: 'warm-up' }, day(0)); // the cluster's baseline starts here
    for (const n of [1, 2, 3, 4, 5]) await baseline.observe(action, day(n));
    expect((await baseline.observe(action, day(19)))?.history).toBe('seen'); // days 5 is within 14 days of 19
    expect((await baseline.observe(action, day(40)))?.history).toBe('new');
  });

  it('gives a redelivered day the same verdict, and learns older days read after newer ones', async () => {
    const baseline = new Baseline(new MemoryStateStore(), SETTINGS);
    await baseline.observe({ ...action, actor: 'warm-up' }, day(0));
    const first = await baseline.observe(action, day(20));
    expect(first?.history).toBe('new');
    expect(await baseline.observe(action, day(20, 23))).toEqual(first);
    for (const n of [16, 17, 18, 19]) await baseline.observe(action, day(n)); // a backfill of the days before
    expect((await baseline.observe(action, day(21)))?.history).toBe('routine');
  });

  it('keys on every part of the action: another verb, namespace, rule or identity is another action', async () => {
    const baseline = new Baseline(new MemoryStateStore(), SETTINGS);
    for (const n of [0, 1, 2, 3]) await baseline.observe(action, day(n));
    expect((await baseline.observe(action, day(4)))?.history).toBe('routine');
    for (const other of [
      { verb: 'create' },
      { namespace: 'kube-system' },
      { ruleId: 'secret.read' },
      { actor: 'alice as system:admin' },
      { cluster: 'staging' },
    ]) {
      expect((await baseline.observe({ ...action, ...other }, day(4)))?.history).not.toBe('routine');
    }
  });

  it('ignores sightings before resetBefore (a reset that deletes nothing), and learns again from then', async () => {
    const store = new MemoryStateStore();
    const before = new Baseline(store, SETTINGS);
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) await before.observe(action, day(n));
    const reset = new Baseline(store, { ...SETTINGS, resetBefore: day(10).slice(0, 10) });
    expect(await reset.observe(action, day(9))).toBeUndefined();
    expect(await reset.observe(action, day(11))).toMatchObject({ history: 'learning', priorDays: 0 });
  });

  it('says nothing when switched off or when the time cannot be read', async () => {
    const store = new MemoryStateStore();
    expect(await new Baseline(store, { ...SETTINGS, enabled: false }).observe(action, day(0))).toBeUndefined();
    expect(await new Baseline(store, SETTINGS).observe(action, 'yesterday')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('keeps attacker-chosen names out of the keys: one digest per action, however long the name', async () => {
    const keys: string[] = [];
    const store = new MemoryStateStore();
    const spy = { update: <T>(key: string, change: (c: T | undefined) => T, ttl: number) => (keys.push(key), store.update(key, change, ttl)) };
    await new Baseline(spy, SETTINGS).observe({ ...action, actor: 'x'.repeat(100_000), namespace: 'a/b#c' }, day(0));
    expect(keys.every((k) => k.length < 300 && !k.includes('xxxx'))).toBe(true);
  });
});

describe('rateHistory (the rubric with the baseline)', () => {
  it('raises a new write one step, not a new read', () => {
    expect(rateHistory('medium', 'persistence', 'new', true)).toBe('high');
    expect(rateHistory('critical', 'takeover', 'new', true)).toBe('critical');
    expect(rateHistory('low', 'access', 'new', false)).toBe('low');
    expect(rateHistory('low', 'change', 'new', true)).toBe('low'); // a first edit that grants nothing is not news
  });
  it('keeps routine work low, and a routine takeover at medium or above', () => {
    expect(rateHistory('high', 'persistence', 'routine', true)).toBe('low');
    expect(rateHistory('medium', 'access', 'routine', false)).toBe('low');
    expect(rateHistory('info', 'access', 'routine', false)).toBe('info');
    expect(rateHistory('high', 'takeover', 'routine', true)).toBe('medium');
    expect(rateHistory('critical', 'takeover', 'routine', true)).toBe('high');
    expect(rateHistory('medium', 'takeover', 'routine', true)).toBe('medium');
  });
  it('leaves learning and seen as rated', () => {
    expect(rateHistory('medium', 'persistence', 'learning', true)).toBe('medium');
    expect(rateHistory('high', 'persistence', 'seen', true)).toBe('high');
  });
});

describe('the engine with a baseline', () => {
  const at = (n: number, event: Ev): Ev => ({ ...event, requestReceivedTimestamp: day(n), stageTimestamp: day(n) });
  const settings = (baseline: Partial<Settings['baseline']> = {}): Settings => ({ ...DEFAULT_SETTINGS, baseline: { ...SETTINGS, ...baseline } });

  async function findings(events: Ev[], engine: DetectionEngine): Promise<Finding[]> {
    const out: Finding[] = [];
    for (const event of events) out.push(...(await engine.analyze({ event, cluster: 'prod', offset: 0, line: 1 } as never)));
    return out;
  }
  const engineWith = (store = new MemoryStateStore(), baseline?: Partial<Settings['baseline']>): DetectionEngine =>
    new DetectionEngine(EVENT_RULES, { ...DEFAULT_CONFIG, settings: settings(baseline) }, store);

  it("demotes a person's routine exec to low and says why in the evidence", async () => {
    const engine = engineWith();
    const history = await findings(
      [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => at(n, execViaGet())),
      engine,
    );
    const last = history.filter((f) => f.ruleId === 'exec.pod-exec').at(-1)!;
    expect(last.severity).toBe('low');
    expect(last.evidence.baseline).toMatchObject({ history: 'routine', priorDays: 8, severityBefore: 'medium' });
    // The first days, before it was routine, were rated as the rule rated them.
    expect(history.find((f) => f.ruleId === 'exec.pod-exec')?.severity).toBe('medium');
  });

  it("raises a person's first exec into kube-system once the cluster's baseline is warm; another application namespace is their routine", async () => {
    const engine = engineWith();
    await findings(
      [0, 2, 4, 6, 8, 10, 12, 14].map((n) => at(n, execViaGet())),
      engine,
    ); // into db/postgres-0, every other day
    const into = (namespace: string): Ev => {
      const event = execViaGet();
      event.objectRef = { ...(event.objectRef as object), namespace };
      return at(15, event);
    };
    const [system] = (await findings([into('kube-system')], engine)).filter((f) => f.ruleId === 'exec.pod-exec');
    expect(system.severity).toBe('critical'); // high for a person in kube-system, one step up the first time
    expect(system.summary).toMatch(/first time by this identity in 14 days/);
    expect(system.evidence.baseline).toMatchObject({ history: 'new', severityBefore: 'high' });
    const [app] = (await findings([into('payments')], engine)).filter((f) => f.ruleId === 'exec.pod-exec');
    expect(app.evidence.baseline).toMatchObject({ history: 'routine', priorDays: 7 });
    expect(app.severity).toBe('low');
  });

  it('keeps a routine cluster-admin binding alerting (a takeover never drops below medium)', async () => {
    const engine = engineWith();
    const out = await findings(
      [0, 1, 2, 3, 4, 5].map((n) => at(n, clusterAdminBinding())),
      engine,
    );
    const last = out.filter((f) => f.ruleId === 'rbac.privileged-role-bound').at(-1)!;
    expect(last.evidence.baseline).toMatchObject({ history: 'routine' });
    expect(['medium', 'high', 'critical']).toContain(last.severity);
  });

  it('raises the finding as the rule rated it when the state store fails, and says the baseline was not read', async () => {
    const failing = { update: () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })) };
    const engine = new DetectionEngine(EVENT_RULES, { ...DEFAULT_CONFIG, settings: settings() }, failing);
    const [exec] = (await findings([at(3, execViaGet())], engine)).filter((f) => f.ruleId === 'exec.pod-exec');
    expect(exec.severity).toBe('medium');
    expect(exec.evidence.baseline).toEqual({ history: 'unavailable', note: 'the baseline could not be read (ThrottlingException); rated without it' });
  });

  it('learns nothing and changes nothing when switched off', async () => {
    const store = new MemoryStateStore();
    const out = await findings(
      [0, 1, 2, 3, 4, 5].map((n) => at(n, execViaGet())),
      engineWith(store, { enabled: false }),
    );
    expect(out.filter((f) => f.ruleId === 'exec.pod-exec').map((f) => f.severity)).toEqual(Array(6).fill('medium'));
    expect(out.every((f) => f.evidence.baseline === undefined)).toBe(true);
    expect(store.size).toBe(0);
  });

  it('gives a finding the same fingerprint whatever the baseline said', async () => {
    const event = at(9, execViaGet());
    const cold = (await findings([event], engineWith())).find((f) => f.ruleId === 'exec.pod-exec')!;
    const warm = engineWith();
    await findings(
      [1, 2, 3, 4, 5].map((n) => at(n, execViaGet())),
      warm,
    );
    const routine = (await findings([event], warm)).find((f) => f.ruleId === 'exec.pod-exec')!;
    expect(routine.severity).not.toBe(cold.severity);
    expect(routine.fingerprint).toBe(cold.fingerprint);
  });
});
