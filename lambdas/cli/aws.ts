/**
 * What the commands that reach AWS share: the client settings from `--region`/`--profile`, the
 * one-line Node.js note, and AWS errors said in one line with what to do. Nothing here imports
 * the SDK: the commands load their clients when they need them.
 */
import type { Io } from './io';

/** `--region` and `--profile`, as every AWS SDK v3 client takes them (unset: the standard chain). */
export interface AwsOptions {
  region?: string;
  profile?: string;
}

/** The client configuration of the options. */
export function awsClientConfig(options: AwsOptions, region = options.region): { region?: string; profile?: string } {
  return { ...(region ? { region } : {}), ...(options.profile ? { profile: options.profile } : {}) };
}

/** The SDK's own support notice is nine lines; it is said once here, in one, and only where the SDK is used. */
const SDK_NODE_NOTICE = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
const SDK_NEXT_NODE_MAJOR = 22;

/** Call before the first AWS client is made. */
export function prepareAwsSdk(io: Io, quiet = false): void {
  const env = io.env ?? process.env;
  if (process.env[SDK_NODE_NOTICE] !== undefined) return;
  process.env[SDK_NODE_NOTICE] = 'true';
  const major = Number(process.versions.node.split('.')[0]);
  if (major < SDK_NEXT_NODE_MAJOR && !quiet && env.K8S_AUDIT_ANALYZER_NO_NODE_NOTE === undefined)
    io.err(`note: Node.js ${major} works; AWS SDK releases after January 2027 need Node.js ${SDK_NEXT_NODE_MAJOR} or later`);
}

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  Code?: string;
}

/** Error names and codes that mean the same thing to the person at the keyboard. */
const ADVICE: Array<{ test: (e: AwsLikeError, text: string) => boolean; say: (e: AwsLikeError) => string }> = [
  {
    test: (_e, text) => /region is missing/i.test(text),
    say: () => 'no AWS region: pass --region (e.g. --region eu-west-1) or set AWS_REGION',
  },
  {
    test: (e, text) => /profile .* could not be found|could not find profile/i.test(text) || e.name === 'ProfileNotFound',
    say: (e) => `AWS profile not found (${firstLine(e.message)}): check --profile or AWS_PROFILE against ~/.aws/config`,
  },
  {
    test: (_e, text) => /sso.*(expired|refresh)|token.*expired.*sso/i.test(text),
    say: () => "the AWS SSO session has expired: run 'aws sso login' (with --profile if you use one) and try again",
  },
  {
    test: (e) => ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'].includes(e.name ?? e.Code ?? ''),
    say: () => 'the AWS credentials have expired: refresh them (aws sso login, or new keys) and try again',
  },
  {
    test: (e, text) => e.name === 'CredentialsProviderError' || /could not load credentials/i.test(text),
    say: () => "no AWS credentials found: set AWS_PROFILE (or pass --profile), run 'aws configure' or 'aws sso login'",
  },
  {
    test: (e) => ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'InvalidClientTokenId'].includes(e.name ?? ''),
    say: (e) => `AWS rejected the credentials (${e.name}): check the access key and secret, or the profile`,
  },
  {
    test: (e) => ['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException'].includes(e.name ?? ''),
    say: () => "the bucket is in another region: pass that bucket's region with --region",
  },
  {
    test: (e) => e.name === 'NoSuchBucket',
    say: (e) => `no such bucket (${firstLine(e.message)}): check the s3:// location and the account`,
  },
  {
    test: (e) => ['AccessDenied', 'AccessDeniedException', 'Forbidden'].includes(e.name ?? '') || e.$metadata?.httpStatusCode === 403,
    say: (e) =>
      `access denied (${firstLine(e.message)}): the credentials in use lack the permission; check the identity (aws sts get-caller-identity) and its policy`,
  },
  {
    test: (e) => ['ENOTFOUND', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN'].includes(e.code ?? '') || e.name === 'TimeoutError',
    say: (e) => `cannot reach AWS (${e.code ?? e.name}): check the network, a proxy (HTTPS_PROXY) or --region`,
  },
];

/**
 * An AWS SDK error in one line that says what to do; undefined for an error that is not the
 * SDK's (a bug should show as one, not be dressed up as advice).
 */
export function awsErrorLine(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as AwsLikeError;
  const text = `${e.name ?? ''} ${e.message ?? ''}`;
  const advice = ADVICE.find((a) => a.test(e, text));
  if (advice) return advice.say(e);
  if (e.$metadata !== undefined) return `AWS said ${e.name ?? 'error'}: ${firstLine(e.message)}`;
  return undefined;
}

function firstLine(text: string | undefined): string {
  const line = (text ?? '').split('\n', 1)[0].trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
