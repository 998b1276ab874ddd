import type { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, SNSEvent } from 'aws-lambda';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { logger as defaultLogger } from '../commons/powertools';
import { parseIncidentBody } from '../core/alert/incident-body';
import type { IncidentEventEntry, IncidentEventSink } from '../core/export/incident-event';
import { incidentEvent } from '../core/export/incident-event';
import { eventBridgeForwarderSettingsFromEnv } from './settings';

export interface EventBridgeForwarderDeps {
  sink: IncidentEventSink;
  logger?: Logger;
}

export type EventBridgeForwarderHandler = (event: SNSEvent, context: Context) => Promise<void>;

/**
 * The EventBridge forwarder, subscribed to the alerts topic: each incident alert's machine body
 * (the message's `lambda` body, `kind: 'incident'`) becomes one event on the bus. Other messages
 * (findings alerts of older versions, reports, notices) are not incident changes: logged and
 * ignored. A body that says it is an incident but does not match the contract is logged with the
 * reason (never its values) and ignored too: a retry cannot mend it. A refused PutEvents throws:
 * SNS invokes Lambda asynchronously, so Lambda retries twice and then the event waits in the DLQ.
 */
export function makeHandler(deps: EventBridgeForwarderDeps): EventBridgeForwarderHandler {
  const logger = deps.logger ?? defaultLogger;
  return async (event, context) => {
    logger.addContext(context);
    const entries: IncidentEventEntry[] = [];
    for (const record of event.Records) {
      const fields = { messageId: record.Sns.MessageId, kind: record.Sns.MessageAttributes?.kind?.Value };
      const parsed = parseIncidentBody(record.Sns.Message);
      if (parsed === undefined) {
        logger.info('not an incident alert; not forwarded', fields);
        continue;
      }
      if (!parsed.ok) {
        logger.warn('incident alert does not match the contract; not forwarded', { ...fields, reason: parsed.reason });
        continue;
      }
      entries.push(incidentEvent(parsed.body));
    }
    if (entries.length === 0) return;
    try {
      await deps.sink.put(entries);
    } catch (error) {
      logger.error('PutEvents failed; Lambda retries the event, then sends it to the DLQ', { error: error as Error });
      throw error;
    }
    logger.info('incident events put', { events: entries.length, detailTypes: entries.map((e) => e.DetailType) });
  };
}

let defaultHandler: EventBridgeForwarderHandler | undefined;

/** The deployed handler: client and settings built once per execution environment; a bad setting throws with every problem named. */
export const handler: EventBridgeForwarderHandler = (event, context) => {
  defaultHandler ??= makeHandler({ sink: new EventBridgePublisher(new EventBridgeClient({}), eventBridgeForwarderSettingsFromEnv(process.env).eventBusName) });
  return defaultHandler(event, context);
};
