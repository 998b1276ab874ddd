import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

/**
 * The labelled corpus of real audit events, vendored in devkit/corpus (see its README and NOTICE).
 * Found from the project root, so it reads the same from the sources and from `dist/`.
 */
export const CORPUS_DIR = join(repoRoot(), 'devkit', 'corpus');
export const CORPUS_FILES = ['falco-trace-files.jsonl', 'panther-analysis-eks-rule-tests.jsonl', 'audit2rbac-demo.jsonl'] as const;
export type CorpusFile = (typeof CORPUS_FILES)[number];

/** One line of labels.jsonl: what a correct analyzer reports for the event on `file`:`line`. */
export interface CorpusLabel {
  file: string;
  /** 1-based. */
  line: number;
  auditID: string;
  /** Categories expected, or `['none']`. */
  expect: string[];
  /** Categories that may be reported or not without being wrong. */
  tolerate: string[];
}

function nonEmptyLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

export function corpusLines(file: CorpusFile, dir = CORPUS_DIR): string[] {
  return nonEmptyLines(join(dir, file));
}

export function corpusEvents(file: CorpusFile, dir = CORPUS_DIR): Record<string, unknown>[] {
  return corpusLines(file, dir).map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function corpusLabels(dir = CORPUS_DIR): CorpusLabel[] {
  return nonEmptyLines(join(dir, 'labels.jsonl')).map((l) => JSON.parse(l) as CorpusLabel);
}
