import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { auditLines } from '../../../devkit/generate';
import { CompiledInterest } from '../../../lambdas/core/read';
import { PairScanner } from '../../../lambdas/core/read/pair-scan';
import { PreCheck } from '../../../lambdas/core/read/precheck';
import { interestOf } from '../../../lambdas/core/rules';
import { PAIR_SCAN_MODULE, PAIR_SCAN_WAT, renderPairScanModule } from '../../../scripts/pair-scan-wasm';

/** Every start of `needle` in `buf`, in order (overlapping ones too): what the scanner must list. */
function occurrences(buf: Buffer, needle: Buffer): number[] {
  const at: number[] = [];
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + 1)) at.push(i);
  return at;
}

function scanner(needles: readonly Buffer[], suggested = needles.map(() => 0)): PairScanner {
  const made = PairScanner.create(needles, suggested);
  if (!made) throw new Error('this Node has no WebAssembly SIMD: the scanner cannot be tested here');
  return made;
}

const listed = (s: PairScanner, k: number): number[] => Array.from(s.found[k].subarray(0, s.count[k]));

describe('the pair scanner', () => {
  it('is assembled from pair-scan.wat as committed (run `npm run wasm`)', async () => {
    expect(await renderPairScanModule(readFileSync(PAIR_SCAN_WAT, 'utf8'))).toBe(readFileSync(PAIR_SCAN_MODULE, 'utf8'));
  });

  // Small alphabets make needles overlap, share pairs and sit at the buffer's ends.
  const alphabet = fc.constantFrom(...'ab"\\:uvxyz {}');
  const needle = fc.string({ unit: alphabet, minLength: 2, maxLength: 9 }).map((s) => Buffer.from(s));
  const filler = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 ,.:{}"'), maxLength: 200 });

  it('lists every occurrence of each needle, in order, whatever pair it searches (property)', () => {
    let scanned = 0;
    fc.assert(
      fc.property(
        fc.array(needle, { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(filler, fc.nat()), { maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        (needles, pieces, suggested) => {
          // The filler with needles dropped in between (and sometimes cut short: a needle's head at the very end).
          const text = pieces.map(([f, k]) => f + needles[k % needles.length].toString('latin1')).join('');
          const buf = Buffer.from(text.slice(0, Math.max(0, text.length - (pieces.length % 3))), 'latin1');
          const s = scanner(
            needles,
            needles.map((_, k) => suggested[k] % 12),
          );
          if (!s.scan(buf)) return; // denser than the scan takes: the caller searches natively
          scanned++;
          needles.forEach((n, k) => expect(listed(s, k)).toEqual(occurrences(buf, n)));
        },
      ),
      { seed: 29, numRuns: 500 },
    );
    expect(scanned).toBeGreaterThan(400);
  });

  it('answers where a needle occurs next from any place, asked in any order (property)', () => {
    fc.assert(
      fc.property(needle, fc.array(fc.tuple(filler, fc.boolean()), { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (n, pieces, places) => {
        const buf = Buffer.from(pieces.map(([f, put]) => f + (put ? n.toString('latin1') : '')).join(''), 'latin1');
        const s = scanner([n]);
        if (!s.scan(buf)) return;
        const all = occurrences(buf, n);
        for (const place of places) {
          const from = place % (buf.length + 2);
          expect(s.next(0, from)).toBe(all.find((at) => at >= from) ?? Infinity);
        }
      }),
      { seed: 31, numRuns: 400 },
    );
  });

  it('finds the same after choosing pairs from a large buffer, in that buffer and the next', () => {
    const log = Buffer.from([...auditLines({ events: 300, seed: 3, mix: 'eks-busy' })].join('\n'));
    expect(log.length).toBeGreaterThan(64 * 1024);
    const needles = ['"verb"', '"objectRef"', '\\u', '\\"kind\\"', '\\"messageType\\"', 'impersonatedUser', 'system:anonymous', 'system:node:'].map((n) =>
      Buffer.from(n),
    );
    const s = scanner(needles);
    expect(s.scan(log)).toBe(true);
    expect(listed(s, 7).length).toBeGreaterThan(10); // not vacuous: the log has nodes
    for (const buf of [log, log.subarray(1000, 50_000), Buffer.from('{"verb":"get","objectRef":{}}')]) {
      expect(s.scan(buf)).toBe(true);
      needles.forEach((n, k) => expect(listed(s, k)).toEqual(occurrences(buf, n)));
    }
  });

  it('declines input too dense or too large for it, and says so', () => {
    const s = scanner([Buffer.from('"verb"')]);
    expect(s.scan(Buffer.from('"verb"'.repeat(20_000)))).toBe(false);
    expect(s.scan(Buffer.alloc(3 * 1024 * 1024, 0x61))).toBe(false);
    expect(s.scan(Buffer.from('{"verb":"get"}'))).toBe(true);
    expect(listed(s, 0)).toEqual([1]);
  });

  it('leaves the search to the caller when WebAssembly cannot give it memory', () => {
    const wasm = (globalThis as unknown as { WebAssembly: { Instance: unknown; Memory: { prototype: { grow: unknown } } } }).WebAssembly;
    const { Instance } = wasm;
    const { grow } = wasm.Memory.prototype;
    try {
      const made = scanner([Buffer.from('"verb"')]);
      wasm.Memory.prototype.grow = () => {
        throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      };
      expect(made.scan(Buffer.alloc(1024 * 1024, 0x61))).toBe(false);
      wasm.Instance = function failing(): never {
        throw new RangeError('WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance');
      };
      expect(PairScanner.create([Buffer.from('"verb"')], [0])).toBeUndefined();
      // The pre-check then searches natively, and decides as it does with the scan.
      const log = Buffer.from([...auditLines({ events: 300, seed: 4, mix: 'eks-busy' })].join('\n'));
      const interest = new CompiledInterest(interestOf());
      const without = new PreCheck(interest);
      wasm.Instance = Instance;
      wasm.Memory.prototype.grow = grow;
      const withScan = new PreCheck(interest);
      for (let start = 0; start < log.length;) {
        const newline = log.indexOf(0x0a, start);
        const end = newline < 0 ? log.length : newline;
        expect(without.decideBytes(log, start, end)).toBe(withScan.decideBytes(log, start, end));
        start = end + 1;
      }
    } finally {
      wasm.Instance = Instance;
      wasm.Memory.prototype.grow = grow;
    }
  });

  it('takes at most eight needles of two or more non-zero bytes', () => {
    expect(() =>
      PairScanner.create(
        Array.from({ length: 9 }, () => Buffer.from('ab')),
        [],
      ),
    ).toThrow(/at most 8/);
    expect(() => PairScanner.create([Buffer.from('a')], [0])).toThrow(/two or more/);
    expect(() => PairScanner.create([Buffer.from('a\0')], [0])).toThrow(/non-zero/);
  });
});

describe('the pre-check with and without the pair scanner', () => {
  const interest = new CompiledInterest(interestOf());

  /** Each line's [start, end) in `buf`. */
  function lines(buf: Buffer): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let start = 0; start < buf.length;) {
      const newline = buf.indexOf(0x0a, start);
      const end = newline < 0 ? buf.length : newline;
      out.push([start, end]);
      start = end + 1;
    }
    return out;
  }

  function verdicts(buf: Buffer, pairScan: boolean): number[] {
    const check = new PreCheck(interest, { pairScan });
    return lines(buf).map(([start, end]) => check.decideBytes(buf, start, end));
  }

  it.each(['default', 'eks-busy'] as const)('decides every event of a %s log alike', (mix) => {
    const buf = Buffer.from([...auditLines({ events: 2000, seed: 5, mix })].join('\n'));
    const scanned = verdicts(buf, true);
    expect(scanned).toEqual(verdicts(buf, false));
    expect(new Set(scanned).size).toBe(3); // parse, filter and stage-skip all occur
  });

  it('decides alike when asked about the lines of a buffer in reverse order (its lists are then walked back)', () => {
    const buf = Buffer.from([...auditLines({ events: 400, seed: 9, mix: 'eks-busy' })].join('\n'));
    const check = new PreCheck(interest);
    const backwards = lines(buf)
      .reverse()
      .map(([start, end]) => check.decideBytes(buf, start, end))
      .reverse();
    expect(backwards).toEqual(verdicts(buf, false));
  });

  it('decides alike when a line is dense with decoys, so the scan declines the buffer', () => {
    const dense = `{"verb":"get",${'"verb":"get",'.repeat(10_000)}"objectRef":{"resource":"leases"}}`;
    const buf = Buffer.from([...auditLines({ events: 50, seed: 7 }), dense, ...auditLines({ events: 50, seed: 8 })].join('\n'));
    // Declined by a scanner for `"verb"` alone: the pre-check's, which looks for more needles, matches at least as often.
    expect(scanner([Buffer.from('"verb"')]).scan(buf)).toBe(false);
    expect(verdicts(buf, true)).toEqual(verdicts(buf, false));
  });
});
