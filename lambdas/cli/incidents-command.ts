/** `incidents list` and `incidents close`: loaded when one runs (incidents-definition.ts defines their options). */
import type { CloudFormationClient, Output } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDbStateStore } from '../adapters/dynamodb-state-store';
import { buildIncidentAlert } from '../core/alert/incident-message';
import { StateIncidentStore } from '../core/incident/incident-store';
import type { Incident } from '../core/incident/types';
import { displayText, jsonText } from '../core/report/display-text';
import { cliAlertLinks, explain, readStackOutputs, sendTestAlert, TestAlertError } from './alerts-test';
import { awsClientConfig, prepareAwsSdk } from './aws';
import type { CliContext } from './cli-context';
import type { StackOptions } from './deployed-stack';
import { FINDINGS_TABLE_OUTPUT } from './deployed-stack';
import type { IncidentsCloseOptions, IncidentsListOptions } from './incidents-definition';
import { EXIT } from './io';

/** What a test can give: the clients (by default the standard AWS credential chain). */
export interface IncidentsCommandDeps {
  cloudFormation?: CloudFormationClient;
  dynamodb?: (region: string) => DynamoDBClient;
  sns?: (region: string) => SNSClient;
}

/** An error already worded as what to do: printed, exit 2. */
class IncidentsError extends Error {}

/** The deployed stack's incidents, as a command works on them. */
interface StackIncidents {
  store: StateIncidentStore;
  /** The stack's outputs, read once: the table now, the alerts topic if a 'closed' alert goes out. */
  outputs: Output[];
  cloudFormation: CloudFormationClient;
  where: { stack: string; region: string; profile?: string };
  /** A table error as what to do. */
  onTable: (error: unknown) => IncidentsError;
}

/**
 * Finds the stack's findings table from its outputs and runs `work` on its incidents; an
 * IncidentsError is printed as one line (exit 2), other AWS errors reach main. No region (none
 * given, none in the profile) reaches main too, which says how to give one.
 */
async function onStackIncidents(options: StackOptions, ctx: CliContext, work: (stack: StackIncidents) => Promise<number>): Promise<number> {
  const given = ctx.deps.incidents ?? {};
  if (!given.cloudFormation || !given.dynamodb) prepareAwsSdk(ctx.io);
  const cloudFormation = given.cloudFormation ?? new (await import('@aws-sdk/client-cloudformation')).CloudFormationClient(awsClientConfig(options));
  try {
    const region = await cloudFormation.config.region();
    const where = { stack: options.stack, region, profile: options.profile };
    let outputs: Output[];
    try {
      outputs = await readStackOutputs(where, cloudFormation);
    } catch (error) {
      throw error instanceof TestAlertError ? new IncidentsError(error.message) : error;
    }
    const table = outputs.find((o) => o.OutputKey === FINDINGS_TABLE_OUTPUT)?.OutputValue;
    if (!table)
      throw new IncidentsError(
        `stack ${options.stack} in ${region} has no ${FINDINGS_TABLE_OUTPUT} output: name the k8s-audit-analyzer stack, or deploy this version of it`,
      );
    const dynamodb = given.dynamodb?.(region) ?? new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(awsClientConfig(options, region));
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const store = new StateIncidentStore(new DynamoDbStateStore(DynamoDBDocumentClient.from(dynamodb), table), undefined, () => ctx.now().getTime());
    const onTable = (error: unknown): IncidentsError =>
      new IncidentsError(explain(error, `the table ${table}`, 'dynamodb:GetItem and dynamodb:PutItem on the findings table', where));
    return await work({ store, outputs, cloudFormation, where, onTable });
  } catch (error) {
    if (error instanceof IncidentsError) {
      ctx.io.err(`error: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    if (!given.cloudFormation) cloudFormation.destroy();
  }
}

/** `incidents list`: the open incidents; returns the exit code. */
export function runIncidentsList(options: IncidentsListOptions, ctx: CliContext): Promise<number> {
  return onStackIncidents(options, ctx, async ({ store, onTable }) => {
    let incidents: Incident[];
    let dropped: number;
    try {
      const registry = await store.openIncidents();
      dropped = registry.dropped;
      const kept = await Promise.all(registry.entries.map((entry) => store.incidentOf(entry)));
      incidents = kept.filter((i): i is Incident => i !== undefined && i.state === 'open');
    } catch (error) {
      throw onTable(error);
    }
    ctx.io.out(options.format === 'json' ? jsonText(incidents, 2) : renderList(incidents));
    if (dropped > 0) ctx.io.err(`note: ${dropped} incident(s) were too many to list and are not shown; they end when they expire`);
    return EXIT.ok;
  });
}

/** `incidents close ID`: closes it, and sends the 'closed' alert when it had been alerted; returns the exit code. */
export function runIncidentsClose(id: string, options: IncidentsCloseOptions, ctx: CliContext): Promise<number> {
  const { io } = ctx;
  return onStackIncidents(options, ctx, async ({ store, outputs, cloudFormation, where, onTable }) => {
    const entry = await store.openIncidents().then(
      (registry) => registry.entries.find((e) => e.id === id),
      (error: unknown) => Promise.reject(onTable(error)),
    );
    if (!entry)
      throw new IncidentsError(`no open incident ${displayText(id)} in stack ${where.stack}: 'incidents list --stack ${where.stack}' shows the open ones`);
    const by = options.by ?? (io.env ?? process.env).USER ?? 'k8s-audit-analyzer incidents close';
    const ended = await store
      .end(entry, { how: 'closed', now: ctx.now().getTime(), by, ...(options.reason !== undefined ? { reason: options.reason } : {}) })
      .catch((error: unknown) => Promise.reject(onTable(error)));
    if (ended.outcome === 'gone') throw new IncidentsError(`incident ${displayText(id)} has expired from the table: nothing to close`);
    if (ended.outcome !== 'ended') throw new IncidentsError(`incident ${displayText(id)} is no longer open (${ended.incident.state}): nothing to close`);
    io.out(`closed incident ${displayText(id)} (${displayText(ended.incident.principal.display)} in ${displayText(ended.incident.cluster) || '-'})`);
    if (ended.incident.alertedSeverity === undefined) {
      io.out('it had not been alerted: no alert sent');
      return EXIT.ok;
    }
    const message = buildIncidentAlert({ kind: 'closed', incident: ended.incident, told: ended.incident.groups }, cliAlertLinks(where.region));
    // Loaded here, not at the top: only closing an alerted incident needs SNS.
    const { SNSClient: Client } = await import('@aws-sdk/client-sns');
    const created: SNSClient[] = [];
    const given = ctx.deps.incidents ?? {};
    const sns = (r: string): SNSClient => given.sns?.(r) ?? created[created.push(new Client(awsClientConfig(options, r))) - 1];
    let sent;
    try {
      // The test alert's path: the topic from the stack's outputs, published in the topic's region.
      sent = await sendTestAlert(where, { cloudFormation, sns }, message, outputs);
    } catch (error) {
      // Closed stays closed: the person asked for it. Only the telling failed, and they are told so.
      if (error instanceof TestAlertError) throw new IncidentsError(`closed, but the 'closed' alert was not sent: ${error.message}`);
      throw error;
    } finally {
      for (const client of created) client.destroy();
    }
    io.out(`sent the 'closed' alert to ${sent.topicArn}`);
    return EXIT.ok;
  });
}

/** One block per incident, names shown safely (they came from events). */
function renderList(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return 'no open incidents';
  return incidents
    .map((i) =>
      [
        `${displayText(i.id)}  ${i.severity.toUpperCase()}  ${displayText(i.principal.display)}  in ${displayText(i.cluster) || '-'}`,
        `  first ${displayText(i.firstSeen)}  last ${displayText(i.lastSeen)}  ${i.groups.length} finding group(s)${i.chain ? `; ${displayText(i.chain)}` : ''}`,
      ].join('\n'),
    )
    .join('\n');
}
