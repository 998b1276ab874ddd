import { gzipSync } from 'node:zlib';
import { interestOf } from '../../../lambdas/core/rules';
import { CORPUS_FILES, corpusEvents } from '../../../devkit/corpus';
import type { Ev } from '../../helpers/shipping';
import {
  aksDiagnostics,
  eventList,
  firehoseConcatenated,
  firehoseGzip,
  firehoseRaw,
  fluentBit,
  fluentdText,
  jsonLines,
  readAll,
  vectorObjects,
} from '../../helpers/shipping';

const RULES_INTEREST = interestOf();

const wrappers: Array<[string, (events: Ev[]) => Buffer]> = [
  ['gzip JSON lines', (e) => gzipSync(jsonLines(e))],
  ['EventList', eventList],
  ['Firehose raw CloudWatch records', (e) => firehoseRaw(e, 7)],
  ['Firehose GZIP over CloudWatch records', (e) => firehoseGzip(e, 5)],
  ['decompressed records concatenated', (e) => firehoseConcatenated(e, 4)],
  ['Fluent Bit', fluentBit],
  ['Vector', vectorObjects],
  ['AKS, string', (e) => aksDiagnostics(e, true)],
  ['AKS, object', (e) => aksDiagnostics(e, false)],
  ['Fluentd', fluentdText],
];

/** Envelopes holding many events in one document: the pre-check decides for the document as a whole. */
const LIST_ENVELOPES = new Set(['EventList']);

describe.each(CORPUS_FILES)('real events from %s come out of every envelope the same', (file) => {
  const events = corpusEvents(file);

  it.each(wrappers)('%s', async (_name, wrap) => {
    const plain = await readAll(jsonLines(events));
    const wrapped = await readAll(wrap(events));
    expect(plain.events.length).toBeGreaterThan(30);
    expect(wrapped.events.map((e) => e.event)).toEqual(plain.events.map((e) => e.event));
    for (const key of ['events', 'emitted', 'duplicates', 'skippedByStage'] as const) expect(wrapped.stats[key]).toEqual(plain.stats[key]);
    expect(wrapped.stats.problems['invalid-event']).toBe(plain.stats.problems['invalid-event']);
    expect(wrapped.stats.problems['malformed-json']).toBe(0);
    expect(wrapped.stats.problems['unknown-envelope']).toBe(0);
  });

  it('and the pre-check makes the same choices wherever it sees the raw event', async () => {
    const plain = await readAll(jsonLines(events), { interest: RULES_INTEREST });
    // The pre-check must have skipped something for the comparison to mean anything, unless every
    // event is impersonated (audit2rbac's demo): credential.privileged-impersonation reads all of those.
    if (events.every((e) => e.impersonatedUser !== undefined)) expect(plain.stats.filtered).toBe(0);
    else expect(plain.stats.filtered).toBeGreaterThan(0);
    for (const [name, wrap] of wrappers) {
      const wrapped = await readAll(wrap(events), { interest: RULES_INTEREST });
      const keptIds = wrapped.events.map((e) => e.event.auditID);
      if (LIST_ENVELOPES.has(name)) {
        // A list is skipped only if none of its events can matter; otherwise all are parsed.
        for (const e of plain.events) expect(keptIds).toContain(e.event.auditID);
      } else {
        expect(keptIds).toEqual(plain.events.map((e) => e.event.auditID));
        expect(wrapped.stats.filtered).toBe(plain.stats.filtered);
      }
    }
  });
});
