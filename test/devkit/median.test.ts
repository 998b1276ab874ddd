import { median, pairedRatio } from '../../devkit/median';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('pairedRatio', () => {
  it('divides each row by the baseline timed with it, then takes the median of those ratios', () => {
    const pairs = [
      { speed: 400, baseline: 1000 }, // 0.4
      { speed: 300, baseline: 500 }, // 0.6: the machine was slow for both
      { speed: 450, baseline: 900 }, // 0.5
    ];
    expect(pairedRatio(pairs)).toBeCloseTo(0.5, 10);
    // Not the rows' median over the baselines' (400 / 900), which mixes timings from different moments.
    expect(median(pairs.map((p) => p.speed)) / median(pairs.map((p) => p.baseline))).toBeCloseTo(0.444, 3);
  });

  it('is the median of the ratios: one disturbed pair does not move it', () => {
    expect(
      pairedRatio([
        { speed: 40, baseline: 100 },
        { speed: 45, baseline: 100 },
        { speed: 90, baseline: 100 },
      ]),
    ).toBeCloseTo(0.45, 10);
  });
});
