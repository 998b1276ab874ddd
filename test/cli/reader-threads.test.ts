import { FURTHER_THREAD_BYTES, ONE_THREAD_SCAN_BYTES, readerThreads } from '../../lambdas/cli/reader-threads';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const big = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `o${i}`, size: 64 * MIB, open: () => Promise.reject(new Error('not read')) }));

describe('--workers auto', () => {
  it('takes a thread a core but one (the main thread parses), one an object at most, none for small input', () => {
    expect(readerThreads('auto', big(4), 2, 16 * GIB)).toBe(1);
    expect(readerThreads('auto', big(4), 8, 16 * GIB)).toBe(4);
    expect(readerThreads('auto', big(1), 8, 16 * GIB)).toBe(1);
    expect(readerThreads('auto', big(4), 1, 16 * GIB)).toBe(0);
    expect(readerThreads('auto', [{ ...big(1)[0], size: 1024 }], 8, 16 * GIB)).toBe(0);
  });

  it('takes threads after the first only while they fit in half the memory: a small pod on a big node reads on one', () => {
    expect(readerThreads('auto', big(40), 32, 512 * MIB)).toBe(1);
    expect(readerThreads('auto', big(40), 32, 256 * MIB)).toBe(1); // one thread was measured within 256 MB
    expect(readerThreads('auto', big(40), 32, 1 * GIB)).toBe(2);
    expect(readerThreads('auto', big(40), 32, 2 * GIB)).toBe(5);
    // Each count it takes fits: the first thread's bound and the others' share within half the memory.
    for (const memory of [768 * MIB, 1 * GIB, 3 * GIB, 6 * GIB]) {
      const n = readerThreads('auto', big(40), 64, memory);
      expect(ONE_THREAD_SCAN_BYTES + (n - 1) * FURTHER_THREAD_BYTES).toBeLessThanOrEqual(memory / 2);
      expect(ONE_THREAD_SCAN_BYTES + n * FURTHER_THREAD_BYTES).toBeGreaterThan(memory / 2);
    }
  });

  it('takes a number as given, whatever the memory', () => {
    expect(readerThreads(3, [], 2, 256 * MIB)).toBe(3);
    expect(readerThreads(0, big(4), 8, 16 * GIB)).toBe(0);
  });
});
