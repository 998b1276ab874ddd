import type { Category, Severity } from '../finding';
import type { EventSelector } from '../read/interest';
import type { EventView } from './event-view';
import type { Settings } from '../config/settings';
import type { What } from './rubric';

/** What a rule found in one event. */
export interface RuleHit {
  severity: Severity;
  /** Who did what to which object, in one line. */
  summary: string;
  /** The few fields that prove it. Redacted by the engine before it leaves. */
  evidence?: Record<string, unknown>;
  /** What this hit created or changed, in the rubric's terms, when it differs from the rule's `what`. */
  what?: What;
}

export interface RuleContext {
  settings: Settings;
}

/**
 * What a person reads about a detection, next to whatever decides it: the registry, the `rules`
 * command, docs/rules.md, configuration validation and the compliance report need only this.
 */
export interface DetectionMetadata {
  /** Stable id, `<family>.<name>`. */
  id: string;
  title: string;
  category: Category;
  /** The highest severity it raises (hits carry their own). */
  severity: Severity;
  /**
   * What its findings create or change, in the rubric's terms (detect/rubric.ts). The baseline
   * uses it: routine work stays `low`, except a `takeover`, which never drops below `medium`.
   * Absent: treated as `takeover`, so a detection that does not say is never demoted that far.
   */
  what?: What;
  /**
   * Why its findings get the severities they do, in the rubric's terms (docs/severity.md): who
   * acted, what was created or changed, where, and how sure the evidence is. docs/rules.md shows it;
   * every shipped detection gives it (test/scripts/rules-doc.test.ts), test fixtures need not.
   */
  severityReasons?: string;
  /** One paragraph: what it catches and why an attacker does it. */
  description: string;
  /** MITRE ATT&CK technique ids (ATT&CK v16, Enterprise and Containers). */
  attack: string[];
  /** CIS Kubernetes Benchmark 5.x and NSA/CISA hardening guide references, where they fit. */
  controls: string[];
  falsePositives: string;
  remediation: string;
  /**
   * The lowest audit level at which the detection sees what it looks for: `Metadata` when it decides
   * from the verb, resource, user, objectRef, request URI and response status alone; `Request`
   * when it needs the request or response body (`view.object`, `view.patch`). The compliance
   * report counts a control as held only where events at this level were seen. Every shipped
   * detection declares it; one that leaves it out is treated as needing `Request`.
   */
  evidenceLevel?: 'Metadata' | 'Request';
}

/**
 * A rule: metadata a person reads next to the function that decides. A rule is pure and sees one
 * audit event; stateful detectors (restarts) are a separate kind, and so are detections whose
 * evidence is not in the audit log at all (ExternalDetection).
 */
export interface Rule extends DetectionMetadata {
  /** The events it can possibly care about; the reader's pre-check is derived from these. */
  interest: readonly EventSelector[];
  /** Substrings that make any event interesting to it (see EventInterest.markers). */
  markers?: readonly string[];
  /** Also sees failed and dry-run requests (rules about denied attempts). Default false. */
  includeFailures?: boolean;
  /**
   * Also sees every event judged from the head of an oversize document (`view.oversize`), whatever
   * its interest: the reader hands those over unfiltered. Default false.
   */
  oversizeEvents?: boolean;
  /** Only external detections name a source outside the log. */
  source?: never;
  evaluate(view: EventView, context: RuleContext): RuleHit | RuleHit[] | undefined;
}

/**
 * A detection whose evidence is not an audit event (S3 removal notifications, the analyzer's
 * coverage records, CloudTrail): metadata only. The registry lists it so `rules`, the docs, the
 * configuration and the compliance report know it; the engine never runs it, and the type keeps it
 * that way (no interest, nothing to evaluate or observe). Its findings are built by the code that
 * reads its source.
 */
export interface ExternalDetection extends DetectionMetadata {
  /** Where its evidence comes from and what raises it, in a phrase. */
  source: string;
  interest?: never;
  evaluate?: never;
  observe?: never;
}

/** Whether a registered detection comes from outside the audit log. */
export function isExternal<D extends { source?: unknown }>(detection: D): detection is Extract<D, ExternalDetection> {
  return typeof detection.source === 'string';
}
