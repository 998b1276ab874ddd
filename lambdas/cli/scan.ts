/**
 * The CLI's scan is the core's pipeline (core/pipeline/scan-objects.ts): the same object loop,
 * coverage counter and summary as the analyzer. The commands import it from here.
 */
export type { ScanOptions, ScanResult } from '../core/pipeline/scan-objects';
export { anyCountAtOrAbove, scanObjects } from '../core/pipeline/scan-objects';
