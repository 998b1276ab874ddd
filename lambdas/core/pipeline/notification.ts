import type { CoverageStore, SourceObject } from '../ports';
import { MissingObjectError } from '../ports';
import type { AnalyzeDeps, AnalyzeResult } from './analyze-object';
import { analyzeObject } from './analyze-object';
import type { CoverageFailure } from './coverage';
import { recordCoverage } from './coverage';
import type { ObjectRemoval } from './removals';

/**
 * The time ran short before a piece of work was started (a message, or one of the objects it
 * names): it fails unread and comes back later.
 */
export class DeferredRecordError extends Error {
  override readonly name = 'DeferredRecordError';
}

/** What one work message names: objects to analyze and objects removed from the log bucket. */
export interface Notification<Created> {
  created: readonly Created[];
  removed: readonly ObjectRemoval[];
}

export interface NotificationSteps<Created> {
  /** True once the time is up: start nothing new. */
  passed(): boolean;
  /** Raises the removals' findings (one call for all of them). */
  removals(removed: readonly ObjectRemoval[]): Promise<void>;
  /** Analyzes one created object. */
  object(created: Created): Promise<void>;
  /** How an object is named in the error that defers it. */
  name(created: Created): string;
}

/**
 * One work message: the removals first (they cost no reading), then each created object in turn.
 * Nothing is started once the time is up: the message, or the first object not started, throws
 * `DeferredRecordError` and the whole message comes back (objects already analyzed store nothing
 * twice). Returns false when the message names nothing to do (a test event, lifecycle expirations).
 */
export async function handleNotification<Created>(notification: Notification<Created>, steps: NotificationSteps<Created>): Promise<boolean> {
  const { created, removed } = notification;
  if (created.length === 0 && removed.length === 0) return false;
  if (steps.passed()) throw new DeferredRecordError('not started: the invocation is near its timeout');
  if (removed.length > 0) await steps.removals(removed);
  for (const object of created) {
    if (steps.passed()) throw new DeferredRecordError(`${steps.name(object)} not started: the invocation is near its timeout`);
    await steps.object(object);
  }
  return true;
}

export interface ArrivedObjectDeps extends AnalyzeDeps {
  coverage: CoverageStore;
  /** When the object arrived (epoch ms): its coverage day when it holds no event. Asked after the analysis. */
  arrivedAt(): number;
  /** Whether the work comes back for this object (its read broke off, or stopped late): its coverage is then counted on that pass only. */
  willRetry(result: AnalyzeResult): boolean;
}

/**
 * A notified object: analyzed (stored, alerted on), then its coverage recorded unless the work
 * comes back for it (it would count twice). An object deleted before it was read gives undefined;
 * one that cannot be fetched now throws (`ObjectReadError`).
 */
export async function analyzeArrivedObject(
  object: SourceObject,
  deps: ArrivedObjectDeps,
): Promise<{ result: AnalyzeResult; coverageFailures: CoverageFailure[] } | undefined> {
  const result = await analyzeObject(object, deps).catch((error: unknown) => {
    if (error instanceof MissingObjectError) return undefined;
    throw error;
  });
  if (!result) return undefined;
  const coverageFailures = deps.willRetry(result) ? [] : await recordCoverage(deps.coverage, result.coverage, deps.arrivedAt(), result.stats.events > 0);
  return { result, coverageFailures };
}
