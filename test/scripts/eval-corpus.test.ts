import { renderScore, scoreCorpus } from '../../scripts/eval-corpus';
import { DEFAULT_ALERT_MINIMUM } from '../../lambdas/core/finding';

describe('the rules against the labelled corpus', () => {
  it('alert on at least 95% of the labelled attacks at the default alert minimum, with at most 2 false alarms there', async () => {
    const score = await scoreCorpus();
    const report = renderScore(score);
    expect(score.minimum).toBe(DEFAULT_ALERT_MINIMUM);
    expect({
      recallAtLeast95: score.recall >= 0.95,
      alertRecallAtLeast95: score.alertRecall >= 0.95,
      falseAlarmsAtMost2: score.falseAlarms.length <= 2,
      report,
    }).toEqual({ recallAtLeast95: true, alertRecallAtLeast95: true, falseAlarmsAtMost2: true, report });
    expect(score.positives).toBe(78);
  }, 30_000);

  it('scores at the minimum it is given: at critical, most attacks found would page nobody', async () => {
    const score = await scoreCorpus(undefined, 'critical');
    expect(score.found).toBeGreaterThan(score.alerted);
    expect(score.alertRecall).toBeLessThan(0.95);
    expect(score.quiet.length).toBe(score.found - score.alerted);
    expect(renderScore(score)).toContain('found at critical+');
  }, 30_000);
});
