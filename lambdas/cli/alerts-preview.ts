import type { SourceObject } from '../adapters/object-source';
import { slackMessageFor } from '../core/alert/slack-message';
import type { AlertMessage } from '../core/alert/sns-message';
import type { Config } from '../core/config/types';
import { DetectionEngine } from '../core/detect/engine';
import { FindingPolicy } from '../core/detect/finding-policy';
import { MemoryStateStore } from '../core/detect/state-store';
import type { Finding, Severity } from '../core/finding';
import { StateIncidentStore } from '../core/incident/incident-store';
import { analyzeObject } from '../core/pipeline/analyze-object';
import type { FindingsStore, Publisher } from '../core/ports';
import { displayText, jsonText } from '../core/report/display-text';
import { EVENT_RULES } from '../core/rules';
import { cliAlertLinks } from './alerts-test';
import { inCluster } from './inputs';

/** One alert as each destination would get it. */
export interface PreviewedAlert {
  subject: string;
  /** The SNS message attributes subscriptions filter on, by name (`categories` as its list). */
  attributes: Record<string, string | string[]>;
  /** The email body (also SNS's `default`). */
  email: string;
  /** What the Slack notifier would post (its webhook body); null when it would post nothing. */
  slack: unknown;
  /** The machine body Lambda and SQS subscribers get. */
  machine: unknown;
}

export interface PreviewOptions {
  config: Config;
  minAlertSeverity: Severity;
  windowMinutes: number;
  /** For the console and Logs Insights links; left out without it. */
  region?: string;
  /** The cluster of objects whose path names none, as if they were under `clusters/<name>/` (the analyzer's key layout). */
  cluster?: string;
}

export interface PreviewResult {
  alerts: PreviewedAlert[];
  /** Findings the objects produced, and objects that could not be read to their end (what was read is used). */
  findings: number;
  incomplete: string[];
  /** What the reader read over all objects: no event at all means the locations held no audit log. */
  read: { events: number; bytesIn: number };
}

/**
 * What the deployed analyzer would send for these objects, through its own code: `analyzeObject`
 * per object in name order (the order objects named by time arrive in), a fresh engine each as
 * the Lambda makes one, over one state (detectors and incidents) and one findings store, so a
 * principal's findings across objects make one incident: an opening alert, then updates.
 */
export async function previewAlerts(objects: readonly SourceObject[], options: PreviewOptions): Promise<PreviewResult> {
  const state = new MemoryStateStore();
  const store = new MemoryFindingsStore();
  const published: AlertMessage[] = [];
  const publisher: Publisher = {
    publish: (alert) => {
      published.push(alert);
      return Promise.resolve();
    },
  };
  const links = cliAlertLinks(options.region);
  const policy = new FindingPolicy(options.config);
  const incidents = { store: new StateIncidentStore(state), windowMinutes: options.windowMinutes, links };
  let findings = 0;
  const incomplete: string[] = [];
  const read = { events: 0, bytesIn: 0 };
  for (const named of [...objects].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const object = inCluster(named, options.cluster);
    const engine = new DetectionEngine(EVENT_RULES, options.config, state);
    const result = await analyzeObject(object, { engine, policy, store, publisher, minAlertSeverity: options.minAlertSeverity, incidents });
    findings += result.findings;
    read.events += result.stats.events;
    read.bytesIn += result.stats.bytesIn;
    if (!result.complete) incomplete.push(object.name);
  }
  return { alerts: published.map((m) => previewOf(m, options.minAlertSeverity)), findings, incomplete, read };
}

/** An SNS message split into what each subscription gets (SNS delivers one key of the JSON per protocol). */
export function previewOf(message: AlertMessage, slackMinimum: Severity): PreviewedAlert {
  const bodies = JSON.parse(message.Message) as Record<string, string>;
  const attributes = Object.fromEntries(
    Object.entries(message.MessageAttributes).map(([name, a]) => [
      name,
      a.DataType === 'String.Array' ? (JSON.parse(a.StringValue) as string[]) : a.StringValue,
    ]),
  );
  // The Slack notifier is a Lambda subscriber: it gets the `lambda` body.
  const slack = slackMessageFor({ subject: message.Subject, message: bodies.lambda }, { minSeverity: slackMinimum });
  return { subject: message.Subject, attributes, email: bodies.email, slack: slack?.body ?? null, machine: JSON.parse(bodies.lambda) as unknown };
}

/** The text output: per alert a header line, the email, the Slack message and the machine body. */
export function renderPreviewText(alerts: readonly PreviewedAlert[]): string {
  return alerts
    .map((alert, i) =>
      [
        `=== alert ${i + 1} of ${alerts.length}: ${displayText(String(alert.attributes.kind))} · ${displayText(alert.subject)}`,
        '--- email',
        // A terminal shows it: each line as displayText makes it (the renderer already did, this is the belt).
        ...alert.email.split('\n').map(displayText),
        '--- slack (the notifier posts this to the webhook)',
        alert.slack === null ? '(nothing: below the notifier minimum)' : jsonText(alert.slack, 2),
        '--- machine (Lambda and SQS subscribers)',
        jsonText(alert.machine, 2),
      ].join('\n'),
    )
    .join('\n\n');
}

/** The findings store of one preview: a finding is new once, by its fingerprint. */
export class MemoryFindingsStore implements FindingsStore {
  private readonly findings = new Map<string, Finding>();

  putNew(findings: readonly Finding[]): Promise<Finding[]> {
    const added: Finding[] = [];
    for (const finding of findings) {
      const key = finding.fingerprint ?? JSON.stringify([finding.cluster ?? null, finding.time, finding.ruleId, finding.auditID]);
      if (this.findings.has(key)) continue;
      this.findings.set(key, finding);
      added.push(finding);
    }
    return Promise.resolve(added);
  }

  query(range: { cluster: string; from: Date; to: Date }): Promise<Finding[]> {
    const from = range.from.getTime();
    const to = range.to.getTime();
    const within = [...this.findings.values()].filter((f) => (f.cluster ?? '') === range.cluster && Date.parse(f.time) >= from && Date.parse(f.time) < to);
    return Promise.resolve(within.sort((a, b) => Date.parse(a.time) - Date.parse(b.time)));
  }
}
