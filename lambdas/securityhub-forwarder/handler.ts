import type { Logger } from '@aws-lambda-powertools/logger';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Context, SNSEvent, SNSEventRecord } from 'aws-lambda';
import { SecurityHubImporter } from '../adapters/securityhub-importer';
import { logger as defaultLogger } from '../commons/powertools';
import { parseIncidentBody } from '../core/alert/incident-body';
import type { FindingsImporter, SecurityHubTarget } from '../core/export/asff';
import { asffFindings } from '../core/export/asff';
import { securityHubForwarderSettingsFromEnv } from './settings';

export interface SecurityHubForwarderDeps {
  importer: FindingsImporter;
  /** The account's default product: the findings' ProductArn, account, region and partition. */
  target: SecurityHubTarget;
  logger?: Logger;
}

export type SecurityHubForwarderHandler = (event: SNSEvent, context: Context) => Promise<void>;

/** An incident body that says it is one but breaks the contract: it cannot be imported, so it waits in the DLQ. */
export class UnreadableIncidentError extends Error {
  override readonly name = 'UnreadableIncidentError';
}

/**
 * The Security Hub forwarder, subscribed to the alerts topic: each incident alert's machine body
 * (the `lambda` body, kind `incident`) becomes ASFF findings, one per told group, imported with
 * `BatchImportFindings`. Other messages on the topic (reports, watchdog notices, findings tables)
 * are logged and left alone, as are test alerts. Any failure throws: SNS invokes Lambda
 * asynchronously, so the event is retried twice and then kept in the function's DLQ. An import is
 * an upsert by finding Id, so a retry of the same alert changes nothing twice.
 */
export function makeHandler(deps: SecurityHubForwarderDeps): SecurityHubForwarderHandler {
  const logger = deps.logger ?? defaultLogger;

  async function forward(record: SNSEventRecord): Promise<void> {
    const sns = record.Sns;
    const fields = { messageId: sns.MessageId, subject: sns.Subject };
    const parsed = parseIncidentBody(sns.Message);
    if (parsed === undefined) {
      logger.info('not an incident alert (a report, a watchdog notice or a findings table); nothing imported', fields);
      return;
    }
    if (!parsed.ok) throw new UnreadableIncidentError(parsed.reason);
    const result = asffFindings(parsed.body, { target: deps.target, receivedAt: sns.Timestamp });
    if ('skipped' in result) {
      logger.info('incident alert not imported', { ...fields, alert: parsed.body.alert, reason: result.skipped });
      return;
    }
    const outcome = await deps.importer.import(result.findings);
    logger.info('imported into Security Hub', { ...fields, alert: parsed.body.alert, findings: outcome.imported, calls: outcome.calls });
  }

  return async (event, context) => {
    logger.addContext(context);
    for (const record of event.Records) {
      try {
        await forward(record);
      } catch (error) {
        logger.error('Security Hub import failed; Lambda retries the event, then sends it to the DLQ', {
          messageId: record.Sns.MessageId,
          error: error as Error,
        });
        throw error;
      }
    }
  };
}

let defaultHandler: SecurityHubForwarderHandler | undefined;

/** The deployed handler: client and settings built once per execution environment; throttling is retried by the client (adaptive mode). */
export const handler: SecurityHubForwarderHandler = (event, context) => {
  defaultHandler ??= makeHandler({
    importer: new SecurityHubImporter(new SecurityHubClient({ maxAttempts: 6, retryMode: 'adaptive' })),
    ...securityHubForwarderSettingsFromEnv(process.env),
  });
  return defaultHandler(event, context);
};
