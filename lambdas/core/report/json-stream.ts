import type { Finding } from '../finding';
import type { Incident } from '../incident/types';
import type { AggregatedRow } from './aggregate';
import { jsonText } from './display-text';

/**
 * `--format json` written as the scan goes: each finding is written when it is raised, the
 * incidents, table and stats once the scan is done, so a scan with any number of findings holds
 * none of them. The text is exactly `renderJson`'s for the same data (same indentation, same
 * escapes), and once `end` has run it is one valid JSON document.
 */
export class JsonScanWriter {
  private findings = 0;
  private ended = false;

  /** `write` gets the document in pieces, in order; nothing after `end` (the caller adds a newline if it wants one). */
  constructor(private readonly write: (chunk: string) => void) {
    write('{\n  "findings": [');
  }

  finding(finding: Finding): void {
    if (this.ended) throw new Error('JsonScanWriter: finding after end');
    this.write(`${this.findings === 0 ? '\n' : ',\n'}    ${nested(finding, 2)}`);
    this.findings++;
  }

  /** Closes the findings array and writes the rest, in `renderJson`'s order. */
  end(rest: { incidents?: readonly Incident[]; table: readonly AggregatedRow[]; stats: unknown }): void {
    if (this.ended) throw new Error('JsonScanWriter: ended twice');
    this.ended = true;
    this.write(
      `${this.findings === 0 ? ']' : '\n  ]'},\n  "incidents": ${nested(rest.incidents ?? [], 1)},\n  "table": ${nested(rest.table, 1)},\n  "stats": ${nested(rest.stats ?? null, 1)}\n}`,
    );
  }
}

/** `--format ndjson`: one finding's line, newline included (escaped as `renderJson`). */
export function ndjsonLine(finding: Finding): string {
  return `${jsonText(finding)}\n`;
}

/** A value's JSON as `JSON.stringify(…, 2)` writes it `depth` levels down (strings hold no raw newline, so every one is the layout's). */
function nested(value: unknown, depth: number): string {
  return jsonText(value, 2).replaceAll('\n', `\n${'  '.repeat(depth)}`);
}
