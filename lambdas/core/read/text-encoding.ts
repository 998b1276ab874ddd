/**
 * Audit logs are UTF-8. A file saved by a Windows tool (PowerShell's `>` writes UTF-16) or passed
 * through an editor may start with a byte-order mark, or be UTF-16 without one; read as UTF-8,
 * such a file yields no event and no error at all. The first bytes decide: UTF-16 is decoded,
 * a UTF-8 mark is dropped, UTF-32 is refused by name.
 */
export class UnsupportedEncodingError extends Error {
  override readonly name = 'UnsupportedEncodingError';
  constructor(readonly encoding: string) {
    super(`unsupported text encoding: ${encoding} (audit logs are UTF-8; convert the file first, e.g. iconv -f ${encoding} -t UTF-8)`);
  }
}

type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

const OPENERS = new Set([0x7b, 0x5b, 0x20, 0x0a, 0x0d, 0x09]); // `{`, `[` and whitespace

/** What the first bytes of the decompressed stream say; plain UTF-8 (no mark) when they say nothing. */
export function detectEncoding(head: Buffer): Encoding {
  const [a, b, c, d] = head;
  if (a === 0xef && b === 0xbb && c === 0xbf) return 'utf-8-bom';
  if (a === 0xff && b === 0xfe) return c === 0 && d === 0 ? 'utf-32le' : 'utf-16le';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'utf-32be';
  if (a === 0xfe && b === 0xff) return 'utf-16be';
  // No mark: JSON starts with an ASCII opener, which UTF-16 writes with a zero byte beside it.
  if (head.length >= 4 && OPENERS.has(a) && b === 0 && c !== 0) return 'utf-16le';
  if (head.length >= 4 && a === 0 && OPENERS.has(b) && c === 0) return 'utf-16be';
  return 'utf-8';
}

/** The decompressed stream as UTF-8, whatever of the encodings above it was written in. */
export async function* asUtf8(input: AsyncIterable<Buffer>, onEncoding: (encoding: string) => void): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 4) {
    const next = await iterator.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  const encoding = detectEncoding(head);
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.(); // a consumer that stops early releases the source
    }
  }
  if (encoding === 'utf-8') {
    yield* rest();
    return;
  }
  onEncoding(encoding);
  if (encoding === 'utf-32le' || encoding === 'utf-32be') {
    await iterator.return?.();
    throw new UnsupportedEncodingError(encoding.toUpperCase());
  }
  if (encoding === 'utf-8-bom') {
    head = head.subarray(3);
    yield* rest();
    return;
  }
  // TextDecoder drops the mark itself and keeps a character split across chunks for the next one.
  const decoder = new TextDecoder(encoding);
  for await (const chunk of rest()) {
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield Buffer.from(text, 'utf8');
  }
  const last = decoder.decode();
  if (last.length > 0) yield Buffer.from(last, 'utf8');
}
