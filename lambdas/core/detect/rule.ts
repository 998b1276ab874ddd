import type { Category, Severity } from '../finding';
import type { EventSelector } from '../read/interest';
import type { EventView } from './event-view';
import type { Settings } from '../config/settings';

/** What a rule found in one event. */
export interface RuleHit {
  severity: Severity;
  /** Who did what to which object, in one line. */
  summary: string;
  /** The few fields that prove it. Redacted by the engine before it leaves. */
  evidence?: Record<string, unknown>;
}

export interface RuleContext {
  settings: Settings;
}

/**
 * A detection: metadata a person reads next to the function that decides. A rule is pure and
 * sees one event; stateful detectors (restarts) are a separate kind.
 */
export interface Rule {
  /** Stable id, `<family>.<name>`. */
  id: string;
  title: string;
  category: Category;
  /** The highest severity it raises (hits carry their own). */
  severity: Severity;
  /** One paragraph: what it catches and why an attacker does it. */
  description: string;
  /** MITRE ATT&CK technique ids (ATT&CK v16, Enterprise and Containers). */
  attack: string[];
  /** CIS Kubernetes Benchmark 5.x and NSA/CISA hardening guide references, where they fit. */
  controls: string[];
  falsePositives: string;
  remediation: string;
  /** The events it can possibly care about; the reader's pre-check is derived from these. */
  interest: readonly EventSelector[];
  /** Substrings that make any event interesting to it (see EventInterest.markers). */
  markers?: readonly string[];
  /**
   * The lowest audit level at which the rule sees what it looks for: `Metadata` when it decides
   * from the verb, resource, user, objectRef, request URI and response status alone; `Request`
   * when it needs the request or response body (`view.object`, `view.patch`). The compliance
   * report counts a control as held only where events at this level were seen. Every shipped
   * rule declares it; a rule that leaves it out is treated as needing `Request`.
   */
  evidenceLevel?: 'Metadata' | 'Request';
  /** Also sees failed and dry-run requests (rules about denied attempts). Default false. */
  includeFailures?: boolean;
  /**
   * Also sees every event judged from the head of an oversize document (`view.oversize`), whatever
   * its interest: the reader hands those over unfiltered. Default false.
   */
  oversizeEvents?: boolean;
  evaluate(view: EventView, context: RuleContext): RuleHit | RuleHit[] | undefined;
}
