import { inPeriod, parseUtc, periodOf, previousPeriod, reportPeriod } from '../../../lambdas/core/compliance/period';
import type { ReportCadence } from '../../../lambdas/core/compliance/types';

const at = (iso: string): Date => new Date(iso);

describe('reportPeriod: daily', () => {
  it('is the previous UTC day', () => {
    expect(reportPeriod('daily', at('2026-11-30T06:00:00Z'))).toEqual({
      from: '2026-11-29T00:00:00.000Z',
      to: '2026-11-30T00:00:00.000Z',
      label: '2026-11-29 (UTC)',
    });
  });

  it('at exactly midnight is the day that has just ended', () => {
    expect(reportPeriod('daily', at('2026-11-30T00:00:00Z')).label).toBe('2026-11-29 (UTC)');
    expect(reportPeriod('daily', at('2026-11-29T23:59:59.999Z')).label).toBe('2026-11-28 (UTC)');
  });

  it('crosses month and year ends', () => {
    expect(reportPeriod('daily', at('2026-12-01T01:00:00Z'))).toMatchObject({ from: '2026-11-30T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(reportPeriod('daily', at('2027-01-01T00:30:00Z'))).toEqual({
      from: '2026-12-31T00:00:00.000Z',
      to: '2027-01-01T00:00:00.000Z',
      label: '2026-12-31 (UTC)',
    });
    expect(reportPeriod('daily', at('2026-03-01T08:00:00Z')).label).toBe('2026-02-28 (UTC)');
  });

  it('knows the leap day', () => {
    expect(reportPeriod('daily', at('2028-03-01T08:00:00Z'))).toEqual({
      from: '2028-02-29T00:00:00.000Z',
      to: '2028-03-01T00:00:00.000Z',
      label: '2028-02-29 (UTC)',
    });
  });

  it('reads a time given with an offset as the UTC instant it is', () => {
    // 2026-12-31T23:30:00-05:00 is 2027-01-01T04:30Z: the day before it is 2026-12-31
    expect(reportPeriod('daily', at('2026-12-31T23:30:00-05:00')).label).toBe('2026-12-31 (UTC)');
    // 2027-01-01T01:00:00+02:00 is 2026-12-31T23:00Z: the day before it is 2026-12-30
    expect(reportPeriod('daily', at('2027-01-01T01:00:00+02:00')).label).toBe('2026-12-30 (UTC)');
  });
});

describe('reportPeriod: weekly', () => {
  it('is the last complete ISO week, Monday to Monday', () => {
    expect(reportPeriod('weekly', at('2026-12-02T09:00:00Z'))).toEqual({
      from: '2026-11-23T00:00:00.000Z',
      to: '2026-11-30T00:00:00.000Z',
      label: '2026-11-23 – 2026-11-29 (UTC)',
    });
  });

  it('on Monday at midnight is the week that has just ended; a moment before, the one before it', () => {
    expect(reportPeriod('weekly', at('2026-11-30T00:00:00Z')).label).toBe('2026-11-23 – 2026-11-29 (UTC)');
    expect(reportPeriod('weekly', at('2026-11-29T23:59:59Z')).label).toBe('2026-11-16 – 2026-11-22 (UTC)');
  });

  it('on a Sunday is the week before the current one', () => {
    expect(reportPeriod('weekly', at('2026-03-01T12:00:00Z')).label).toBe('2026-02-16 – 2026-02-22 (UTC)');
  });

  it('spans the year end as ISO week 53 of 2026 does', () => {
    expect(reportPeriod('weekly', at('2027-01-05T10:00:00Z'))).toEqual({
      from: '2026-12-28T00:00:00.000Z',
      to: '2027-01-04T00:00:00.000Z',
      label: '2026-12-28 – 2027-01-03 (UTC)',
    });
  });

  it('holds the leap day in its week', () => {
    expect(reportPeriod('weekly', at('2028-03-06T00:00:00Z')).label).toBe('2028-02-28 – 2028-03-05 (UTC)');
  });

  it('uses the UTC day of an offset time: Sunday evening in New York is Monday in UTC', () => {
    // 2026-11-29T20:00-05:00 is Monday 2026-11-30T01:00Z
    expect(reportPeriod('weekly', at('2026-11-29T20:00:00-05:00')).label).toBe('2026-11-23 – 2026-11-29 (UTC)');
  });

  it('refuses an invalid date and an unknown cadence', () => {
    expect(() => reportPeriod('weekly', new Date('not a date'))).toThrow(/not a valid date/);
    expect(() => reportPeriod('monthly' as ReportCadence, at('2026-11-30T00:00:00Z'))).toThrow(/unknown report cadence "monthly"/);
  });
});

describe('previousPeriod', () => {
  it('is the week before a week and the day before a day', () => {
    expect(previousPeriod(reportPeriod('weekly', at('2027-01-05T10:00:00Z')))).toEqual({
      from: '2026-12-21T00:00:00.000Z',
      to: '2026-12-28T00:00:00.000Z',
      label: '2026-12-21 – 2026-12-27 (UTC)',
    });
    expect(previousPeriod(reportPeriod('daily', at('2028-03-01T08:00:00Z')))).toEqual({
      from: '2028-02-28T00:00:00.000Z',
      to: '2028-02-29T00:00:00.000Z',
      label: '2028-02-28 (UTC)',
    });
    expect(previousPeriod(reportPeriod('daily', at('2027-01-01T00:00:00Z'))).label).toBe('2026-12-30 (UTC)');
  });

  it('keeps the length of an arbitrary period', () => {
    const p = periodOf(at('2026-11-20T10:00:00Z'), at('2026-11-20T12:30:00Z'));
    expect(previousPeriod(p)).toEqual({ from: '2026-11-20T07:30:00.000Z', to: '2026-11-20T10:00:00.000Z', label: '2026-11-20 07:30 – 2026-11-20 10:00 (UTC)' });
  });

  it('refuses what is not a period', () => {
    expect(() => previousPeriod({ from: '2026-11-20T00:00:00Z', to: '2026-11-20T00:00:00Z', label: '' })).toThrow(/not a period/);
    expect(() => previousPeriod({ from: 'yesterday', to: '2026-11-20T00:00:00Z', label: '' })).toThrow(/not a period/);
  });
});

describe('periodOf', () => {
  it('labels whole days with the last day inclusive', () => {
    expect(periodOf(at('2026-11-01'), at('2026-12-01'))).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      label: '2026-11-01 – 2026-11-30 (UTC)',
    });
    expect(periodOf(at('2028-02-29T00:00:00Z'), at('2028-03-01T00:00:00Z')).label).toBe('2028-02-29 (UTC)');
  });

  it('labels other ranges with both instants, seconds and milliseconds only when there are some', () => {
    expect(periodOf(at('2026-11-20T10:00:00Z'), at('2026-11-21T00:00:00Z')).label).toBe('2026-11-20 10:00 – 2026-11-21 00:00 (UTC)');
    expect(periodOf(at('2026-11-20T10:00:05Z'), at('2026-11-20T10:00:06.250Z')).label).toBe('2026-11-20 10:00:05 – 2026-11-20 10:00:06.250 (UTC)');
  });

  it('turns offset inputs into UTC', () => {
    const p = periodOf(at('2026-12-31T23:30:00-05:00'), at('2027-01-02T00:00:00+01:00'));
    expect(p).toEqual({ from: '2027-01-01T04:30:00.000Z', to: '2027-01-01T23:00:00.000Z', label: '2027-01-01 04:30 – 2027-01-01 23:00 (UTC)' });
  });

  it('refuses an empty, reversed or invalid range', () => {
    expect(() => periodOf(at('2026-11-20T00:00:00Z'), at('2026-11-20T00:00:00Z'))).toThrow(/must end after it starts/);
    expect(() => periodOf(at('2026-11-21T00:00:00Z'), at('2026-11-20T00:00:00Z'))).toThrow(/must end after it starts/);
    expect(() => periodOf(new Date(NaN), at('2026-11-20T00:00:00Z'))).toThrow(/start of the period is not a valid date/);
  });
});

describe('inPeriod and parseUtc', () => {
  const week = reportPeriod('weekly', at('2026-12-02T09:00:00Z'));

  it('includes the start and excludes the end', () => {
    expect(inPeriod(week, '2026-11-23T00:00:00Z')).toBe(true);
    expect(inPeriod(week, '2026-11-29T23:59:59.999999Z')).toBe(true);
    expect(inPeriod(week, '2026-11-30T00:00:00Z')).toBe(false);
    expect(inPeriod(week, '2026-11-22T23:59:59.999Z')).toBe(false);
  });

  it('reads offsets, microseconds, and times without a zone as UTC', () => {
    expect(parseUtc('2026-11-22T19:00:00-05:00')).toBe(Date.parse('2026-11-23T00:00:00Z'));
    expect(parseUtc('2026-11-20T10:00:00.123456Z')).toBe(Date.parse('2026-11-20T10:00:00.123Z'));
    expect(parseUtc('2026-11-20T10:00:00')).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(parseUtc('2026-11-20')).toBe(Date.parse('2026-11-20T00:00:00Z'));
    expect(inPeriod(week, '2026-11-22T19:00:00-05:00')).toBe(true);
  });

  it('puts unreadable times in no period', () => {
    expect(Number.isNaN(parseUtc(''))).toBe(true);
    expect(Number.isNaN(parseUtc('Mon, 23 Nov 2026 10:00:00 GMT'))).toBe(true);
    expect(inPeriod(week, '')).toBe(false);
  });
});
