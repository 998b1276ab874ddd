import { progressBar } from '../../lambdas/cli/progress';
import { parseTimeArgument } from '../../lambdas/cli/time-range';

function fakeStream(): { stream: NodeJS.WriteStream; written: () => string } {
  let text = '';
  const stream = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, written: () => text };
}

describe('the progress bar', () => {
  it('draws bytes of total, objects and a rate, at most every 100 ms, and clears its line', () => {
    const { stream, written } = fakeStream();
    let now = 0;
    const bar = progressBar(stream, true, { now: () => now });
    now = 1000;
    bar.update({ bytes: 512 * 1024 * 1024, totalBytes: 1024 * 1024 * 1024, objects: 3, totalObjects: 10 });
    now = 1050;
    bar.update({ bytes: 600 * 1024 * 1024, totalBytes: 1024 * 1024 * 1024, objects: 4, totalObjects: 10 }); // too soon: skipped
    expect(written()).toBe('\r\x1b[K[############............]  50%  512.0 MiB of 1.00 GiB  3/10 objects  512.0 MiB/s');
    bar.done();
    expect(written().endsWith('\r\x1b[K')).toBe(true);
  });

  it('counts messages sent (backfill): the fraction by objects, sizes in decimal units, a rate in messages per second', () => {
    const { stream, written } = fakeStream();
    let now = 0;
    const bar = progressBar(stream, true, { unit: 'messages', now: () => now });
    now = 2000;
    bar.update({ bytes: 2_500_000, totalBytes: 10_000_000, objects: 1500, totalObjects: 2000 });
    expect(written()).toBe('\r\x1b[K[##################......]  75%  1,500/2,000 objects  2.5 MB of 10.0 MB  750 messages/s');
    bar.clear();
    now = 2050;
    bar.update({ bytes: 10_000_000, totalBytes: 10_000_000, objects: 2000, totalObjects: 2000 }); // the last update is drawn however soon
    expect(written().endsWith('\r\x1b[K[########################] 100%  2,000/2,000 objects  10.0 MB of 10.0 MB  976 messages/s')).toBe(true);
    bar.done();
    expect(written().endsWith('\r\x1b[K')).toBe(true);
  });

  it('writes nothing when disabled (not a terminal, CI, --quiet)', () => {
    const { stream, written } = fakeStream();
    const bar = progressBar(stream, false);
    bar.update({ bytes: 1, totalBytes: 2, objects: 1, totalObjects: 2 });
    bar.done();
    expect(written()).toBe('');
  });
});

describe('--since / --until', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it.each([
    ['90m', '2026-11-23T10:30:00.000Z'],
    ['24h', '2026-11-22T12:00:00.000Z'],
    ['7d', '2026-11-16T12:00:00.000Z'],
    ['2w', '2026-11-09T12:00:00.000Z'],
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-20T10:00:00Z', '2026-11-20T10:00:00.000Z'],
    ['2026-11-20T10:00:00', '2026-11-20T10:00:00.000Z'],
    ['2026-11-20T10:00:00+02:00', '2026-11-20T08:00:00.000Z'],
  ])('reads %s', (value, iso) => {
    expect(parseTimeArgument(value, now).toISOString()).toBe(iso);
  });

  it.each(['yesterday', '5 days', '2026-13-45', ''])('refuses %j with the accepted forms', (value) => {
    expect(() => parseTimeArgument(value, now)).toThrow(/is not a time: use an ISO date or time/);
  });
});
