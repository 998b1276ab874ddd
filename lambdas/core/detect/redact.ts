/**
 * Secrets never leave: evidence passes through here before a finding is stored or sent.
 * Secret data, token fields, credentials in URLs and env values named like secrets are replaced,
 * keeping the shape (which keys a Secret had is evidence; their values are not).
 */
export const REDACTED = '[redacted]';

const SECRET_KEYS = new Set([
  'token', 'accesstoken', 'refreshtoken', 'idtoken', 'bearertoken', 'password', 'passwd', 'secretaccesskey',
  'privatekey', 'client-key-data', 'clientkey', 'apikey', 'api_key', 'authorization', 'cookie', 'sessiontoken',
]);
const SECRET_DATA_KEYS = new Set(['data', 'stringData', 'binaryData']);
const SECRET_ENV_NAME = /(pass(word)?|secret|token|api[-_]?key|private[-_]?key|credential|auth)/i;
const JWT = /\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}\b/g;
const BEARER = /\b(bearer|basic)\s+[\w\-.~+/=]{8,}/gi;
const URL_CREDENTIAL = /([?&](?:access_token|token|password|passwd|secret|sig|signature|x-amz-signature|x-amz-security-token)=)[^&\s"']+/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s:]+:[^/@\s]+@/gi;
const AWS_SECRET = /(aws_secret_access_key\s*[=:]\s*)[A-Za-z0-9/+=]{30,}/gi;
const MAX_DEPTH = 40;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * `secret`: the evidence is about a Secret (e.g. a patch to one, which carries no `kind`), so
 * every `data`/`stringData` found is treated as secret data.
 */
export function redactEvidence<T>(value: T, options: { secret?: boolean } = {}): T {
  return redact(value, 0, options.secret === true) as T;
}

/** Redacts credentials in free text: tokens, bearer headers, URL credentials. */
export function redactText(text: string): string {
  return text
    .replace(JWT, REDACTED)
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(URL_CREDENTIAL, `$1${REDACTED}`)
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(AWS_SECRET, `$1${REDACTED}`);
}

function redact(value: unknown, depth: number, inSecret: boolean): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[pruned]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, inSecret));
  const record = value as Record<string, unknown>;
  const isSecret = inSecret || record.kind === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record)) {
    if (isSecret && SECRET_DATA_KEYS.has(key) && typeof v === 'object' && v !== null) {
      out[key] = Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED]));
    } else if (isSecret && key === LAST_APPLIED) {
      out[key] = REDACTED; // kubectl apply keeps the whole Secret, data included, in this annotation
    } else if (isSecret && key === 'value' && typeof record.path === 'string' && /^\/(data|stringData|binaryData)\b/.test(record.path)) {
      out[key] = REDACTED; // a JSON patch operation on a Secret's data
    } else if (SECRET_KEYS.has(key.toLowerCase()) && v !== null && v !== undefined && v !== '') {
      out[key] = REDACTED;
    } else if (key === 'value' && typeof v === 'string' && typeof record.name === 'string' && SECRET_ENV_NAME.test(record.name)) {
      out[key] = REDACTED; // a container env entry such as {name: DB_PASSWORD, value: …}
    } else {
      out[key] = redact(v, depth + 1, isSecret);
    }
  }
  return out;
}
