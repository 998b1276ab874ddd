/**
 * The CLI as a CI gate: every exit code of the table, standard input, the version, every
 * command's help, AWS errors in one line, colours, CSV, and a broken pipe.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { prepareAwsSdk } from '../../lambdas/cli/aws';
import { main } from '../../lambdas/cli/main';
import { allCommands, buildProgram, commandPath } from '../../lambdas/cli/program';
import { exitCodesIn, expectCommandHelp } from '../helpers/cli-help';
import { auditEvent, clusterAdminBinding, leaseUpdate } from '../helpers/events';
import { jsonLines } from '../helpers/shipping';

const ROOT = join(__dirname, '..', '..');

async function run(argv: string[], extra: { env?: NodeJS.ProcessEnv; stdin?: NodeJS.ReadableStream; tty?: boolean } = {}) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    out: (s) => (out += s + '\n'),
    err: (s) => (err += s + '\n'),
    env: extra.env ?? {},
    ...(extra.stdin ? { stdin: extra.stdin } : {}),
    ...(extra.tty ? { stdoutIsTty: true } : {}),
  });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'gate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Buffer | string): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const critical = jsonLines([leaseUpdate(), { ...clusterAdminBinding(), stageTimestamp: '2026-11-20T10:00:00Z' }]);
const criticalLog = write('critical.jsonl.gz', gzipSync(critical));
const chatterLog = write('chatter.jsonl', jsonLines([leaseUpdate(), leaseUpdate()]));

describe('exit codes', () => {
  it('0: read and judged, nothing at --fail-on', async () => {
    const { code, err } = await run(['scan', chatterLog, '--fail-on', 'low', '-q']);
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('1: a finding at or above --fail-on; 0 without --fail-on', async () => {
    expect((await run(['scan', criticalLog, '--fail-on', 'critical', '-q'])).code).toBe(1);
    expect((await run(['scan', criticalLog, '-q'])).code).toBe(0);
  });

  it('2: usage and configuration errors', async () => {
    expect((await run(['scan', criticalLog, '--min-severity', 'loud'])).code).toBe(2);
    expect((await run(['scan', criticalLog, '--config', join(dir, 'missing.yaml')])).code).toBe(2);
    expect((await run(['bogus'])).code).toBe(2);
  });

  it('3: an object that could not be read whole, still reported', async () => {
    const truncated = write('truncated.jsonl.gz', gzipSync(critical).subarray(0, 60));
    const { code, err } = await run(['scan', truncated, criticalLog, '--format', 'json', '--fail-on', 'low']);
    expect(code).toBe(3);
    expect(err).toMatch(/truncated\.jsonl\.gz could not be read completely/);
  });

  it.each([
    ['an empty directory', () => mkdtempSync(join(dir, 'empty-')), /no audit event read: no object found under .*empty-/],
    [
      'a directory holding only a README (skipped) and a text file',
      () => {
        const d = mkdtempSync(join(dir, 'docs-'));
        writeFileSync(join(d, 'README.md'), '# logs go here\n');
        writeFileSync(join(d, 'notes.txt'), 'nothing to see\n');
        return d;
      },
      /no audit event read: the object \(15 B\) under .*docs-.* held none/,
    ],
  ])('3: %s read no audit event, even with --fail-on low and --quiet', async (_name, make, message) => {
    const { code, out, err } = await run(['scan', make(), '--fail-on', 'low', '--quiet', '--format', 'json']);
    expect(code).toBe(3);
    expect(err).toMatch(message);
    expect(JSON.parse(out)).toMatchObject({ findings: [], stats: { events: 0 } }); // the output is still a valid document
  });

  it('3: a wrong S3 prefix (an empty listing) reads nothing', async () => {
    const s3 = mockClient(S3Client);
    try {
      s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
      const { code, err } = await run(['scan', 's3://audit-logs/clusters/prdo/', '--fail-on', 'low', '--region', 'eu-west-1', '-q']);
      expect(code).toBe(3);
      expect(err).toMatch(/no audit event read: no object found under s3:\/\/audit-logs\/clusters\/prdo\//);
      expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toMatchObject({ Bucket: 'audit-logs', Prefix: 'clusters/prdo/' });
    } finally {
      s3.restore();
    }
  });

  it('stats: 3 when nothing was read', async () => {
    const { code, err } = await run(['stats', mkdtempSync(join(dir, 'nothing-'))]);
    expect(code).toBe(3);
    expect(err).toMatch(/no audit event read/);
  });
});

describe('AWS errors', () => {
  const failing = (error: Error): Promise<{ code: number; out: string; err: string }> => {
    const s3 = mockClient(S3Client);
    s3.on(ListObjectsV2Command).rejects(error);
    return run(['scan', 's3://audit-logs/x/', '--region', 'eu-west-1']).finally(() => s3.restore());
  };
  const named = (name: string, message: string, status?: number): Error =>
    Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

  it.each([
    [
      'no credentials',
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      /^error: no AWS credentials found: set AWS_PROFILE \(or pass --profile\)/,
    ],
    ['no region', named('Error', 'Region is missing'), /^error: no AWS region: pass --region/],
    ['expired', named('ExpiredToken', 'The provided token has expired.', 400), /^error: the AWS credentials have expired/],
    ['denied', named('AccessDenied', 'Access Denied', 403), /^error: access denied \(Access Denied\): the credentials in use lack the permission/],
    ['no bucket', named('NoSuchBucket', 'The specified bucket does not exist', 404), /^error: no such bucket/],
    [
      'any other AWS error',
      named('SlowDown', 'Please reduce your request rate.\nand more', 503),
      /^error: AWS said SlowDown: Please reduce your request rate\.$/m,
    ],
  ])('%s: one line on stderr, exit 2', async (_name, error, message) => {
    const { code, out, err } = await failing(error);
    expect(code).toBe(2);
    expect(out).toBe('');
    const lines = err
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('note: Node.js')); // said once a process (below)
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it("the SDK's nine-line Node.js notice becomes one line, said once, and not with --quiet", () => {
    const saved = process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const said: string[] = [];
    const io = { out: () => undefined, err: (s: string) => said.push(s), env: {} };
    try {
      delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      prepareAwsSdk(io);
      prepareAwsSdk(io);
      expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
      const major = Number(process.versions.node.split('.')[0]);
      expect(said).toEqual(major < 22 ? [`note: Node.js ${major} works; AWS SDK releases after January 2027 need Node.js 22 or later`] : []);
      delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      said.length = 0;
      prepareAwsSdk(io, true);
      expect(said).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      else process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = saved;
    }
  });
});

describe('standard input', () => {
  it.each([
    ['plain JSON lines', Buffer.from(critical)],
    ['gzip', gzipSync(critical)],
  ])("'-' reads %s from stdin", async (_name, bytes) => {
    const { code, out } = await run(['scan', '-', '--format', 'json', '-q'], { stdin: Readable.from([bytes]) });
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { findings: Array<{ ruleId: string }>; stats: { perObject: Array<{ source: string }> } };
    expect(doc.findings.map((f) => f.ruleId)).toContain('rbac.broad-subject-bound');
    expect(doc.stats.perObject.map((o) => o.source)).toEqual(['(stdin)']);
  });

  it("reads stdin beside files, and '-' with nothing on it reads nothing (exit 3)", async () => {
    const both = await run(['scan', '-', chatterLog, '--format', 'json', '-q'], { stdin: Readable.from([gzipSync(critical)]) });
    expect(both.code).toBe(0);
    expect((JSON.parse(both.out) as { stats: { objects: number } }).stats.objects).toBe(2);
    const empty = await run(['scan', '-', '-q'], { stdin: Readable.from([]) });
    expect(empty.code).toBe(3);
  });

  it("'-' on a terminal is a usage error, not a wait for input that never comes", async () => {
    const terminal = Object.assign(Readable.from([]), { isTTY: true });
    const { code, err } = await run(['scan', '-'], { stdin: terminal });
    expect(code).toBe(2);
    expect(err).toMatch(/nothing is piped into it \(it is the terminal\)/);
  });
});

describe('version and help', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
    const { code, out } = await run([flag]);
    expect(code).toBe(0);
    expect(out).toBe(`${version}\n`);
  });

  const paths = allCommands(buildProgram({ io: { out: () => undefined, err: () => undefined }, now: () => new Date(), setExit: () => undefined, deps: {} }))
    .map((c) => commandPath(c).split(' ').slice(1))
    .filter((p) => p.length > 0 && p[0] !== 'help');

  it('covers every command', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['scan', 'rules', 'rules show', 'stats', 'report', 'backfill', 'alerts', 'incidents', 'completion']),
    );
  });

  it.each(paths.map((p) => [p.join(' '), p]))('%s --help: on stdout, exit 0', async (_name, path) => {
    const { code, out, err } = await run([...path, '--help']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`k8s-audit-analyzer ${path.join(' ')}`));
  });

  it.each([
    [['scan'], ['--format', '--fail-on', '--workers', '--region', '--profile'], [0, 1, 2, 3]],
    [['stats'], ['--json', '--all'], [0, 2, 3]],
  ])('%j --help lists its options and only the exit codes it returns', async (path, names, codes) => {
    expectCommandHelp(await run([...path, '--help']), path, names, codes);
  });

  it("the program's help lists every exit code", async () => {
    expect(exitCodesIn((await run(['--help'])).out)).toEqual([0, 1, 2, 3, 70, 130]);
  });

  it('no command: the help on stderr, exit 2', async () => {
    const { code, out, err } = await run([]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^Usage: k8s-audit-analyzer \[options\] \[command\]/);
  });

  it('completion bash lists the commands and the flags of scan', async () => {
    const { code, out } = await run(['completion', 'bash']);
    expect(code).toBe(0);
    expect(out).toMatch(/^complete -o filenames -F _k8s_audit_analyzer_complete k8s-audit-analyzer$/m);
    expect(out).toMatch(/^ {4}"scan"\) words=".*--format .*--fail-on.*" ;;$/m);
    expect(out).toMatch(/^ {4}""\) words="scan report rules stats/m);
    expect((await run(['completion', 'fish'])).code).toBe(2);
  });
});

describe('output', () => {
  it('colours follow NO_COLOR, FORCE_COLOR and the terminal', async () => {
    const ansi = /\x1b\[/; // eslint-disable-line no-control-regex
    expect((await run(['scan', criticalLog, '-q'], { env: {} })).out).not.toMatch(ansi);
    expect((await run(['scan', criticalLog, '-q'], { env: {}, tty: true })).out).toMatch(ansi);
    expect((await run(['scan', criticalLog, '-q'], { env: { FORCE_COLOR: '1' } })).out).toMatch(ansi);
    expect((await run(['scan', criticalLog, '-q'], { env: { FORCE_COLOR: '0' }, tty: true })).out).not.toMatch(ansi);
    expect((await run(['scan', criticalLog, '-q'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' }, tty: true })).out).not.toMatch(ansi);
  });

  it('--format csv: a header and a row a finding, cells guarded against formulas', async () => {
    const hostile = auditEvent({
      verb: 'create',
      requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      objectRef: { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: '=HYPERLINK("http://evil")' },
      user: { username: '@SUM(1+1)', groups: ['system:authenticated'] },
      requestObject: {
        kind: 'ClusterRoleBinding',
        metadata: { name: '=HYPERLINK("http://evil")' },
        roleRef: { kind: 'ClusterRole', name: 'cluster-admin', apiGroup: 'rbac.authorization.k8s.io' },
        subjects: [{ kind: 'User', name: '+cmd|calc', apiGroup: 'rbac.authorization.k8s.io' }],
      },
      responseStatus: { code: 201 },
    });
    const { code, out } = await run(['scan', write('hostile.jsonl', jsonLines([hostile])), '--format', 'csv', '-q']);
    expect(code).toBe(0);
    const lines = out.trimEnd().split(/\r?\n/);
    expect(lines[0]).toMatch(/^time,cluster,severity,rule_id,/);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) expect(line).not.toMatch(/(^|,)"?[=+@]/); // every such cell starts with '
    expect(out).toContain(`'=HYPERLINK(""http://evil"")`);
  });
});

describe('reader threads', () => {
  it('--workers 2 gives what the main thread gives: the same table, incidents and findings', async () => {
    const scan = async (workers: string) => {
      const { code, out } = await run(['scan', join(ROOT, 'samples'), '--cluster', 'prod-eu', '--format', 'json', '--workers', workers, '-q']);
      expect(code).toBe(0);
      const doc = JSON.parse(out) as { findings: Array<{ auditID: string; ruleId: string }>; incidents: unknown; table: unknown; stats: { events: number } };
      return { ...doc, findings: doc.findings.map((f) => JSON.stringify(f)).sort() }; // streamed findings come as read
    };
    const [inline, threads] = [await scan('0'), await scan('2')];
    expect(inline.findings.length).toBeGreaterThan(30);
    expect(threads).toEqual(inline);
  });

  it('--workers takes auto or 0 to 64', async () => {
    expect((await run(['scan', criticalLog, '--workers', 'many'])).err).toMatch(/--workers must be auto or a whole number from 0 to 64/);
  });
});

describe('a broken pipe', () => {
  // `| head -c 100` reads a few bytes and exits; the scan's 140 KB of JSON cannot all fit in the pipe.
  const scanIntoHead = (failOn: string): { code: number; stderr: string } => {
    const stderr = join(dir, `stderr-${failOn}`);
    const result = spawnSync(
      'bash',
      [
        '-c',
        `node --import tsx bin/k8s-audit-analyzer.ts scan samples --format json -q ${failOn} 2>"${stderr}" | head -c 100 >/dev/null; exit \${PIPESTATUS[0]}`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    return { code: result.status ?? -1, stderr: readFileSync(stderr, 'utf8') };
  };

  it.each([
    ['--fail-on low', 1], // the samples hold findings at low and above
    ['', 0],
  ])('ends quietly with the exit code the results deserve (%s)', (failOn, expected) => {
    const { code, stderr } = scanIntoHead(failOn);
    expect(stderr).toBe('');
    expect(code).toBe(expected);
  });
});
