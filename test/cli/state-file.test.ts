import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lambdas/cli/main';
import type { Finding } from '../../lambdas/core/finding';
import { execViaGet } from '../helpers/events';
import { jsonLines } from '../helpers/shipping';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') });
  return { code, out, err };
}

/** A person's exec into db/postgres-0 on day `n` of November 2026. */
const execOn = (n: number) => {
  const time = new Date(Date.UTC(2026, 10, 1 + n, 10)).toISOString();
  return { ...execViaGet(), requestReceivedTimestamp: time, stageTimestamp: time };
};

describe('scan --state: what the detectors learn is kept between runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const execs = (output: string): Finding[] => (JSON.parse(output) as { findings: Finding[] }).findings.filter((x) => x.ruleId === 'exec.pod-exec');

  it('seeds a baseline from earlier logs, so the same routine in a later scan is low', async () => {
    const state = join(dir, 'baseline', 'state.json'); // its directory is created
    const earlier = join(dir, 'earlier.jsonl');
    const today = join(dir, 'today.jsonl');
    writeFileSync(earlier, jsonLines([1, 2, 3, 4, 5].map(execOn)));
    writeFileSync(today, jsonLines([execOn(6)]));

    const seed = await run('scan', earlier, '--state', state, '-q', '--format', 'json');
    expect(seed.code).toBe(0);
    expect((JSON.parse(readFileSync(state, 'utf8')) as { kind: string }).kind).toBe('k8s-audit-analyzer/detector-state@1');

    const withState = execs((await run('scan', today, '--state', state, '-q', '--format', 'json')).out);
    expect(withState.map((f) => [f.severity, (f.evidence.baseline as { history: string }).history])).toEqual([['low', 'routine']]);
    // Without the state file the same log is judged as the rule judges it.
    const without = execs((await run('scan', today, '-q', '--format', 'json')).out);
    expect(without.map((f) => f.severity)).toEqual(['medium']);
  });

  it('refuses a file that is not a state file, naming it, before reading any input', async () => {
    const notState = join(dir, 'other.json');
    writeFileSync(notState, JSON.stringify({ kind: 'something else' }));
    const { code, err } = await run('scan', join(dir, 'missing-input'), '--state', notState);
    expect(code).toBe(2);
    expect(err).toContain(`${notState} is not a detector state file`);
    writeFileSync(notState, '{ broken');
    expect((await run('scan', join(dir, 'missing-input'), '--state', notState)).err).toMatch(/is not JSON/);
  });
});
