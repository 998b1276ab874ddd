import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { ByteSource } from './byte-source';
import type { DecodeProblem } from './decode-problem';
import type { Skipped } from './gzip-member';
import { inflateMember, lastLikelyMemberHeader, peekMemberStart, seekMemberHeader } from './gzip-member';

/**
 * Multi-member gzip that survives a corrupt member, as `gzip -dc` does: every byte decoded before
 * the break reaches the consumer, the problem is reported, and reading resumes at the next member.
 *
 * The normal path is zlib's gunzip on the thread pool, fed large chunks (fast, but on an error it
 * drops the output of the job that failed, up to a chunk). So the compressed bytes since the last
 * known member start are kept, and a member start is made known cheaply: each chunk is cut just
 * before the last member header in it, and when zlib has taken the chunk, everything it output
 * so far is exactly the output of the members before that header (a restart point). After an
 * error the members from the latest restart point are decoded again one by one (gzip-member.ts),
 * the part already delivered is skipped, and the member that fails is stepped over.
 *
 * zlib also ends the stream, silently, at a zero byte after a member, and ignores everything
 * after it: a few zero bytes would hide the members behind them. So the bytes zlib did not take
 * are looked at: reading resumes at the next member header in them, and what was skipped is
 * reported (see `trailingProblem`). The same holds where recovery finds such bytes after a member.
 */

export const CHUNK = 1024 * 1024;
/**
 * Compressed bytes kept for recovery at most. Past this with no restart point (one huge member)
 * the oldest half is dropped; a corruption there then loses the failing chunk's output.
 */
const MAX_KEPT = 16 * CHUNK;

/** Chunks of read-ahead each decoder on this thread keeps (see `decoderOptions`). */
let readAheadChunks = 4;

/**
 * Sets the read-ahead of the decoders this thread creates from now on. A reader worker, whose
 * framing keeps up with zlib, reads as fast with one chunk (measured) and holds 6 MiB less per
 * object; the main thread, which parses, keeps the default.
 */
export function setReadAheadChunks(chunks: number): void {
  readAheadChunks = Math.max(1, Math.floor(chunks));
}

/**
 * zlib streams run on libuv's thread pool, but each output chunk needs a turn of the main
 * thread to start the next job. Large chunks and read-ahead buffers keep the decoder a few
 * chunks ahead of the parser, so the two overlap instead of taking turns (on the parsing thread,
 * one chunk instead of four costs a fifth more CPU). (zlib passes these stream options on to its
 * Transform; @types/node does not list them in ZlibOptions.)
 */
export function decoderOptions(): zlib.ZlibOptions {
  return { chunkSize: CHUNK, readableHighWaterMark: readAheadChunks * CHUNK, writableHighWaterMark: readAheadChunks * CHUNK } as zlib.ZlibOptions;
}

/** A place decoding can restart from: a member start, and the segment's output before it. */
interface RestartPoint {
  at: number;
  decoded: number;
}

/** zlib ended the stream before the input's end: the bytes from `at` were not taken. */
interface EarlyEnd {
  at: number;
}

interface Failure {
  error: Error;
  /** Output of the segment delivered before the error. */
  delivered: number;
  restart: RestartPoint | undefined;
}

export async function* gunzipMembers(input: AsyncIterable<Buffer>, onProblem: (problem: DecodeProblem) => void): AsyncGenerator<Buffer> {
  const source = new ByteSource(input);
  try {
    // A segment starts at a member header found by scanning after a corrupt member; if that
    // header was a false match, its failure is part of the problem already reported.
    let speculative = false;
    for (;;) {
      const end = yield* fastSegment(source);
      if (!end) return;
      let next: Next;
      if ('at' in end) {
        source.rewind(end.at);
        next = await skipTrailing(source, onProblem);
      } else {
        next = yield* recover(source, end, speculative, onProblem);
      }
      if (next === 'end') return;
      speculative = next === 'after-problem';
    }
  } finally {
    await source.close();
  }
}

/**
 * zlib's multi-member gunzip from the source's position to the end, to an error, or to where
 * zlib ended the stream with input left.
 */
async function* fastSegment(source: ByteSource): AsyncGenerator<Buffer, Failure | EarlyEnd | undefined> {
  const decoder = zlib.createGunzip(decoderOptions());
  source.keepFromHere();
  const segmentStart = source.position;
  const restarts: RestartPoint[] = [{ at: segmentStart, decoded: 0 }];
  let delivered = 0;
  /** Bytes written to the decoder. */
  let fed = 0;
  /** The offset up to which zlib has taken every byte written (the writes before it have settled). */
  let taken = segmentStart;
  /** Writes whose callback has not run yet. */
  let unsettled = 0;
  let settledWake: (() => void) | undefined;
  /** Where zlib ended the stream with input left. */
  let earlyEnd: number | undefined;
  /** The output zlib gave before that, taken off the decoder. */
  const beforeEnd: Buffer[] = [];
  let stopped = false;
  let sourceError: Error | undefined;
  let failed: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  decoder.on('readable', poke);
  decoder.on('end', () => {
    ended = true;
    poke();
  });
  decoder.on('error', (error) => {
    failed = error;
    poke();
  });
  decoder.on('close', () => {
    poke();
    settledWake?.();
  });

  /**
   * zlib took less than it was given: it ended the stream inside this write (a zero byte after a
   * member). Its output so far is kept, and the decoder is closed before the writes queued behind
   * this one reach it (zlib would decode a member there and fail to push it, or fail on junk).
   */
  const endedEarly = (): void => {
    earlyEnd = segmentStart + decoder.bytesWritten;
    stopped = true;
    for (let out = decoder.read() as Buffer | null; out !== null; out = decoder.read() as Buffer | null) beforeEnd.push(out);
    decoder.destroy();
    poke();
  };

  const pump = (async (): Promise<void> => {
    try {
      for await (const { bytes, end, beforeMember } of memberAlignedChunks(source, () => stopped)) {
        fed += bytes.length;
        const through = fed;
        unsettled++;
        const accepted = decoder.write(bytes, (error) => {
          if (--unsettled === 0) settledWake?.();
          if (error || earlyEnd !== undefined) return;
          // One comparison per chunk; the normal path does no more work than that.
          if (decoder.bytesWritten < through) return endedEarly();
          taken = end;
          // zlib has taken the chunk: its output so far is all the output before the member at `end`.
          if (beforeMember) restarts.push({ at: end, decoded: delivered + decoder.readableLength });
        });
        if (!accepted) await drainedOrClosed(decoder);
        if (stopped || decoder.destroyed) return;
      }
      if (!stopped && !decoder.destroyed) decoder.end();
    } catch (error) {
      sourceError = error instanceof Error ? error : new Error(String(error));
      decoder.destroy(sourceError);
    }
  })();

  try {
    for (;;) {
      const chunk = beforeEnd.shift() ?? (earlyEnd === undefined ? (decoder.read() as Buffer | null) : null);
      if (chunk !== null) {
        delivered += chunk.length;
        yield chunk;
        forgetPassedRestarts(source, restarts, delivered, taken);
        continue;
      }
      if (failed || ended || earlyEnd !== undefined) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (!failed || earlyEnd !== undefined) {
      await pump;
      // 'end' can come before the callback of the write zlib stopped in: only that callback knows.
      if (unsettled > 0 && !decoder.destroyed) await new Promise<void>((resolve) => (settledWake = resolve));
      return earlyEnd === undefined ? undefined : { at: earlyEnd };
    }
    stopped = true;
    await pump; // afterwards the source's record holds every byte taken from it
    if (sourceError) throw sourceError;
    return { error: failed, delivered, restart: latestUsable(restarts, delivered, source.keptFrom) };
  } finally {
    stopped = true;
    decoder.destroy();
  }
}

function forgetPassedRestarts(source: ByteSource, restarts: RestartPoint[], delivered: number, taken: number): void {
  while (restarts.length > 1 && restarts[1].decoded <= delivered) restarts.shift();
  if (restarts[0].at > source.keptFrom) source.forgetBefore(restarts[0].at);
  if (source.keptLength > MAX_KEPT) source.forgetBefore(source.position - MAX_KEPT / 2);
  // The current member's start is forgotten (a member larger than MAX_KEPT): it cannot be decoded
  // again, so what a recovery can use starts at the next restart point, or at the bytes zlib has
  // not taken yet (an error is in those; the ones it took are the big member's, with no member
  // start to resume at). Without this, every such member would hold MAX_KEPT / 2 to MAX_KEPT.
  if (restarts[0].at < source.keptFrom) source.forgetBefore(restarts[1]?.at ?? taken);
}

function latestUsable(restarts: RestartPoint[], delivered: number, keptFrom: number): RestartPoint | undefined {
  for (let i = restarts.length - 1; i >= 0; i--) {
    if (restarts[i].decoded <= delivered && restarts[i].at >= keptFrom) return restarts[i];
  }
  return undefined;
}

type Next = 'end' | 'caught-up' | 'after-problem';

/**
 * Decodes again, member by member, from the restart point: skips what was delivered, yields the
 * rest up to the failing member, reports it and moves to the next member header after its start.
 * Back to the fast path as soon as the lost output is made good (the fast path then fails at the
 * corrupt member's start, and recovery reports it from there).
 */
async function* recover(source: ByteSource, failure: Failure, speculative: boolean, onProblem: (problem: DecodeProblem) => void): AsyncGenerator<Buffer, Next> {
  let problem: DecodeProblem;
  let failedAt: number;
  if (failure.restart) {
    source.rewind(failure.restart.at);
    let skip = failure.delivered - failure.restart.decoded;
    let yielded = 0;
    for (;;) {
      failedAt = source.position;
      source.keepFromHere();
      if (failedAt > failure.restart.at) {
        // A member ended here: what follows is another member, the end, or bytes zlib failed on.
        const next = await peekMemberStart(source);
        if (next === 'end') return 'end';
        if (next === 'other') return skipTrailing(source, onProblem);
        if (skip === 0) return 'caught-up';
      }
      const member = inflateMember(source);
      let step = await member.next();
      for (; !step.done; step = await member.next()) {
        const out = step.value;
        if (skip >= out.length) {
          skip -= out.length;
        } else {
          yielded += out.length - skip;
          yield skip > 0 ? out.subarray(skip) : out;
          skip = 0;
        }
      }
      if (!step.value.ok) {
        problem = { kind: step.value.kind, detail: step.value.detail };
        break;
      }
    }
    // A false header found by the scan fails at once: nothing new to report.
    if (!(speculative && failedAt === failure.restart.at && yielded === 0 && failure.delivered === 0)) onProblem(problem);
  } else {
    // No restart point kept (one member larger than MAX_KEPT): what zlib dropped is lost.
    failedAt = source.keptFrom;
    source.rewind(failedAt);
    const truncated = (failure.error as { code?: unknown }).code === 'Z_BUF_ERROR';
    const lost = `in a gzip member too large to decode again; up to ${CHUNK} decoded bytes before the break are lost`;
    problem = truncated
      ? { kind: 'truncated-input', detail: `compressed stream ends early: ${failure.error.message} (${lost})` }
      : { kind: 'corrupt-input', detail: `corrupt compressed data: ${failure.error.message} (${lost})` };
    onProblem(problem);
  }
  if (problem.kind === 'truncated-input') return 'end';
  source.rewind(failedAt);
  await source.read(1); // strictly after the failing member's start
  return (await seekMemberHeader(source)).found ? 'after-problem' : 'end';
}

/**
 * At the end of a member, bytes that are not a member: reported, and reading resumes at the next
 * member header after them if there is one (a false match fails at once and is not reported again).
 */
async function skipTrailing(source: ByteSource, onProblem: (problem: DecodeProblem) => void): Promise<Next> {
  const skipped = await seekMemberHeader(source);
  onProblem(trailingProblem(skipped));
  return skipped.found ? 'after-problem' : 'end';
}

/**
 * Bytes after a gzip member that are not a gzip member are never dropped silently, whatever
 * zlib does with them (it ignores everything after a zero byte, fails on other bytes):
 * - a member after them: they may have been put there to hide it (zlib alone stops at them), or
 *   be what is left of a damaged member. Counted, and the reading is incomplete.
 * - only zeros up to the end: padding (some tools pad to a block size) cannot be told from
 *   zeros put there on purpose, but zeros hold no data and no member starts with one, so
 *   nothing can be hidden in them. Counted, with a detail that says so, so a person sees it;
 *   the reading stays complete, since an incomplete-object alarm here would be noise.
 * - anything else up to the end: not gzip, not padding; maybe a damaged member. Incomplete.
 */
function trailingProblem({ from, count, zeros, found }: Skipped): DecodeProblem {
  if (found) {
    return {
      kind: 'corrupt-input',
      detail: `${count} bytes that are not gzip data${zeros ? ' (all zero)' : ''} at stored byte ${from}, after a gzip member; reading resumes at the gzip member at stored byte ${from + count}`,
    };
  }
  if (zeros)
    return {
      kind: 'corrupt-input',
      detail: `${count} zero bytes after the last gzip member (from stored byte ${from}): padding, nothing is lost`,
      nothingLost: true,
    };
  return { kind: 'corrupt-input', detail: `${count} bytes that are not gzip data after the last gzip member (from stored byte ${from})` };
}

/**
 * The source in chunks of about CHUNK bytes, each cut just before the last likely member header
 * in it, so that the end of a chunk is (almost always) a member start. `end` is its offset.
 */
async function* memberAlignedChunks(source: ByteSource, stopped: () => boolean): AsyncGenerator<{ bytes: Buffer; end: number; beforeMember: boolean }> {
  let parts: Buffer[] = [];
  let length = 0;
  for (;;) {
    const chunk = await source.read();
    if (stopped()) return;
    if (chunk) {
      parts.push(chunk);
      length += chunk.length;
      if (length < CHUNK) continue;
    }
    if (length === 0) return;
    const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    const cut = chunk ? lastLikelyMemberHeader(bytes) : -1;
    const end = source.position - (cut > 0 ? bytes.length - cut : 0);
    yield { bytes: cut > 0 ? bytes.subarray(0, cut) : bytes, end, beforeMember: cut > 0 };
    parts = cut > 0 ? [bytes.subarray(cut)] : [];
    length = cut > 0 ? bytes.length - cut : 0;
    if (!chunk) return;
  }
}

function drainedOrClosed(stream: Transform): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
