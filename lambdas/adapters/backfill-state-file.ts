import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BackfillRecord, BackfillStateStore } from '../core/ports';

const STATE_KIND = 'k8s-audit-analyzer/backfill-state@1';

/** The state file: the backfill's record, marked with its kind. */
export interface BackfillState extends BackfillRecord {
  kind: typeof STATE_KIND;
}

/** The state file cannot be read or written, or is not this run's. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/**
 * The backfill's record in a local JSON file. Reading refuses a file that is not a state file, or
 * one kept for another queue (what was sent to one queue says nothing about another); writing
 * goes to a temporary file beside it, then renames it over the old one, so a crash leaves the old
 * state or the new, never half of one.
 */
export class BackfillStateFile implements BackfillStateStore {
  constructor(
    readonly path: string,
    /** The queue this run sends to; a file kept for another is refused. Unchecked when undefined (a dry run). */
    private readonly queueUrl?: string,
  ) {}

  async load(): Promise<BackfillRecord | undefined> {
    const path = this.path;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateFileError(`cannot read the state file ${path}: ${(error as Error).message}`, { cause: error });
    }
    let state: BackfillState;
    try {
      state = JSON.parse(text) as BackfillState;
    } catch (error) {
      throw new StateFileError(`the state file ${path} is not JSON (${(error as Error).message}); remove it or run with --restart`, { cause: error });
    }
    if (state?.kind !== STATE_KIND || typeof state.sent !== 'object' || state.sent === null)
      throw new StateFileError(`${path} is not a backfill state file (${STATE_KIND}); remove it or give another --state`);
    if (this.queueUrl !== undefined && state.queueUrl !== this.queueUrl) {
      throw new StateFileError(
        `the state file ${path} records messages sent to ${state.queueUrl}, not ${this.queueUrl}; give another --state, or --restart to overwrite it`,
      );
    }
    return state;
  }

  async save(record: BackfillRecord): Promise<void> {
    const path = this.path;
    const state: BackfillState = { kind: STATE_KIND, ...record };
    try {
      await mkdir(dirname(path), { recursive: true });
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(state));
      await rename(temp, path);
    } catch (error) {
      throw new StateFileError(`cannot write the state file ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
