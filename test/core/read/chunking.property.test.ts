import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { interestOf } from '../../../lambdas/core/rules';
import { AuditLogParser } from '../../../lambdas/core/read';
import type { ReadEvent } from '../../../lambdas/core/read';
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import { cut, eventList, firehoseConcatenated, firehoseRaw, fluentBit, jsonLines, readAll } from '../../helpers/shipping';

const RULES_INTEREST = interestOf();

/** Events with every feature the splitter must get right, including `}{` inside strings. */
const events: Ev[] = [
  clusterAdminBinding(),
  execViaGet(),
  leaseUpdate(),
  auditEvent({ annotations: { note: 'x}{y}{z}{w}{v}{u' } }),
  auditEvent({ stage: 'RequestReceived' }),
  auditEvent({ userAgent: 'ünïcödé 🚀 agent' }),
  leaseUpdate(),
];

const big = auditEvent({ requestObject: { pad: 'p'.repeat(2500) }, annotations: { note: '}{'.repeat(20) } });

/** Each shape with a document limit that some of its documents exceed. */
const shapes: Array<[string, Buffer, number, number]> = [
  [
    'JSON lines with bad and oversize lines between',
    Buffer.concat([jsonLines(events.slice(0, 3)), Buffer.from('{"broken":\nnot json\n\n'), jsonLines([big]), jsonLines(events.slice(3))]),
    1500,
    1,
  ],
  ['concatenated CloudWatch records, one oversize', firehoseConcatenated([...events.slice(0, 4), big, ...events.slice(4)], 1), 2000, 1],
  ['an EventList', eventList(events), 64 * 1024, 0],
  ['Fluent Bit wrappers', fluentBit([...events, big]), 2000, 1],
];

function parseInChunks(parts: Buffer[], withInterest: boolean, maxDocumentBytes = 1500): { events: ReadEvent[]; stats: unknown } {
  const parser = new AuditLogParser({ interest: withInterest ? RULES_INTEREST : undefined, maxDocumentBytes });
  const out: ReadEvent[] = [];
  for (const p of parts) parser.push(p, out);
  parser.finish(out);
  return { events: out, stats: parser.stats };
}

describe('any chunking of the same bytes yields the same events and statistics', () => {
  it.each(shapes)('%s', (_name, bytes, max, oversize) => {
    for (const withInterest of [false, true]) {
      const whole = parseInChunks([bytes], withInterest, max);
      expect(whole.events.length).toBeGreaterThan(withInterest ? 0 : 4);
      expect((whole.stats as { problems: { oversize: number } }).problems.oversize).toBe(oversize);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
          const chunked = parseInChunks(cut(bytes, cuts), withInterest, max);
          expect(chunked.events).toEqual(whole.events);
          expect(chunked.stats).toEqual(whole.stats);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('byte by byte, including oversize documents skipped mid-chunk', () => {
    const bytes = Buffer.concat([
      jsonLines([clusterAdminBinding()]),
      jsonLines([auditEvent({ requestObject: { pad: 'p'.repeat(3000) } })]),
      jsonLines(events.slice(1, 3)),
    ]);
    const whole = parseInChunks([bytes], false);
    const single = parseInChunks(
      [...bytes].map((b) => Buffer.from([b])),
      false,
    );
    expect(single).toEqual(whole);
    expect((whole.stats as { problems: { oversize: number } }).problems.oversize).toBe(1);
  });

  it('through gzip layers as well', async () => {
    const bytes = firehoseRaw(events, 2);
    const whole = await readAll(bytes);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), async (cuts) => {
        const chunked = await readAll(cut(bytes, cuts));
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 50 },
    );
    expect((await readAll(gzipSync(bytes))).events).toEqual(whole.events);
  });
});
