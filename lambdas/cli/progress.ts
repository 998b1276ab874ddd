import type { Io } from './io';
import { drawsProgress } from './io';
import { binaryBytes, count, decimalBytes } from './units';

/** What a command's progress counts: bytes read (scan, report) or messages sent (backfill). */
export type ProgressUnit = 'bytes' | 'messages';

export interface ProgressCounts {
  bytes: number;
  totalBytes: number;
  objects: number;
  totalObjects: number;
}

/** A one-line progress bar on a terminal; nothing at all elsewhere (CI logs, pipes, --quiet). */
export interface Progress {
  update(p: ProgressCounts): void;
  /** Clears the line for a message; the next update draws it again. */
  clear(): void;
  /** Clears the line for good. */
  done(): void;
}

interface Layout {
  /** How far along, 0 to 1. */
  fraction(p: ProgressCounts): number;
  /** What follows the bar and the percentage. */
  detail(p: ProgressCounts, seconds: number): string;
}

const LAYOUTS: Record<ProgressUnit, Layout> = {
  // Reading: the bytes are the work; the object count says where in the list it is.
  bytes: {
    fraction: (p) => (p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : p.totalObjects > 0 ? p.objects / p.totalObjects : 0),
    detail: (p, seconds) =>
      `${binaryBytes(p.bytes)} of ${binaryBytes(p.totalBytes)}  ${p.objects}/${p.totalObjects} objects  ${binaryBytes(p.bytes / seconds)}/s`,
  },
  // Sending: one message an object; the sizes are S3's, shown as S3's console shows them.
  messages: {
    fraction: (p) => (p.totalObjects > 0 ? p.objects / p.totalObjects : 0),
    detail: (p, seconds) =>
      `${count(p.objects)}/${count(p.totalObjects)} objects  ${decimalBytes(p.bytes)} of ${decimalBytes(p.totalBytes)}  ${(p.objects / seconds).toFixed(0)} messages/s`,
  },
};

const WIDTH = 24;
/** Redraw at most this often, but always the last update. */
const REDRAW_MS = 100;

export function progressBar(stream: NodeJS.WriteStream, enabled: boolean, options: { unit?: ProgressUnit; now?: () => number } = {}): Progress {
  if (!enabled) return { update: () => undefined, clear: () => undefined, done: () => undefined };
  const layout = LAYOUTS[options.unit ?? 'bytes'];
  const now = options.now ?? Date.now;
  const started = now();
  let last = 0;
  let drawn = false;
  const clear = (): void => {
    if (drawn) stream.write('\r\x1b[K');
  };
  return {
    update(p) {
      const t = now();
      if (t - last < REDRAW_MS && p.objects < p.totalObjects) return;
      last = t;
      const fraction = layout.fraction(p);
      const filled = Math.round(fraction * WIDTH);
      const seconds = Math.max(0.001, (t - started) / 1000);
      stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${layout.detail(p, seconds)}`);
      drawn = true;
    },
    clear,
    done() {
      clear();
      drawn = false;
    },
  };
}

/** The progress bar of a command run with `io`, drawn only where a person watches it. */
export function commandProgress(io: Io, quiet: boolean, unit: ProgressUnit = 'bytes'): Progress {
  return progressBar(io.errStream ?? process.stderr, drawsProgress(io, quiet), { unit });
}
