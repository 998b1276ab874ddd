/**
 * Start-up benchmark: how long `k8s-audit-analyzer scan` takes from the process start to opening
 * its input, against bare Node.js start-up measured in the same run. Prints figures only.
 * Usage and flags: USAGE below (`--help`).
 *
 * The input is a named pipe: opening it for writing returns when the CLI opens it for reading,
 * which is the moment the first byte can be read, whatever happens in between (module loading,
 * option parsing, listing). The CLI then reads a one-line log and exits.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchOptions, wholeNumber } from './args';
import { parseArgs } from 'node:util';
import { median } from '../devkit/median';

const CLI = join(__dirname, '..', 'bin', 'k8s-audit-analyzer.js');
const LINE =
  '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"x"}}\n';

interface Timing {
  /** Start to the input opened. */
  firstByte: number;
  /** Start to exit. */
  total: number;
}

async function timeScan(fifo: string, nodeArgs: string[], cli = CLI): Promise<Timing> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeArgs, cli, 'scan', fifo, '--format', 'json', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const writer = await open(fifo, 'w'); // returns once the CLI has opened the pipe
  const opened = process.hrtime.bigint();
  await writer.write(LINE);
  await writer.close();
  await exited;
  const ended = process.hrtime.bigint();
  return { firstByte: Number(opened - started) / 1e6, total: Number(ended - started) / 1e6 };
}

async function timeBareNode(): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve) => spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('exit', () => resolve()));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const USAGE = `
Usage: npm run bench:startup [-- flags]    15 runs of each

  --runs N           runs of each case (default 15)
  --compare FILE     another build's bin/k8s-audit-analyzer.js, timed too
  -h, --help         this text
`;

async function benchmark(): Promise<void> {
  const { values } = benchOptions(USAGE, () => {
    const parsed = parseArgs({ options: { runs: { type: 'string', default: '15' }, compare: { type: 'string' } } });
    wholeNumber('runs', parsed.values.runs, 1);
    return parsed;
  });
  const runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'startup-bench-'));
  const fifo = join(dir, 'audit.log');
  try {
    if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo is needed for this benchmark');
    const cases: Array<[string, string[], string]> = [
      ['scan (as shipped)', [], CLI],
      ['scan with the S3 client preloaded', ['--require', '@aws-sdk/client-s3'], CLI],
      ...(values.compare ? [['scan of --compare', [], values.compare] as [string, string[], string]] : []),
    ];
    const rows: Record<string, { firstByte: number[]; total: number[] }> = Object.fromEntries(cases.map(([name]) => [name, { firstByte: [], total: [] }]));
    const bare: number[] = [];
    // Interleaved, so that a busy moment of the machine hits every row alike.
    for (let i = 0; i < runs; i++) {
      bare.push(await timeBareNode());
      for (const [name, nodeArgs, cli] of cases) {
        const t = await timeScan(fifo, nodeArgs, cli);
        rows[name].firstByte.push(t.firstByte);
        rows[name].total.push(t.total);
      }
    }
    const node = median(bare);
    console.log(`Start-up to the first byte of input, median of ${runs} runs (Node ${process.version})\n`);
    console.log(`${'command'.padEnd(36)}${'first byte'.padStart(12)}${'exit'.padStart(10)}${'vs bare node'.padStart(14)}`);
    console.log(`${'node -e 0 (bare Node start-up)'.padEnd(36)}${''.padStart(12)}${`${node.toFixed(0)} ms`.padStart(10)}${'1.00x'.padStart(14)}`);
    for (const [name, t] of Object.entries(rows)) {
      const first = median(t.firstByte);
      console.log(
        `${name.padEnd(36)}${`${first.toFixed(0)} ms`.padStart(12)}${`${median(t.total).toFixed(0)} ms`.padStart(10)}${`${(first / node).toFixed(2)}x`.padStart(14)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void benchmark();
