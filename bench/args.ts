/**
 * A benchmark's command line as a person meets it: `--help` prints the usage, and a flag it does
 * not know or a value it cannot use is one line on stderr and exit 2, not a stack trace.
 */
export function benchOptions<T>(usage: string, parse: () => T): T {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(`${usage.trim()}\n`);
    process.exit(0);
  }
  try {
    return parse();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')} (--help lists the flags)\n`);
    process.exit(2);
  }
}

/** `value` of flag `--name` as a whole number of at least `min`; throws a message that names the flag. */
export function wholeNumber(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}, not ${value}`);
  return n;
}
