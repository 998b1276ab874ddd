/** A one-line progress bar on a terminal; nothing at all elsewhere (CI logs, pipes, --quiet). */
export interface Progress {
  update(p: { bytes: number; totalBytes: number; objects: number; totalObjects: number }): void;
  done(): void;
}

export function progressBar(stream: NodeJS.WriteStream, enabled: boolean, now: () => number = Date.now): Progress {
  if (!enabled) return { update: () => undefined, done: () => undefined };
  const started = now();
  let last = 0;
  let drawn = false;
  return {
    update({ bytes, totalBytes, objects, totalObjects }) {
      const t = now();
      if (t - last < 100 && objects < totalObjects) return;
      last = t;
      const fraction = totalBytes > 0 ? Math.min(1, bytes / totalBytes) : totalObjects > 0 ? objects / totalObjects : 0;
      const width = 24;
      const filled = Math.round(fraction * width);
      const rate = bytes / Math.max(0.001, (t - started) / 1000);
      stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${human(bytes)} of ${human(totalBytes)}  ${objects}/${totalObjects} objects  ${human(rate)}/s`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes.toFixed(0)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
