import { defaultReserve, invocationDeadline } from '../../lambdas/analyzer/deadline';

describe('the invocation deadline', () => {
  it('keeps a fifth of the time back, at least 5 s and at most a minute', () => {
    expect(defaultReserve(180_000)).toBe(36_000);
    expect(defaultReserve(30_000)).toBe(6_000);
    expect(defaultReserve(10_000)).toBe(5_000);
    expect(defaultReserve(900_000)).toBe(60_000);
  });

  it('passes once only the reserve is left of what Lambda says remains', () => {
    let remaining = 10_000;
    const deadline = invocationDeadline({ getRemainingTimeInMillis: () => remaining }, 2_000);
    expect(deadline.budget).toBe(8_000);
    expect(deadline.passed()).toBe(false);
    remaining = 2_001;
    expect(deadline.left()).toBe(1);
    expect(deadline.passed()).toBe(false);
    remaining = 2_000;
    expect(deadline.passed()).toBe(true);
    expect(deadline.left()).toBe(0);
  });

  it('never passes without a Lambda context to ask', () => {
    const deadline = invocationDeadline({});
    expect(deadline.passed()).toBe(false);
    expect(deadline.left()).toBe(Infinity);
  });
});
