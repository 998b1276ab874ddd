/**
 * What a command loads: a local scan, the help and the version load no AWS SDK module (about
 * half of the CLI's start-up before this was the SDK). bench/startup.bench.ts times it.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Runs the CLI in a fresh process (`--import tsx`, not tsx/cjs alone: an action's `await
 * import(…)` goes through Node's ESM loader) and says which @aws-sdk modules it loaded.
 */
function awsModulesLoadedBy(argv: string[], env: NodeJS.ProcessEnv = process.env): { code: number; aws: string[] } {
  const script = [
    "const { main } = require('./lambdas/cli/main');",
    "const aws = () => Object.keys(require.cache).filter((k) => k.includes('/@aws-sdk/'));",
    'main(JSON.parse(process.env.ARGV), { out: () => {}, err: () => {} }).then((code) => process.stdout.write(JSON.stringify({ code, aws: aws() })));',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...env, ARGV: JSON.stringify(argv) },
  });
  return JSON.parse(out) as { code: number; aws: string[] };
}

describe('lazy loading', () => {
  it.each([
    ['a local scan', ['scan', 'samples/self-managed/kube-apiserver-audit.log', '--format', 'json', '-q'], 0],
    ['--help', ['--help'], 0],
    ['--version', ['--version'], 0],
    ['scan --help', ['scan', '--help'], 0],
    ['rules', ['rules'], 0],
    ['stats', ['stats', 'samples/self-managed/kube-apiserver-audit.log', '--json'], 0],
    ['report --help', ['report', '--help'], 0],
    ['backfill --help', ['backfill', '--help'], 0],
    ['alerts --help', ['alerts', '--help'], 0],
    ['alerts test --help', ['alerts', 'test', '--help'], 0],
    ['incidents --help', ['incidents', '--help'], 0],
  ])('%s loads no AWS SDK module', (_name, argv, code) => {
    expect(awsModulesLoadedBy(argv)).toEqual({ code, aws: [] });
  });

  it('the control: a scan of S3 does load it (the check can see it)', () => {
    // Credentials and an endpoint that refuses at once: no network, no credential chain lookups.
    const loaded = awsModulesLoadedBy(['scan', 's3://audit-logs/prod/', '--region', 'eu-west-1', '-q'], {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(loaded.code).toBe(2);
    expect(loaded.aws.some((k) => k.includes('/@aws-sdk/client-s3/'))).toBe(true);
  });

  it('the control: a command that makes a client loads the SDK, and the check sees it', () => {
    // No region anywhere (no AWS_REGION, no config file): the client is made, and fails on its region before any call.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_CONFIG_FILE: join(ROOT, 'no-such-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'no-such-aws-credentials'),
    };
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete env[name];
    const run = awsModulesLoadedBy(['alerts', 'test', '--stack', 'S'], env);
    expect(run.code).toBe(2);
    expect(run.aws.some((k) => k.includes('/@aws-sdk/client-cloudformation/'))).toBe(true);
  });
});
