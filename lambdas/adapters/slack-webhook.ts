import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

/**
 * Slack incoming webhooks: the URL from Secrets Manager, and a poster that respects Slack's rate.
 *
 * The webhook URL is itself the credential (anyone holding it can post to the channel), so it is
 * never put in an error message, a log line or an error's `cause`: errors name the secret, the
 * HTTP status and Slack's short error code only.
 */

export type Sleep = (ms: number) => Promise<void>;
export type Clock = () => number;

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Hosts that may be reached over plain http, and only when the allow-list names them: for tests against a local server. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Reading or validating the webhook secret failed. The message never contains the secret's value. */
export class WebhookSecretError extends Error {
  override readonly name = 'WebhookSecretError';
}

/** Slack did not accept a post, after the retries. The message never contains the URL. */
export class SlackPostError extends Error {
  override readonly name = 'SlackPostError';
  constructor(
    message: string,
    /** The last HTTP status, when there was a response. */
    readonly status: number | undefined,
    /** Slack's short error text, e.g. `invalid_payload`, `no_service`. */
    readonly slackError: string | undefined,
    readonly attempts: number,
  ) {
    super(message);
  }
}

export interface WebhookUrlProvider {
  get(): Promise<URL>;
  /** Drops the cached URL, so the next `get` reads the secret again (after Slack refused the URL, say). */
  invalidate(): void;
}

export interface SecretsManagerWebhookUrlOptions {
  /** The secret's ARN or name. */
  secretId: string;
  /** How long a read URL is used before the secret is read again, so a rotation is picked up. Default 5 minutes. */
  ttlMs?: number;
  /** Hosts the URL may point at. Default `hooks.slack.com`. Loopback hosts listed here may use http. */
  allowedHosts?: readonly string[];
  now?: Clock;
}

/**
 * The webhook URL from a Secrets Manager secret whose value is the URL itself or JSON
 * `{"webhookUrl": "https://hooks.slack.com/services/…"}`, cached for `ttlMs`. Concurrent callers
 * share one read.
 */
export class SecretsManagerWebhookUrl implements WebhookUrlProvider {
  private readonly ttlMs: number;
  private readonly allowedHosts: ReadonlySet<string>;
  private readonly now: Clock;
  private cached: { url: Promise<URL>; readAt: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretsManagerWebhookUrlOptions,
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.allowedHosts = new Set((options.allowedHosts ?? ['hooks.slack.com']).map((h) => h.toLowerCase()));
    this.now = options.now ?? Date.now;
  }

  get(): Promise<URL> {
    const now = this.now();
    if (this.cached && now - this.cached.readAt < this.ttlMs) return this.cached.url;
    const url = this.read();
    this.cached = { url, readAt: now };
    // A failed read is not cached: the next call (the Lambda's retry) reads again.
    url.catch(() => {
      if (this.cached?.url === url) this.cached = undefined;
    });
    return url;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async read(): Promise<URL> {
    const id = this.options.secretId;
    let value: string | undefined;
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: id }));
      value = response.SecretString ?? (response.SecretBinary ? Buffer.from(response.SecretBinary).toString('utf8') : undefined);
    } catch (error) {
      // The SDK's error names the secret and the caller's identity, never the value.
      const e = error as Error;
      throw new WebhookSecretError(`could not read the Slack webhook secret ${id}: ${e.name}: ${e.message}`);
    }
    if (value === undefined || value.trim() === '') throw new WebhookSecretError(`the Slack webhook secret ${id} is empty`);
    return this.validate(webhookUrlIn(value.trim(), id), id);
  }

  private validate(text: string, id: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new WebhookSecretError(`the Slack webhook secret ${id} does not hold a URL (expected the URL or {"webhookUrl": "https://hooks.slack.com/…"})`);
    }
    const host = url.hostname.toLowerCase();
    if (!this.allowedHosts.has(host))
      throw new WebhookSecretError(`the Slack webhook URL in ${id} is not on an allowed host (${[...this.allowedHosts].join(', ')})`);
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(host));
    if (!secure) throw new WebhookSecretError(`the Slack webhook URL in ${id} must use https`);
    if (url.username !== '' || url.password !== '') throw new WebhookSecretError(`the Slack webhook URL in ${id} must not carry credentials`);
    return url;
  }
}

/** The URL text in a secret value: the value itself, or its `webhookUrl` when it is a JSON object. */
function webhookUrlIn(value: string, id: string): string {
  if (!value.startsWith('{')) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new WebhookSecretError(`the Slack webhook secret ${id} looks like JSON but does not parse`);
  }
  const url = (parsed as { webhookUrl?: unknown }).webhookUrl;
  if (typeof url !== 'string' || url === '') throw new WebhookSecretError(`the Slack webhook secret ${id} is JSON without a "webhookUrl" string`);
  return url;
}

// ---------------------------------------------------------------------------------------------

export interface SlackWebhookPosterOptions {
  /** Least time between two requests from this poster (Slack allows about one message a second per webhook). Default 1000. */
  minIntervalMs?: number;
  /** Retries after the first attempt, for 429, 5xx and network errors. Default 3. */
  maxRetries?: number;
  /** The first backoff after a 5xx or a network error; it doubles each time. Default 1000. */
  backoffMs?: number;
  /** A `Retry-After` longer than this is not waited out: the post fails and the Lambda's own retry comes later. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  sleep?: Sleep;
  now?: Clock;
  fetch?: typeof fetch;
}

export interface PostResult {
  status: number;
  attempts: number;
}

/**
 * Posts JSON to a Slack webhook. Requests are serialised and spaced `minIntervalMs` apart (every
 * attempt counts, retries included); 429 is retried after `Retry-After`, 5xx and network errors
 * after an exponential backoff, a bounded number of times; other 4xx fail at once (retrying
 * `invalid_payload` or a revoked webhook cannot help).
 */
export class SlackWebhookPoster {
  private readonly minIntervalMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly sleep: Sleep;
  private readonly now: Clock;
  private readonly fetch: typeof fetch;
  private lastRequestAt: number | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: SlackWebhookPosterOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffMs = options.backoffMs ?? 1000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  post(url: URL, body: unknown): Promise<PostResult> {
    const run = this.tail.then(() => this.send(url, JSON.stringify(body)));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async send(url: URL, payload: string): Promise<PostResult> {
    for (let attempt = 1; ; attempt++) {
      await this.space();
      let status: number | undefined;
      let slackError: string | undefined;
      let wait: number | undefined;
      try {
        const response = await this.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: payload,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = response.status;
        slackError = shortError(await response.text().catch(() => ''));
        if (response.ok) return { status, attempts: attempt };
        if (status === 429) wait = retryAfterMs(response.headers.get('retry-after'), this.now()) ?? this.backoff(attempt);
        else if (status >= 500) wait = this.backoff(attempt);
      } catch (error) {
        // Only the error's code: undici's messages and causes can carry the address.
        slackError = networkCode(error);
        wait = this.backoff(attempt);
      }
      const what = status !== undefined ? `HTTP ${status}${slackError ? ` ${slackError}` : ''}` : `network error ${slackError ?? ''}`.trim();
      if (wait === undefined) throw new SlackPostError(`Slack webhook refused the message: ${what} (not retried)`, status, slackError, attempt);
      if (attempt > this.maxRetries) throw new SlackPostError(`Slack webhook failed after ${attempt} attempts: ${what}`, status, slackError, attempt);
      if (wait > this.maxRetryAfterMs)
        throw new SlackPostError(
          `Slack webhook asked to wait ${Math.ceil(wait / 1000)} s, longer than ${this.maxRetryAfterMs / 1000} s: ${what}`,
          status,
          slackError,
          attempt,
        );
      await this.sleep(wait);
    }
  }

  /** Waits until `minIntervalMs` after the previous request, then marks this one. */
  private async space(): Promise<void> {
    if (this.lastRequestAt !== undefined) {
      const wait = this.lastRequestAt + this.minIntervalMs - this.now();
      if (wait > 0) await this.sleep(wait);
    }
    this.lastRequestAt = this.now();
  }

  private backoff(attempt: number): number {
    return this.backoffMs * 2 ** (attempt - 1);
  }
}

/** `Retry-After` in seconds (what Slack sends); an HTTP date is accepted too. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Slack answers errors with a short code such as `invalid_payload`; anything else is cut to a safe token. */
function shortError(text: string): string | undefined {
  const token = text
    .trim()
    .slice(0, 80)
    .replace(/[^\w.:-]+/g, ' ')
    .trim();
  return token === '' ? undefined : token;
}

function networkCode(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  if (typeof e.cause?.code === 'string') return e.cause.code;
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' ? e.name : 'unknown';
}
