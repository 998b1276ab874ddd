import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher, PutEventsFailedError } from '../../lambdas/adapters/eventbridge-publisher';
import type { IncidentEventEntry } from '../../lambdas/core/export/incident-event';

const eventBridge = mockClient(EventBridgeClient);
beforeEach(() => eventBridge.reset());

function entry(id: string): IncidentEventEntry {
  return { Source: 'k8s-audit-analyzer', DetailType: 'Incident Opened', Detail: JSON.stringify({ version: '1', incident: { id } }) };
}

describe('EventBridgePublisher', () => {
  it('puts the entries on its bus, at most 10 per call', async () => {
    eventBridge
      .on(PutEventsCommand)
      .callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) }));
    await new EventBridgePublisher(new EventBridgeClient({}), 'incidents').put(Array.from({ length: 12 }, (_, i) => entry(`inc-${i}`)));
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 2]);
    expect(calls[0].args[0].input.Entries?.[0]).toEqual({ ...entry('inc-0'), EventBusName: 'incidents' });
  });

  it('turns FailedEntryCount into an error naming each failed entry', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ EventId: 'ok' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const put = new EventBridgePublisher(new EventBridgeClient({}), 'incidents').put([entry('first'), entry('prod-eu-\u202emallory')]);
    await expect(put).rejects.toThrow(PutEventsFailedError);
    await expect(put).rejects.toThrow('#1 Incident Opened of incident prod-eu-\\u{202e}mallory: InternalFailure (try again)');
    await expect(put).rejects.not.toThrow(/first/);
  });

  it('fails when a count is reported without per-entry results', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [] });
    await expect(new EventBridgePublisher(new EventBridgeClient({}), 'incidents').put([entry('a')])).rejects.toThrow(/1 of the batch failed/);
  });

  it('lets an error of the call propagate', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('AccessDeniedException'));
    await expect(new EventBridgePublisher(new EventBridgeClient({}), 'incidents').put([entry('a')])).rejects.toThrow('AccessDeniedException');
  });
});
