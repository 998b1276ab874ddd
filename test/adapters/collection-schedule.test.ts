import { CollectionSchedule } from '../../lambdas/adapters/collection-schedule';

const MIB = 1024 * 1024;

/** The collections a reader thread takes over batches ending at these decoded totals. */
function taken(schedule: CollectionSchedule, totals: number[]): string[] {
  return totals.map((t) => `${t / MIB}:${schedule.after(t) ?? '-'}`);
}

describe('CollectionSchedule', () => {
  it('takes a minor collection every interval and a full one in its place every full interval', () => {
    const totals = Array.from({ length: 16 }, (_, i) => (i + 1) * 2 * MIB);
    expect(taken(new CollectionSchedule(4 * MIB, 16 * MIB), totals)).toEqual([
      '2:-',
      '4:minor',
      '6:-',
      '8:minor',
      '10:-',
      '12:minor',
      '14:-',
      '16:full',
      '18:-',
      '20:minor',
      '22:-',
      '24:minor',
      '26:-',
      '28:minor',
      '30:-',
      '32:full',
    ]);
  });

  it('counts each interval from the batch that ended the last one', () => {
    // Batches end where documents end: 5 MiB ended the first interval, so the next is due at 9.
    expect(taken(new CollectionSchedule(4 * MIB, 64 * MIB), [3 * MIB, 5 * MIB, 8 * MIB, 9 * MIB])).toEqual(['3:-', '5:minor', '8:-', '9:minor']);
  });

  it('takes one collection for a batch that spans several intervals', () => {
    const schedule = new CollectionSchedule(4 * MIB, 16 * MIB);
    expect(taken(schedule, [13 * MIB, 40 * MIB, 41 * MIB, 45 * MIB])).toEqual(['13:minor', '40:full', '41:-', '45:minor']);
  });
});
