import type { AlertMessage } from '../alert/sns-message';
import { escapeMrkdwn } from '../alert/slack-text';
import { durationText, LOG_SILENCE } from '../rules/audit-tampering';

const SUBJECT_MAX = 99; // SNS: fewer than 100 characters, no line breaks

export interface ResumedSilence {
  cluster: string;
  /** When the silence began. */
  since: string;
  /** The newest object time now seen: the logs are back. */
  resumedAt: string;
  /** The silence finding it resolves. */
  auditID?: string;
}

/** The `lambda`/`sqs` body. */
export interface ResumedPayload {
  kind: 'watchdog';
  event: 'log-silence-resolved';
  ruleId: string;
  cluster: string;
  since: string;
  resumedAt: string;
  silentMinutes: number;
  auditID?: string;
}

/**
 * The short notice that a silence is over: subject `k8s-audit-analyzer <cluster>: audit logs
 * resumed after 47 min`, an email line, a machine body (`kind: 'watchdog'`), and an Amazon Q
 * Developer custom notification. Attributes: `kind` = `watchdog` and `cluster`; no `severity`, so
 * subscription filters pass it by kind (the stack's `$or` filter names `watchdog` beside `report`).
 * The Slack notifier posts it as a notice from its subject.
 */
export function resumedMessage(silence: ResumedSilence): AlertMessage {
  const minutes = Math.max(0, Math.round((Date.parse(silence.resumedAt) - Date.parse(silence.since)) / 60_000));
  const subject = clip(`k8s-audit-analyzer ${silence.cluster}: audit logs resumed after ${durationText(minutes)}`.replace(/[\r\n]+/g, ' '));
  const payload: ResumedPayload = {
    kind: 'watchdog',
    event: 'log-silence-resolved',
    ruleId: LOG_SILENCE,
    cluster: silence.cluster,
    since: silence.since,
    resumedAt: silence.resumedAt,
    silentMinutes: minutes,
    ...(silence.auditID ? { auditID: silence.auditID } : {}),
  };
  const email = [
    `Audit logs of cluster ${silence.cluster} are arriving again.`,
    '',
    `silent from: ${silence.since}`,
    `newest object: ${silence.resumedAt} (${durationText(minutes)} later)`,
    `finding: ${LOG_SILENCE}${silence.auditID ? ` ${silence.auditID}` : ''}`,
    '',
    'Review what the cluster did while its trail was silent: the gap is not in the audit log.',
  ].join('\n');
  const machine = JSON.stringify(payload);
  const https = JSON.stringify({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: escapeMrkdwn(subject),
      description: `Audit logs of \`${escapeMrkdwn(silence.cluster)}\` are arriving again after ${durationText(minutes)} of silence (from ${escapeMrkdwn(silence.since)}).`,
      keywords: ['k8s-audit-analyzer', escapeMrkdwn(silence.cluster)],
    },
    metadata: { summary: escapeMrkdwn(subject), eventType: 'k8s-audit-analyzer.watchdog', threadId: `k8s-audit-analyzer-${silence.cluster}`.slice(0, 100) },
  });
  return {
    Subject: subject,
    Message: JSON.stringify({ default: email, email, lambda: machine, sqs: machine, https }),
    MessageStructure: 'json',
    MessageAttributes: {
      kind: { DataType: 'String', StringValue: 'watchdog' },
      cluster: { DataType: 'String', StringValue: silence.cluster },
    },
  };
}

function clip(subject: string): string {
  return subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 1)}…`;
}
