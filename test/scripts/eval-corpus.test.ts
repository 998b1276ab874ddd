import { renderScore, scoreCorpus } from '../../scripts/eval-corpus';

describe('the rules against the labelled corpus', () => {
  it('find at least 95% of the labelled positives with at most 2 false alarms', async () => {
    const score = await scoreCorpus();
    const report = renderScore(score);
    expect({ recallAtLeast95: score.recall >= 0.95, falseAlarmsAtMost2: score.falseAlarms.length <= 2, report }).toEqual({
      recallAtLeast95: true,
      falseAlarmsAtMost2: true,
      report,
    });
    expect(score.positives).toBe(78);
  }, 30_000);
});
