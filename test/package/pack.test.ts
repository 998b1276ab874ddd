import { execFileSync, spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * The package as a user gets it: `npm pack` (prepack builds), the tarball installed into an empty
 * folder, then its bin and its library used from there, by name, as the README shows. Slow (a
 * build and an install), so one file with generous timeouts; everything happens under os.tmpdir().
 */

const REPO = join(__dirname, '../..');
const SAMPLES = join(REPO, 'samples');
/** Gzip around Firehose records: the library must read it as the CLI does. */
const EKS_SAMPLE = join(SAMPLES, 'eks/prod-eu/2026/11/20/09/audit-firehose-1-2026-11-20-09-00-00.gz');
const NAME = '@k8s-audit/analyzer';
const MINUTES = 60_000;
// A hang guard for the child processes (tsc over the installed declarations is the slowest), not a speed test.
jest.setTimeout(5 * MINUTES);

/**
 * The environment for child npm and node runs: without what `npm test` sets for its own script
 * (the project's prefix and package.json), which would point the install back at this repository.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_config_(local_prefix|global_prefix|prefix)|npm_package_|npm_lifecycle_|INIT_CWD$)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0' };
}

let work: string;
let app: string;
let installed: string;

function run(command: string, args: readonly string[], cwd = app): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** The installed bin, as `npx k8s-audit-analyzer` would run it. */
const cli = (...args: string[]) => run(join(app, 'node_modules/.bin/k8s-audit-analyzer'), args);

function ruleIds(json: string): string[] {
  const { findings } = JSON.parse(json) as { findings: Array<{ ruleId: string }> };
  return [...new Set(findings.map((f) => f.ruleId))].sort();
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'k8s-audit-pack-'));
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error', join(work, tarballs[0])], {
    cwd: app,
    env: cleanEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  installed = join(app, 'node_modules', NAME);
}, 10 * MINUTES);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball, installed into an empty folder', () => {
  it('holds only what runs: the compiled CLI, library and core, no sources, maps, CDK app, handlers or tests', () => {
    const listing = execFileSync('tar', ['-tzf', join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? '')], { encoding: 'utf8' });
    const files = listing.trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/dist/bin/k8s-audit-analyzer.js',
        'package/dist/lambdas/library.js',
        'package/dist/lambdas/library.d.ts',
      ]),
    );
    const unwanted = files.filter(
      (f) =>
        /\.map$|(?<!\.d)\.ts$/.test(f) ||
        /^package\/(lib|test|bench|devkit|scripts|samples|docs|examples)\//.test(f) ||
        /^package\/dist\/(lib|test|bench|devkit|scripts|bin\/app|bin\/multi-account)/.test(f) ||
        /^package\/dist\/lambdas\/(analyzer|reporter|watchdog|slack-notifier|securityhub-forwarder|eventbridge-forwarder)\//.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it('scans the samples with its bin: JSON with the samples findings, exit 0, and 1 with --fail-on', () => {
    const scan = cli('scan', SAMPLES, '--format', 'json', '--quiet');
    expect(scan.stderr).toBe('');
    expect(scan.status).toBe(0);
    const output = JSON.parse(scan.stdout) as { findings: unknown[]; stats: { objects: number; events: number } };
    expect(output.stats.objects).toBeGreaterThanOrEqual(5);
    expect(output.stats.events).toBeGreaterThan(1000);
    expect(output.findings.length).toBeGreaterThan(10);
    expect(ruleIds(scan.stdout)).toEqual(expect.arrayContaining(['rbac.privileged-role-bound', 'exec.pod-exec', 'admission.webhook-configuration-changed']));

    expect(cli('scan', SAMPLES, '--format', 'json', '--quiet', '--fail-on', 'high').status).toBe(1);

    // A reader thread loads its own modules (the samples are too small for `auto` to start one).
    const threaded = cli('scan', SAMPLES, '--format', 'json', '--quiet', '--workers', '1');
    expect(threaded.stderr).toBe('');
    expect(threaded.status).toBe(0);
    const fingerprints = (json: string): string[] =>
      (JSON.parse(json) as { findings: Array<{ fingerprint: string }> }).findings.map((f) => f.fingerprint).sort();
    // Read by a thread, objects may finish in another order: the same findings, not the same sequence.
    expect(fingerprints(threaded.stdout)).toEqual(fingerprints(scan.stdout));
    expect((JSON.parse(threaded.stdout) as typeof output).stats.events).toBe(output.stats.events);
  });

  it('answers --help with the commands', () => {
    const help = cli('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/\bscan\b/);
    expect(help.stdout).toMatch(/\brules\b/);
  });

  it('loads every CLI module it ships: each import resolves to a packed file or a dependency', () => {
    const script = `
      const { readdirSync } = require('node:fs');
      const dir = ${JSON.stringify(join(installed, 'dist/lambdas/cli'))};
      const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
      for (const f of files) require(dir + '/' + f);
      console.log(files.length);`;
    const loaded = run(process.execPath, ['-e', script]);
    expect(loaded.stderr).toBe('');
    expect(Number(loaded.stdout)).toBeGreaterThan(5);
  });

  it('is a library by name from ESM: one sample file scanned gives the rule ids the bin finds in it', () => {
    writeFileSync(
      join(app, 'scan-one.mjs'),
      [
        `import { listFiles, scanObjects, renderSarif, RULES } from '${NAME}';`,
        `const result = await scanObjects(await listFiles([process.argv[2]]));`,
        `JSON.parse(renderSarif(result.table, RULES, { toolVersion: '0.0.0' }));`,
        `console.log(JSON.stringify({ findings: result.findings.map(({ finding }) => finding) }));`,
      ].join('\n'),
    );
    const library = run(process.execPath, ['scan-one.mjs', EKS_SAMPLE]);
    expect(library.stderr).toBe('');
    expect(library.status).toBe(0);
    expect(ruleIds(library.stdout)).toContain('rbac.privileged-role-bound');
    expect(ruleIds(library.stdout)).toEqual(ruleIds(cli('scan', EKS_SAMPLE, '--format', 'json', '--quiet').stdout));
  });

  it('loads no AWS SDK module when the library is required (S3 is the CLI’s)', () => {
    const script = `
      require('${NAME}');
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify({ library: loaded.some((f) => f.endsWith('/dist/lambdas/library.js')), sdk: loaded.filter((f) => f.includes('@aws-sdk') || f.includes('@smithy')) }));`;
    const result = run(process.execPath, ['-e', script]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ library: true, sdk: [] });
  });

  it('type-checks examples/library-scan.ts and every example of README.md and docs/library.md against the installed types, and runs the first', () => {
    copyFileSync(join(REPO, 'examples/library-scan.ts'), join(app, 'library-scan.ts'));
    const snippets = ['README.md', 'docs/library.md'].flatMap((page) => libraryExamples(readFileSync(join(REPO, page), 'utf8')));
    expect(snippets.length).toBeGreaterThanOrEqual(6);
    // As ES modules (.mts): the snippets use top-level await, as a user's script would.
    const files = snippets.map((code, i) => {
      writeFileSync(join(app, `snippet-${i}.mts`), code);
      return `snippet-${i}.mts`;
    });
    // Strict, NodeNext resolution (what reads `exports` and its `types`), and no skipLibCheck: the shipped declarations must hold too.
    const typecheck = run(process.execPath, [
      join(REPO, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--typeRoots',
      join(REPO, 'node_modules/@types'),
      '--types',
      'node',
      'library-scan.ts',
      ...files,
    ]);
    expect(typecheck.stdout + typecheck.stderr).toBe('');
    expect(typecheck.status).toBe(0);

    const example = run(process.execPath, [join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'library-scan.ts', EKS_SAMPLE]);
    expect(example.status).toBe(0);
    const lines = example.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(lines.map(([, ruleId]) => ruleId)).toContain('rbac.privileged-role-bound');
    const ranks = lines.map(([severity]) => ['info', 'low', 'medium', 'high', 'critical'].indexOf(severity));
    expect(ranks).not.toContain(-1);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a)); // most severe first, as the example sorts
    expect(lines.every(([, , source]) => source === EKS_SAMPLE)).toBe(true);
    expect(example.stderr).toMatch(/^1 objects, \d+ events, \d+ findings$/m);
  });
});

/** The TypeScript blocks of a Markdown page that import the package (the library's examples). */
function libraryExamples(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]).filter((code) => code.includes(`from '${NAME}'`));
}
