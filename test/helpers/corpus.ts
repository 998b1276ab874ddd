import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shared corpus of real audit events (../shared/corpus), beside the repository. */
export const CORPUS_DIR = join(__dirname, '..', '..', '..', 'shared', 'corpus');
export const CORPUS_FILES = ['falco-trace-files.jsonl', 'panther-analysis-eks-rule-tests.jsonl', 'audit2rbac-demo.jsonl'] as const;

export function corpusLines(file: (typeof CORPUS_FILES)[number]): string[] {
  return readFileSync(join(CORPUS_DIR, file), 'utf8').split('\n').filter((l) => l.trim() !== '');
}

export function corpusEvents(file: (typeof CORPUS_FILES)[number]): Record<string, unknown>[] {
  return corpusLines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
}
