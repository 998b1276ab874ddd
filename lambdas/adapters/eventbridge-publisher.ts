import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { IncidentEventEntry, IncidentEventSink } from '../core/export/incident-event';
import { displayText } from '../core/report/display-text';

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX_ENTRIES = 10;

/** Some entries were not accepted: each named by its place, detail-type and incident, with EventBridge's code. */
export class PutEventsFailedError extends Error {
  override readonly name = 'PutEventsFailedError';
  constructor(readonly failures: ReadonlyArray<{ index: number; detailType: string; incident: string; code: string; message: string }>) {
    super(
      `EventBridge refused ${failures.length} event(s): ${failures
        .map((f) => `#${f.index} ${f.detailType} of incident ${f.incident}: ${f.code} (${f.message})`)
        .join('; ')}`,
    );
  }
}

/**
 * Puts incident events on one event bus. PutEvents answers 200 even when entries fail
 * (`FailedEntryCount`, per-entry `ErrorCode`): those are turned into an error naming every failed
 * entry, so the caller retries (delivery is at least once; consumers dedupe on incident id and
 * `changes`). Errors of the call itself (throttling, KMS, 5xx after the SDK's retries) propagate.
 */
export class EventBridgePublisher implements IncidentEventSink {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async put(entries: readonly IncidentEventEntry[]): Promise<void> {
    const failures: Array<ConstructorParameters<typeof PutEventsFailedError>[0][number]> = [];
    for (let start = 0; start < entries.length; start += PUT_EVENTS_MAX_ENTRIES) {
      const batch = entries.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
      const request: PutEventsRequestEntry[] = batch.map((e) => ({ ...e, EventBusName: this.eventBusName }));
      const response = await this.client.send(new PutEventsCommand({ Entries: request }));
      if (!response.FailedEntryCount) continue;
      const before = failures.length;
      (response.Entries ?? []).forEach((result, i) => {
        if (result.ErrorCode === undefined && result.EventId !== undefined) return;
        failures.push({
          index: start + i,
          detailType: batch[i]?.DetailType ?? '?',
          incident: batch[i] ? incidentIdOf(batch[i]) : '?',
          code: result.ErrorCode ?? 'Unknown',
          message: result.ErrorMessage ?? 'no message',
        });
      });
      // A count with no per-entry results still fails: nothing may be dropped silently.
      if (failures.length === before)
        failures.push({ index: start, detailType: '?', incident: '?', code: 'Unknown', message: `${response.FailedEntryCount} of the batch failed` });
    }
    if (failures.length > 0) throw new PutEventsFailedError(failures);
  }
}

/** The incident id, as it can be logged (it holds the cluster and principal, which come from the logs). */
function incidentIdOf(entry: IncidentEventEntry): string {
  try {
    const id = (JSON.parse(entry.Detail) as { incident?: { id?: unknown } }).incident?.id;
    return typeof id === 'string' ? displayText(id).slice(0, 200) : '?';
  } catch {
    return '?';
  }
}
