import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEMI_SPACE_FLAG } from '../../lambdas/commons/young-generation';
import { rowNodeFlags } from '../../devkit/row-node-flags';

/**
 * The benchmarks are run by people: `--help` must say what each takes, and a wrong flag must be
 * one line and exit 2 before anything is generated or timed (not a stack trace after minutes).
 */
const BENCHES = ['reader', 'analyzer', 'scan-memory', 'startup'];
const run = (bench: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '../../bench', `${bench}.bench.ts`), ...args], { encoding: 'utf8', timeout: 60_000 });

describe.each(BENCHES)('bench/%s.bench.ts', (bench) => {
  it('prints its usage with --help and exits 0', () => {
    const { status, stdout, stderr } = run(bench, ['--help']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run bench/);
    expect(stdout).toContain('--help');
  });

  it('refuses an unknown flag in one line, exit 2', () => {
    const { status, stdout, stderr } = run(bench, ['--no-such-flag']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Unknown option '--no-such-flag'.*\(--help lists the flags\)\n$/);
  });
});

it.each([
  ['reader', ['--runs', 'x'], '--runs must be a whole number of at least 1, not x'],
  ['reader', ['--mix', 'busy'], '--mix must be default, eks-busy or both, not busy'],
  ['reader', ['--row', 'gunzip', '--file', __filename], '--row must be one of gunzip-1m, gunzip-16k, naive,'],
  ['reader', ['--row', 'scan-worker'], '--row needs --file naming an existing file'],
  ['reader', ['--row', 'scan-worker', '--file', '/no/such/file.gz'], '--row needs --file naming an existing file, not /no/such/file.gz'],
  ['analyzer', ['--objects', '0'], '--objects must be a whole number of at least 1, not 0'],
  ['scan-memory', ['--modes', 'keep-json,fast'], '--modes: unknown fast'],
  ['startup', ['--runs=-1'], '--runs must be a whole number of at least 1, not -1'],
  ['startup', ['--runs', '-1'], "Option '--runs' argument is ambiguous."],
])('bench/%s.bench.ts %j: says which value is wrong, exit 2', (bench, args, message) => {
  const { status, stderr } = run(bench, args);
  expect(status).toBe(2);
  expect(stderr).toContain(message);
  expect(stderr.trim().split('\n')).toHaveLength(1);
});

it('npm run bench:analyzer runs the handler with the Node flags the deployed analyzer has', () => {
  const scripts = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts['bench:analyzer']).toBe(`NODE_OPTIONS=${SEMI_SPACE_FLAG} tsx bench/analyzer.bench.ts`);
});

describe("a row's Node flags", () => {
  const GIB = 1024 ** 3;
  const context = (nodeVersion: string, execArgv: string[] = ['--expose-gc'], env: NodeJS.ProcessEnv = {}) => ({
    nodeVersion,
    execArgv,
    env,
    memoryBytes: 16 * GIB,
  });

  it("are the CLI's: under Node 24 its young generation, under Node 20 on a large machine none", () => {
    expect(rowNodeFlags(context('24.22.3'))).toEqual(['--expose-gc', SEMI_SPACE_FLAG]);
    expect(rowNodeFlags(context('20.20.2'))).toEqual(['--expose-gc']);
  });

  it("keep the benchmark's own flags, and a young generation given to it wins", () => {
    expect(rowNodeFlags(context('20.20.2', ['--expose-gc', '--no-maglev']))).toEqual(['--expose-gc', '--no-maglev']);
    expect(rowNodeFlags(context('24.22.3', ['--max-semi-space-size=16']))).toEqual(['--expose-gc', '--max-semi-space-size=16']);
    expect(rowNodeFlags(context('24.22.3', [], { K8S_AUDIT_ANALYZER_SEMI_SPACE_MB: 'off' }))).toEqual(['--expose-gc']);
  });
});
