import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MemoryStateStore } from '../core/detect/state-store';
import type { StateStore } from '../core/ports';
import { StateFileError } from './backfill-state-file';

const STATE_KIND = 'k8s-audit-analyzer/detector-state@1';

interface StoredState {
  kind: typeof STATE_KIND;
  /** Key → value and its expiry (epoch ms), as the detectors and baselines left them. */
  entries: Record<string, { value: unknown; expires: number }>;
}

/**
 * What the CLI's detectors remember between runs (first-seen baselines, restart counts), in a local
 * JSON file: loaded into memory before a scan, written back after it. Writing goes to a temporary
 * file beside it and renames it over the old one, so a crash leaves the old state or the new.
 */
export class DetectorStateFile implements StateStore {
  private constructor(
    readonly path: string,
    private readonly memory: MemoryStateStore,
  ) {}

  /** Opens the file, or starts empty when it does not exist yet. Refuses a file that is not a detector state file. */
  static async open(path: string, now: () => number = Date.now): Promise<DetectorStateFile> {
    const memory = new MemoryStateStore(now);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new StateFileError(`cannot read the state file ${path}: ${(error as Error).message}`, { cause: error });
    }
    if (text !== undefined) {
      let state: StoredState;
      try {
        state = JSON.parse(text) as StoredState;
      } catch (error) {
        throw new StateFileError(`the state file ${path} is not JSON (${(error as Error).message}); remove it to start a new baseline`, { cause: error });
      }
      if (state?.kind !== STATE_KIND || typeof state.entries !== 'object' || state.entries === null)
        throw new StateFileError(`${path} is not a detector state file (${STATE_KIND}); give another --state`);
      memory.load(state.entries);
    }
    return new DetectorStateFile(path, memory);
  }

  update<T>(key: string, change: (current: T | undefined) => T, ttlSeconds: number): Promise<T> {
    return this.memory.update(key, change, ttlSeconds);
  }

  get size(): number {
    return this.memory.size;
  }

  /** Writes what is remembered now (expired entries left out). */
  async save(): Promise<void> {
    const state: StoredState = { kind: STATE_KIND, entries: this.memory.entries() };
    const temp = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temp, JSON.stringify(state));
      await rename(temp, this.path);
    } catch (error) {
      throw new StateFileError(`cannot write the state file ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
