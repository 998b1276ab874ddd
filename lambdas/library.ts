/**
 * The package's library entry (`import … from '@k8s-audit/analyzer'`): the engine the CLI and the
 * Lambdas run, without either. Everything here is pure or reads local files; nothing loads the
 * AWS SDK (a test requires the built entry and checks), so a library user pays for what they use.
 * docs/library.md describes each export.
 */

// Reading: bytes of any shipping format and compression → audit events and reader statistics.
export { readAuditLog } from './core/read';
export type { AuditLogReading, Compression, EventInterest, ProblemKind, ProblemSample, ReadEvent, ReadOptions, ReadStats } from './core/read';
export type { AuditEvent } from './core/audit-event';

// Detection: the engine, its configuration and the rules registry.
export { DetectionEngine, DEFAULT_CONFIG } from './core/detect/engine';
export type { Detection } from './core/detect/engine';
export type { DetectionMetadata, ExternalDetection, Rule, RuleContext, RuleHit } from './core/detect/rule';
export type { StatefulDetector } from './core/detect/stateful';
export { ConfigError, parseConfig } from './core/config/schema';
export type { Config, Exception } from './core/config/types';
export type { Settings } from './core/config/settings';
export { EVENT_RULES, EXTERNAL_DETECTIONS, RULES, interestOf, knownRuleIds } from './core/rules';
export type { RegisteredDetection } from './core/rules';

// The pipeline: objects in, findings, the aggregated table and statistics out.
export { anyAtOrAbove, anyCountAtOrAbove, scanObjects } from './core/pipeline/scan-objects';
export type { ScanOptions, ScanResult } from './core/pipeline/scan-objects';
export { MissingObjectError, ObjectReadError } from './core/ports';
export type { SourceObject, StateStore } from './core/ports';
export { fileObject, listFiles } from './adapters/file-objects';
export { aggregate, countBySeverity } from './core/report/aggregate';
export type { AggregatedRow, LocatedFinding, ScanSummary } from './core/report/aggregate';

// Renderers: every format `scan --format` prints, the HTML report and the findings CSV.
export { renderJson, renderNdjson, renderTerminal } from './core/report/terminal';
export type { TerminalOptions } from './core/report/terminal';
export { renderMarkdown } from './core/report/markdown';
export { buildSarif, renderSarif } from './core/report/sarif';
export type { RuleMetadata, SarifOptions } from './core/report/sarif';
export { renderOcsf, toOcsfDetectionFinding } from './core/export/ocsf';
export type { OcsfDetectionFinding, OcsfOptions } from './core/export/ocsf';
export { renderHtmlReport } from './core/report/html';
export type { HtmlReportInput } from './core/report/html';
export { renderFindingsCsv } from './core/compliance/csv';

// The Finding contract.
export { CATEGORIES, SEVERITIES, severityRank } from './core/finding';
export type { Category, Finding, Severity } from './core/finding';
