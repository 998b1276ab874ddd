import type { Rates } from '../../devkit/cost-model';
import { HOURS_PER_MONTH, PRICES, firehoseBilledBytes, guardDutyMonthly, monthlyCost, objectsPerHour } from '../../devkit/cost-model';

// Figures computed by hand from the list prices (see the comments), not by the code under test.
const rates: Rates = {
  memoryMb: 1024,
  lambdaSecondsPerEvent: 0.0001, // 100 s per million events
  writeUnitsPerEvent: 0.02,
  readUnitsPerEvent: 0.01,
  snsPublishesPerEvent: 0.0002,
  objectSeconds: 0.05,
  coverageWriteUnitsPerObject: 1,
  objectsPerBatch: 1,
  auditBytesPerEvent: 1024,
  firehoseBytesPerEvent: 350,
  firehoseBilledBytesPerEvent: 384,
};

describe('objectsPerHour', () => {
  it('writes one object per 60 s interval with traffic, at most one per event', () => {
    expect(objectsPerHour({ eventsPerHour: 100, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' }, 350)).toBe(60);
    expect(objectsPerHour({ eventsPerHour: 20, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' }, 350)).toBe(20);
    expect(objectsPerHour({ eventsPerHour: 0, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' }, 350)).toBe(0);
  });

  it('writes 4 objects an hour at 900 s', () => {
    expect(objectsPerHour({ eventsPerHour: 100, bufferSeconds: 900, bufferMiB: 5, mode: 'raw' }, 350)).toBe(4);
  });

  it('writes more objects when the 5 MiB buffer fills before the interval ends', () => {
    // 350,000 × 350 B = 122,500,000 B an hour; / 5,242,880 = 23.4 → 24 objects
    expect(objectsPerHour({ eventsPerHour: 350_000, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' }, 350)).toBe(60);
    expect(objectsPerHour({ eventsPerHour: 350_000, bufferSeconds: 900, bufferMiB: 5, mode: 'raw' }, 350)).toBe(24);
    // 350,000 × 2,500 B = 875,000,000 B; / 5,242,880 = 166.9 → 167
    expect(objectsPerHour({ eventsPerHour: 350_000, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' }, 2500)).toBe(167);
  });
});

describe('guardDutyMonthly', () => {
  it('charges $1.60 per million for the first 100M and $0.80 after', () => {
    expect(guardDutyMonthly(73_000)).toBeCloseTo(0.1168, 10);
    expect(guardDutyMonthly(100_000_000)).toBeCloseTo(160, 10);
    expect(guardDutyMonthly(150_000_000)).toBeCloseTo(200, 10);
    expect(guardDutyMonthly(255_500_000)).toBeCloseTo(284.4, 10); // 160 + 155.5 × 0.80
    expect(guardDutyMonthly(0)).toBe(0);
  });
});

describe('firehoseBilledBytes', () => {
  it('rounds each record up to 5 KiB', () => {
    expect(firehoseBilledBytes(14_000, 2)).toBe(20_480); // 7,000 B each → 10,240
    expect(firehoseBilledBytes(5_120, 1)).toBe(5_120);
    expect(firehoseBilledBytes(0, 0)).toBe(0);
  });
});

describe('monthlyCost', () => {
  it('prices a quiet cluster: 100 events an hour, 60 s buffering', () => {
    const c = monthlyCost(rates, { eventsPerHour: 100, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' });
    expect(c.eventsPerMonth).toBe(73_000);
    expect(c.objectsPerHour).toBe(60);
    expect(c.objectsPerMonth).toBe(43_800);
    // per event: Lambda 7.3 GB-s × $0.0000133334; 1,460 WRU × $0.625/M; 730 RRU × $0.125/M; 14.6 publishes × $0.50/M
    expect(c.perEventPart).toBeCloseTo(0.00009733382 + 0.0009125 + 0.00009125 + 0.0000073, 9);
    // per object (43,800): Lambda 2,190 GB-s; requests $0.00876; coverage 43,800 WRU; PUT $0.219; GET $0.01752; SQS 131,400 × $0.40/M
    expect(c.perObjectPart).toBeCloseTo(0.029200146 + 0.00876 + 0.027375 + 0.219 + 0.01752 + 0.05256, 9);
    expect(c.breakdown.s3Puts).toBeCloseTo(0.219, 10);
    expect(c.breakdown.sqs).toBeCloseTo(0.05256, 10);
    expect(c.breakdown.dynamoWrites).toBeCloseTo(0.0009125 + 0.027375, 10);
    expect(c.analysis).toBeCloseTo(0.3555235298, 8);
    expect(c.analysisPerMillion).toBeCloseTo(0.3555235298 / 0.073, 6);
    expect(c.guardDuty).toBeCloseTo(0.1168, 10);
    expect(c.ratio).toBeCloseTo(0.3555235298 / 0.1168, 6); // about 3×: per-object costs dominate
    expect(c.dominant.service).toBe('s3Puts');
    expect(c.dominant.share).toBeCloseTo(0.219 / 0.3555235298, 6);
    // delivery: 74,752,000 B / 2^30 × $0.50; 28,032,000 B / 2^30 × $0.029
    expect(c.delivery.cloudWatchLogs).toBeCloseTo(0.034809, 6);
    expect(c.delivery.firehose).toBeCloseTo(0.000757097, 8);
  });

  it('prices the quiet cluster at 900 s buffering: 4 objects an hour', () => {
    const c = monthlyCost(rates, { eventsPerHour: 100, bufferSeconds: 900, bufferMiB: 5, mode: 'raw' });
    expect(c.objectsPerMonth).toBe(2_920);
    // 2,920 × (PUT $0.000005 + GET $0.0000004 + SQS 3 × $0.0000004 + request $0.0000002 + 0.05 GB-s + 1 WRU)
    expect(c.perObjectPart).toBeCloseTo(2_920 * (0.000005 + 0.0000004 + 0.0000012 + 0.0000002 + 0.05 * 0.0000133334 + 0.000000625), 9);
  });

  it('prices a busy cluster: 350,000 events an hour', () => {
    const c = monthlyCost(rates, { eventsPerHour: 350_000, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' });
    expect(c.eventsPerMonth).toBe(255_500_000);
    expect(c.objectsPerMonth).toBe(60 * HOURS_PER_MONTH);
    // per event: 25,550 GB-s → $0.34066837; 5.11M WRU → $3.19375; 2.555M RRU → $0.319375; 51,100 publishes → $0.02555
    expect(c.perEventPart).toBeCloseTo(0.34066837 + 3.19375 + 0.319375 + 0.02555, 6);
    expect(c.analysis).toBeCloseTo(4.233758516, 6);
    expect(c.guardDuty).toBeCloseTo(284.4, 8);
    expect(c.ratio).toBeCloseTo(4.233758516 / 284.4, 8); // under 1/67
    expect(c.dominant.service).toBe('dynamoWrites');
  });

  it('fills the buffer with uncompressed events in extract mode', () => {
    // 350,000 × 1,025 B (the event and its newline) = 358,750,000 B an hour; / 5,242,880 = 68.4 → 69
    const c = monthlyCost(rates, { eventsPerHour: 350_000, bufferSeconds: 60, bufferMiB: 5, mode: 'extract' });
    expect(c.objectsPerHour).toBe(69);
    expect(c.objectsPerMonth).toBe(69 * 730);
    // the quiet cluster never fills 5 MiB: one object per minute either way
    expect(monthlyCost(rates, { eventsPerHour: 100, bufferSeconds: 60, bufferMiB: 5, mode: 'extract' }).objectsPerHour).toBe(60);
  });

  it('scales Lambda with the configured memory', () => {
    const half = monthlyCost({ ...rates, memoryMb: 512 }, { eventsPerHour: 350_000, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' });
    const full = monthlyCost(rates, { eventsPerHour: 350_000, bufferSeconds: 60, bufferMiB: 5, mode: 'raw' });
    expect(half.breakdown.lambdaCompute).toBeCloseTo(full.breakdown.lambdaCompute / 2, 10);
  });

  it('uses the list prices of the field notes', () => {
    expect(PRICES.lambdaGbSecond).toBe(0.0000133334);
    expect(PRICES.s3Put).toBeCloseTo(0.000005, 12);
    expect(PRICES.cloudWatchLogsIngestGiB).toBe(0.5);
    expect(PRICES.firehoseIngestGiB).toBe(0.029);
  });
});
