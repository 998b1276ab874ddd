import type { AlertMessage } from '../../../lambdas/core/alert/sns-message';
import { MemoryStateStore } from '../../../lambdas/core/detect/state-store';
import type { Finding } from '../../../lambdas/core/finding';
import { StateIncidentStore } from '../../../lambdas/core/incident/incident-store';
import { principalOf } from '../../../lambdas/core/incident/principal';
import type { QuietSweepDeps } from '../../../lambdas/core/incident/quiet-sweep';
import { sweepQuietIncidents } from '../../../lambdas/core/incident/quiet-sweep';
import { raiseIncidents } from '../../../lambdas/core/pipeline/raise-incidents';
import { binding, finding, token } from './build';

const at = (iso: string): number => Date.parse(iso);

/** A store and a publisher over a clock the test moves; `raise` records and alerts as the analyzer does. */
function world(options: { summary?: boolean } = {}) {
  let now = at('2026-11-20T09:00:00Z');
  const clock = (): number => now;
  const store = new StateIncidentStore(new MemoryStateStore(clock), undefined, clock);
  const sent: AlertMessage[] = [];
  let failing = false;
  const publisher = {
    publish: (m: AlertMessage): Promise<void> => (failing ? Promise.reject(new Error('SNS is down')) : Promise.resolve(void sent.push(m))),
  };
  const links = { rulesDocUrl: 'docs/rules.md' };
  const raise = (findings: Finding[]) =>
    raiseIncidents(findings, 's3://audit/a.gz', { incidents: { store, windowMinutes: 60, links }, publisher, minAlertSeverity: 'medium' });
  const deps: QuietSweepDeps = { incidents: store, publisher, links, summary: options.summary ?? true, now: clock };
  const bodies = () =>
    sent.map(
      (m) =>
        JSON.parse((JSON.parse(m.Message) as { lambda: string }).lambda) as {
          alert: string;
          told: Array<{ ruleId: string }>;
          recap?: Array<{ ruleId: string }>;
        },
    );
  const kinds = (): string[] => bodies().map((b) => b.alert);
  return {
    store,
    raise,
    sweep: (more: Partial<QuietSweepDeps> = {}) => sweepQuietIncidents({ ...deps, ...more }),
    setNow: (iso: string, plusMs = 0) => void (now = at(iso) + plusMs),
    fail: (on: boolean) => void (failing = on),
    kinds,
    bodies,
  };
}

describe('the quiet sweep', () => {
  it('ends an incident exactly once it is idle past its window plus the grace, with a summary of every group', async () => {
    const w = world();
    await w.raise([binding('2026-11-20T09:00:00Z'), token('2026-11-20T09:00:05Z')]);
    w.setNow('2026-11-20T10:15:05Z'); // last finding + 60 min + 15 min grace, exactly
    expect((await w.sweep()).quiet).toHaveLength(0);
    w.setNow('2026-11-20T10:15:05Z', 1);
    const swept = await w.sweep();
    expect(swept.quiet.map((i) => [i.state, i.ended?.how])).toEqual([['quiet', 'quiet']]);
    expect(swept.summaries).toBe(1);
    expect(w.kinds()).toEqual(['opened', 'quiet']);
    // A summary recaps every group in one line each; it does not repeat the cards.
    expect(w.bodies()[1].recap?.map((g) => g.ruleId)).toEqual(['service-account.token-request', 'rbac.privileged-role-bound']);
    expect((await w.store.openIncidents()).entries).toHaveLength(0);
    // Ended: the next sweep finds nothing and tells nothing again.
    expect(await w.sweep()).toMatchObject({ quiet: [], summaries: 0 });
    expect(w.kinds()).toEqual(['opened', 'quiet']);
  });

  it('waits for a finding that joined after the incident was listed', async () => {
    const w = world();
    await w.raise([binding('2026-11-20T09:00:00Z')]);
    await w.raise([token('2026-11-20T09:50:00Z')]);
    w.setNow('2026-11-20T10:20:00Z');
    expect(await w.sweep()).toMatchObject({ quiet: [], active: 1, summaries: 0 });
    // Not read again until the later finding could be idle.
    w.setNow('2026-11-20T10:30:00Z');
    expect(await w.sweep()).toMatchObject({ quiet: [], active: 0 });
    w.setNow('2026-11-20T11:05:00Z', 1);
    expect((await w.sweep()).quiet).toHaveLength(1);
  });

  it('sends no summary when switched off, nor for an incident nobody was told about', async () => {
    const off = world({ summary: false });
    await off.raise([binding('2026-11-20T09:00:00Z')]);
    off.setNow('2026-11-20T12:00:00Z');
    expect(await off.sweep()).toMatchObject({ summaries: 0 });
    expect(off.kinds()).toEqual(['opened']);

    const untold = world();
    await untold.raise([finding({ time: '2026-11-20T09:00:00Z', severity: 'low' })]); // below the alert minimum
    untold.setNow('2026-11-20T12:00:00Z');
    const swept = await untold.sweep();
    expect(swept.quiet).toHaveLength(1);
    expect(untold.kinds()).toEqual([]);
  });

  it('keeps the incident open when the summary cannot be published, and sends it on the next sweep', async () => {
    const w = world();
    await w.raise([binding('2026-11-20T09:00:00Z')]);
    w.setNow('2026-11-20T12:00:00Z');
    w.fail(true);
    const failed = await w.sweep();
    expect(failed.failed.map((f) => f.error.message)).toEqual(['SNS is down']);
    expect(failed.quiet).toHaveLength(0);
    const [entry] = (await w.store.openIncidents()).entries;
    expect((await w.store.incidentOf(entry))?.state).toBe('open');
    w.fail(false);
    w.setNow('2026-11-20T12:05:00Z');
    expect(await w.sweep()).toMatchObject({ summaries: 1, failed: [] });
    expect(w.kinds()).toEqual(['opened', 'quiet']);
  });

  it('opens a new incident for the next finding after quiet, and sweeps it in its turn', async () => {
    const w = world();
    const first = await w.raise([binding('2026-11-20T09:00:00Z')]);
    expect(first.opened).toBe(1);
    w.setNow('2026-11-20T10:20:00Z');
    const [quiet] = (await w.sweep()).quiet;
    // Within the window of the quiet incident's last finding, still a new incident: quiet ended it.
    w.setNow('2026-11-20T10:21:00Z');
    await w.raise([token('2026-11-20T09:30:00Z')]);
    expect(w.kinds()).toEqual(['opened', 'quiet', 'opened']);
    const [entry] = (await w.store.openIncidents()).entries;
    expect(entry.id).not.toBe(quiet.id);
    expect((await w.store.incidentOf(entry))?.groups.map((g) => g.ruleId)).toEqual(['service-account.token-request']);
  });

  it('does a bounded amount of work a run and leaves the rest for the next', async () => {
    const w = world();
    for (const name of ['ana', 'ben', 'cy']) {
      const f = binding('2026-11-20T09:00:00Z');
      f.actor = { ...f.actor, username: `arn:aws:iam::123456789012:user/${name}` };
      await w.raise([f]);
    }
    w.setNow('2026-11-20T12:00:00Z');
    expect(await w.sweep({ limit: 2 })).toMatchObject({ deferred: 1 });
    expect((await w.sweep({ limit: 2 })).quiet).toHaveLength(1);
    expect((await w.store.openIncidents()).entries).toHaveLength(0);
  });

  it('never ends an incident that a person closed, nor reopens it', async () => {
    const w = world();
    await w.raise([binding('2026-11-20T09:00:00Z')]);
    const [entry] = (await w.store.openIncidents()).entries;
    w.setNow('2026-11-20T09:10:00Z');
    const closed = await w.store.end(entry, { how: 'closed', now: at('2026-11-20T09:10:00Z'), by: 'carla', reason: 'rotated the key' });
    expect(closed).toMatchObject({ outcome: 'ended', incident: { state: 'closed', ended: { how: 'closed', by: 'carla', reason: 'rotated the key' } } });
    // A finding inside the closed incident's window opens a new one.
    const principal = principalOf(binding('2026-11-20T09:00:00Z'));
    const next = await w.store.record('prod-eu', principal, [token('2026-11-20T09:05:00Z')], 'b.gz', 60);
    expect(next.opened).toBe(true);
    expect(next.incident.id).not.toBe(entry.id);
    expect(await w.store.end(entry, { how: 'closed', now: at('2026-11-20T09:11:00Z'), by: 'carla' })).toMatchObject({ outcome: 'not-open' });
  });
});
