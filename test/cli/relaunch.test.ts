/**
 * The reading commands start the CLI again with a bounded young generation (Node 24 and later, or
 * when K8S_AUDIT_ANALYZER_SEMI_SPACE_MB asks): what decides it, and that the relaunched CLI is
 * the same CLI to whoever runs it (output, exit codes, standard input, signals).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LaunchContext } from '../../lambdas/cli/relaunch';
import { heapSizingMemory, relaunch, relaunchFlags, SEMI_SPACE_ENV } from '../../lambdas/cli/relaunch';
import { clusterAdminBinding, leaseUpdate } from '../helpers/events';
import { jsonLines } from '../helpers/shipping';

const ROOT = join(__dirname, '..', '..');
/** The default from Node 24 on. */
const DEFAULT_FLAG = '--max-semi-space-size=8';
/** What the shell tests ask for with the environment variable (on any Node, so on CI's too). */
const FLAG = '--max-semi-space-size=4';

describe('relaunchFlags', () => {
  const GIB = 1024 ** 3;
  const context = (over: Partial<LaunchContext> = {}): LaunchContext => ({
    nodeVersion: '24.1.0',
    argv: ['scan', 'logs/'],
    execArgv: [],
    env: {},
    memoryBytes: 16 * GIB,
    ...over,
  });

  it('bounds the reading commands from Node 24 on, not before', () => {
    expect(relaunchFlags(context())).toEqual([DEFAULT_FLAG]);
    expect(relaunchFlags(context({ nodeVersion: '25.0.0', argv: ['stats', 'x'] }))).toEqual([DEFAULT_FLAG]);
    expect(relaunchFlags(context({ argv: ['report', '--from', '7d', 'x'] }))).toEqual([DEFAULT_FLAG]);
    expect(relaunchFlags(context({ nodeVersion: '22.23.5' }))).toBeUndefined();
    expect(relaunchFlags(context({ nodeVersion: '20.19.0' }))).toBeUndefined();
  });

  it('bounds it on any Node that sizes its heap from 512 MiB or less (a container), where V8 keeps a 2 MiB young generation', () => {
    expect(relaunchFlags(context({ nodeVersion: '20.19.0', memoryBytes: 512 * 1024 ** 2 }))).toEqual([DEFAULT_FLAG]);
    expect(relaunchFlags(context({ nodeVersion: '22.23.5', memoryBytes: 256 * 1024 ** 2 }))).toEqual([DEFAULT_FLAG]);
    expect(relaunchFlags(context({ nodeVersion: '20.19.0', memoryBytes: GIB }))).toBeUndefined();
    expect(relaunchFlags(context({ nodeVersion: '20.19.0', memoryBytes: 256 * 1024 ** 2, argv: ['rules'] }))).toBeUndefined();
  });

  it('takes the memory V8 sizes from as Node does: a cgroup limit when it is below the total', () => {
    expect(heapSizingMemory(16 * GIB, 512 * 1024 ** 2)).toBe(512 * 1024 ** 2);
    expect(heapSizingMemory(16 * GIB, 2 ** 64)).toBe(16 * GIB); // no limit: Node reports the largest value
    expect(heapSizingMemory(16 * GIB, undefined)).toBe(16 * GIB);
    expect(heapSizingMemory(16 * GIB, 0)).toBe(16 * GIB);
  });

  it('leaves the other commands, help, a flag the user gave and the relaunched process alone', () => {
    for (const argv of [['rules'], ['backfill', 's3://b/p'], ['incidents', 'list'], [], ['scan', '--help'], ['stats', '-h']])
      expect(relaunchFlags(context({ argv }))).toBeUndefined();
    expect(relaunchFlags(context({ execArgv: ['--max-semi-space-size=16'] }))).toBeUndefined();
    expect(relaunchFlags(context({ execArgv: ['--max-semi-space-size', '16'] }))).toBeUndefined();
    expect(relaunchFlags(context({ env: { NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=2' } }))).toBeUndefined();
    expect(relaunchFlags(context({ env: { NODE_OPTIONS: '--enable-source-maps' } }))).toEqual([DEFAULT_FLAG]);
    expect(relaunchFlags(context({ env: { K8S_AUDIT_ANALYZER_RELAUNCHED: DEFAULT_FLAG } }))).toBeUndefined();
  });

  it(`${SEMI_SPACE_ENV} sets the size on any Node, or turns the relaunch off`, () => {
    expect(relaunchFlags(context({ nodeVersion: '20.19.0', env: { [SEMI_SPACE_ENV]: '8' } }))).toEqual(['--max-semi-space-size=8']);
    expect(relaunchFlags(context({ env: { [SEMI_SPACE_ENV]: ' 16 ' } }))).toEqual(['--max-semi-space-size=16']);
    expect(relaunchFlags(context({ env: { [SEMI_SPACE_ENV]: '0' } }))).toBeUndefined();
    expect(relaunchFlags(context({ env: { [SEMI_SPACE_ENV]: 'OFF' } }))).toBeUndefined();
    expect(relaunchFlags(context({ env: { [SEMI_SPACE_ENV]: '' } }))).toEqual([DEFAULT_FLAG]);
    for (const bad of ['-1', '4.5', '4MB', '2048', 'lots'])
      expect(() => relaunchFlags(context({ env: { [SEMI_SPACE_ENV]: bad } }))).toThrow(`${SEMI_SPACE_ENV} must be a size in MiB from 1 to 1024`);
  });
});

describe('relaunch when the child cannot be started', () => {
  it.each([
    ['spawn reports an error', () => fakeChildFailing('EAGAIN')],
    [
      'spawn throws',
      (): ChildProcess => {
        throw Object.assign(new Error('spawn failed'), { code: 'ENOMEM' });
      },
    ],
  ])('%s: the command runs in this process, and says so', async (_name, spawnImpl) => {
    const warned: string[] = [];
    const ranHere = new Promise<void>((resolve) => relaunch([FLAG], { spawn: spawnImpl, runHere: resolve, warn: (line) => warned.push(line) }));
    await ranHere;
    expect(warned).toEqual([expect.stringMatching(/^note: could not start the CLI with --max-semi-space-size=4 \((EAGAIN|ENOMEM)\); running in this process/)]);
    expect(process.listenerCount('SIGTERM')).toBe(0); // no relay left behind
  });
});

/** A child process that fails to start, as Node reports it: 'error' on a later tick, no 'spawn'. */
function fakeChildFailing(code: string): ChildProcess {
  const child = new EventEmitter() as ChildProcess;
  process.nextTick(() => child.emit('error', Object.assign(new Error(`spawn ${code}`), { code })));
  return child;
}

describe('the relaunched CLI, as a shell sees it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaunch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const probe = join(dir, 'probe.js');
  // Every Node process the CLI starts records its pid, its parent and its Node flags.
  writeFileSync(probe, "require('fs').appendFileSync(process.env.PROBE_FILE, JSON.stringify([process.pid, process.ppid, process.execArgv]) + '\\n');\n");
  let probes = 0;

  /** The CLI in fresh processes, as `npm start` runs it but from the TypeScript source. */
  function cli(argv: string[], semiSpace: string, input?: string | Buffer) {
    const probeFile = join(dir, `probe-${probes++}.jsonl`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/k8s-audit-analyzer.ts', ...argv], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, [SEMI_SPACE_ENV]: semiSpace, PROBE_FILE: probeFile, NODE_OPTIONS: `--require ${probe}` },
      ...(input !== undefined ? { input } : {}),
    });
    return { ...result, processes: processesIn(probeFile) };
  }

  it('writes the same output and exits with the same code as the CLI run in one process', () => {
    const argv = ['scan', 'samples', '--format', 'json', '-q', '--fail-on', 'critical'];
    const here = cli(argv, '0');
    const relaunched = cli(argv, '4');
    expect(here.status).toBe(1);
    expect(relaunched.status).toBe(1);
    expect(relaunched.stderr).toBe(here.stderr);
    // The samples' objects are read at once, so findings of different objects interleave in either order.
    const findings = (out: string) =>
      (JSON.parse(out) as { findings: Array<{ fingerprint: string }> }).findings.sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    expect(findings(relaunched.stdout)).toEqual(findings(here.stdout));
    expect(findings(here.stdout).length).toBeGreaterThan(30);
    // One process here; there, a parent without the flag and its child with it.
    expect(here.processes.map((p) => p.execArgv.includes(FLAG))).toEqual([false]);
    expect(relaunched.processes).toHaveLength(2);
    const [parent, child] = relaunched.processes;
    expect(child?.ppid).toBe(parent?.pid);
    expect(parent?.execArgv).not.toContain(FLAG);
    expect(child?.execArgv).toContain(FLAG);
    expect(child?.execArgv).toContain('tsx'); // the parent's own Node flags are kept
  });

  it('passes standard input on, and a usage error keeps its exit code', () => {
    const log = jsonLines([leaseUpdate(), { ...clusterAdminBinding(), stageTimestamp: '2026-11-20T10:00:00Z' }]);
    const fromStdin = cli(['scan', '-', '--format', 'ndjson', '-q'], '4', log);
    expect(fromStdin.status).toBe(0);
    expect(fromStdin.stdout).toMatch(/"ruleId":"rbac\.privileged-role-bound"/);
    expect(fromStdin.processes).toHaveLength(2);
    const usage = cli(['scan', 'samples', '--min-severity', 'loud'], '4');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--min-severity/);
  });

  it(`says an unusable ${SEMI_SPACE_ENV} and runs nothing`, () => {
    const bad = cli(['scan', 'samples'], '4MB');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`error: ${SEMI_SPACE_ENV} must be a size in MiB from 1 to 1024, or 0 (or off) to run in this process; got '4MB'\n`);
    expect(bad.stdout).toBe('');
  });

  it('passes a signal sent to the parent on, and ends by it, leaving no child behind', async () => {
    const probeFile = join(dir, 'probe-signal.jsonl');
    // `scan -` waits for standard input, which this test keeps open.
    const parent = spawn(process.execPath, ['--import', 'tsx', 'bin/k8s-audit-analyzer.ts', 'scan', '-', '-q'], {
      cwd: ROOT,
      env: { ...process.env, [SEMI_SPACE_ENV]: '4', PROBE_FILE: probeFile, NODE_OPTIONS: `--require ${probe}` },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      parent.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let processes = processesIn(probeFile);
    for (let waited = 0; processes.length < 2 && waited < 30_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      processes = processesIn(probeFile);
    }
    const child = processes[1];
    expect(child?.ppid).toBe(parent.pid);
    parent.kill('SIGTERM');
    expect(await ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(alive(child?.pid ?? 0)).toBe(false);
    parent.stdin?.destroy();
  });
});

/** The processes the probe saw, once each (with `--import tsx` it also runs on the loader's thread). */
function processesIn(file: string): Array<{ pid: number; ppid: number; execArgv: string[] }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // not written yet
  }
  const byPid = new Map<number, { pid: number; ppid: number; execArgv: string[] }>();
  for (const line of text.split('\n').filter(Boolean)) {
    const [pid, ppid, execArgv] = JSON.parse(line) as [number, number, string[]];
    if (!byPid.has(pid)) byPid.set(pid, { pid, ppid, execArgv });
  }
  return [...byPid.values()];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
