import type { Finding } from '../finding';
import { setOwn } from '../own-property';

/**
 * Secrets never leave: every string of a finding passes through here before it is stored or sent.
 * Secret data, token fields, credentials in URLs, headers and command lines, and env values named
 * like secrets are replaced, keeping the shape (which keys a Secret had is evidence; their values
 * are not). Everything here is idempotent: redacting twice gives what redacting once gave, so any
 * step downstream may redact again.
 *
 * The patterns run over attacker-written text of any length, so each one is linear: no unbounded
 * quantifier is followed by something that can fail after it.
 */
export const REDACTED = '[redacted]';

const SECRET_KEYS = new Set([
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'bearertoken',
  'password',
  'passwd',
  'secretaccesskey',
  'privatekey',
  'client-key-data',
  'clientkey',
  'apikey',
  'api_key',
  'authorization',
  'cookie',
  'sessiontoken',
]);
/** Keys whose string values are credentials, in any case and with any prefix: `dbPassword`, `client_secret`, `X-Api-Key`. */
const SECRET_KEY_SUFFIX = /(?:password|passwd|passphrase|token|secret|api[-_]?key|access[-_]?key|secret[-_]?key|credentials?)$/i;
const SECRET_DATA_KEYS = new Set(['data', 'stringData', 'binaryData']);
const SECRET_ENV_NAME = /(pass(word)?|secret|token|api[-_]?key|private[-_]?key|credential|auth)/i;
const MAX_DEPTH = 40;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The name of a setting that holds a credential, as a flag (`--password`, `--client-secret`), an
 * environment variable (`PGPASSWORD`, `AWS_SECRET_ACCESS_KEY`, `MYSQL_PWD`) or a URL or config key
 * (`access_token`, `api-key`). The word must end the name: `--password-file`, `--token-ttl` and
 * `--secret-name` name no credential. `pass`, `pwd` and `pw` count only with a prefix (`DB_PASS`),
 * since `PWD` is the working directory.
 */
const SECRET_NAME =
  /^(?:--?)?(?:(?:[a-z0-9]+[-_.])*[a-z0-9]*(?:password|passwd|passphrase|token|secret|api[-_]?key|access[-_]?key|secret[-_]?key|credentials?)|(?:[a-z0-9]+[-_.])+(?:pass|pwd|pw))$/i;
/** Flags whose next argument is `user:password` (curl, wget, httpie and friends). */
const USER_FLAGS = new Set(['-u', '-U', '--user', '--proxy-user', '--http-user', '--auth']);
/** MySQL-family clients, where `-pSECRET` (no space) is the password; `-p 8080` elsewhere is a port and stays. */
const MYSQL_PROGRAM = /^(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlpump|mysqlsh|mariadb|mariadb-dump|mariadb-admin)$/;

const JWT = /\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}\b/g;
const BEARER = /\b(bearer|basic)\s+[\w\-.~+/=]{8,}/gi;
/** Header lines, as `curl -H` takes them: the scheme word is kept, the credential is not. */
const HEADER =
  /\b((?:proxy-)?authorization|x-api-key|api-key|x-auth-token|x-vault-token|private-token|x-access-token|x-amz-security-token|x-goog-api-key|x-functions-key)(\s*:\s*)(?:(bearer|basic|token|digest|negotiate|apikey|key)\s+)?([^\s"'`,;]+)/gi;
const COOKIE = /\b((?:set-)?cookie)(\s*:\s*)[^"'`\r\n]+/gi;
const URL_CREDENTIAL =
  /([?&;](?:access_token|id_token|refresh_token|token|auth_token|password|passwd|pwd|secret|client_secret|api_key|apikey|api-key|x-api-key|key_secret|sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential)=)[^&\s"'`#]+/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]{0,30}:\/\/)[^/@\s:]+:[^/@\s]+@/gi;
const AWS_SECRET = /(aws_secret_access_key\s*[=:]\s*)[A-Za-z0-9/+=]{30,}/gi;
/** AWS access key ids (long-term AKIA, temporary ASIA). Role and user ids (AROA, AIDA) are names, not credentials. */
const AWS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
/** A 40-character base64 run standing alone: the shape of an AWS secret access key. Judged in `awsSecretLike`. */
const FORTY = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
/** `"password": "…"` in JSON text (a body excerpt in a message). */
const JSON_FIELD = /("([\w.-]{1,80})"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
/**
 * `NAME=value`: environment assignments, `--flag=value`, query and config pairs. The name is judged
 * by SECRET_NAME. A quoted value takes what sticks to it (`""(`), so that redacting twice changes
 * nothing: `[redacted](` would otherwise be read as a value the second time.
 */
const ASSIGNMENT = /(?<![\w.-])((?:--?)?[A-Za-z_][\w.-]{0,80}?)=("[^"]*"[^\s"'`&;|]*|'[^']*'[^\s"'`&;|]*|[^\s"'`&;|]+)/g;
/** `--flag value`: a flag named like a credential followed by a value that is not another flag (quoted values as in ASSIGNMENT). */
const FLAG_VALUE = /(?<![\w-])(--?[A-Za-z][\w.-]{0,80}?)(\s+)("[^"]*"[^\s"'`&;|]*|'[^']*'[^\s"'`&;|]*|[^\s"'`&;|-][^\s"'`&;|]*)/g;
/** `-u user:password`, `--user=user:password`, `-uuser:password`. */
const USER_PASSWORD = /(?<![\w-])(-u|-U|--user|--proxy-user|--http-user)(=|\s+)?(["']?)([^\s:"'@/]{1,200}):([^\s"'`]+)/g;
/** `mysql … -pSECRET` within one command (up to a separator). */
const MYSQL_PASSWORD =
  /(\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlpump|mysqlsh|mariadb|mariadb-dump|mariadb-admin)\b[^|;&\n]{0,500}?\s)-p(?=[^\s])([^\s"'`]+)/g;

/** Whether a name is that of a credential (see SECRET_NAME). */
export function isSecretName(name: string): boolean {
  return name.length <= 100 && SECRET_NAME.test(name);
}

/**
 * A 40-character run counts as an AWS secret key when it mixes upper case, lower case and digits
 * or `/`/`+`: git commit ids (lower-case hex), digests and Kubernetes names never do. Paths start
 * with `/` and are left alone.
 */
function awsSecretLike(run: string): boolean {
  return !run.startsWith('/') && /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9/+]/.test(run);
}

/** Strings up to this length are remembered once redacted: keys, names, users and agents recur on every finding. */
const MEMO_MAX_LENGTH = 256;
/** Remembered strings at most (about 2 MB at worst); the memo starts over when full. */
const MEMO_MAX_ENTRIES = 4096;
const memo = new Map<string, string>();

/** Redacts credentials in free text: tokens, headers, URL credentials, command-line and env secrets. */
export function redactText(text: string): string {
  if (text.length === 0) return text;
  if (text.length > MEMO_MAX_LENGTH) return redactUncached(text);
  let redacted = memo.get(text);
  if (redacted === undefined) {
    if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
    redacted = redactUncached(text);
    memo.set(text, redacted);
  }
  return redacted;
}

function redactUncached(text: string): string {
  return text
    .replace(JWT, REDACTED)
    .replace(AWS_KEY_ID, REDACTED)
    .replace(FORTY, (run) => (awsSecretLike(run) ? REDACTED : run))
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(HEADER, (_m, name: string, sep: string, scheme: string | undefined) => `${name}${sep}${scheme ? `${scheme} ` : ''}${REDACTED}`)
    .replace(COOKIE, `$1$2${REDACTED}`)
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(URL_CREDENTIAL, `$1${REDACTED}`)
    .replace(AWS_SECRET, `$1${REDACTED}`)
    .replace(JSON_FIELD, (m, head: string, name: string) => (isSecretName(name) ? `${head}"${REDACTED}"` : m))
    .replace(ASSIGNMENT, (m, name: string) => (isSecretName(name) ? `${name}=${REDACTED}` : m))
    .replace(FLAG_VALUE, (m, flag: string, space: string) => (isSecretName(flag) ? `${flag}${space}${REDACTED}` : m))
    .replace(USER_PASSWORD, (m, flag: string, sep: string | undefined, quote: string, user: string, secret: string) =>
      /^\d+$/.test(secret) ? m : `${flag}${sep ?? ''}${quote}${user}:${secret.endsWith(quote) && quote !== '' ? `${REDACTED}${quote}` : REDACTED}`,
    )
    .replace(MYSQL_PASSWORD, `$1-p${REDACTED}`);
}

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/**
 * Redacts a command's arguments (one argv element each, as exec requests and container specs
 * carry them): each element as text, and an element after a flag that takes a credential
 * (`--password`, `--token`, then the secret as the next element), the password of `-u user:pass`,
 * and a MySQL client's `-pSECRET`. `-p 8080` stays: only MySQL-family clients read `-p` as a
 * password, and only attached to it.
 */
export function redactArgv(args: readonly string[]): string[] {
  const mysql = args.some((a) => MYSQL_PROGRAM.test(basename(a)));
  return args.map((arg, i) => {
    const previous = i > 0 ? args[i - 1] : '';
    if (previous.startsWith('-') && !arg.startsWith('-') && isSecretName(previous)) return REDACTED;
    if (USER_FLAGS.has(previous)) {
      const colon = arg.indexOf(':');
      if (colon > 0 && !/^\d+$/.test(arg.slice(colon + 1))) return `${redactText(arg.slice(0, colon))}:${REDACTED}`;
    }
    if (mysql && /^-p./.test(arg)) return `-p${REDACTED}`;
    return redactText(arg);
  });
}

/**
 * `secret`: the evidence is about a Secret (e.g. a patch to one, which carries no `kind`), so
 * every `data`/`stringData` found is treated as secret data.
 */
export function redactEvidence<T>(value: T, options: { secret?: boolean } = {}): T {
  return redact(value, 0, options.secret === true) as T;
}

/**
 * Every string a finding carries, at any depth: summary, title, actor, target, evidence and
 * whatever a later version adds. The fingerprint is ours (a digest) and is kept as it is, so a
 * finding redacted again keys the same. Evidence about a Secret treats its data as secret.
 */
export function redactFinding(finding: Finding): Finding {
  const secret = finding.target.resource === 'secrets';
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(finding)) {
    if (key === 'fingerprint') out[key] = value;
    else if (key === 'evidence') out[key] = redact(value, 0, secret);
    else out[key] = redact(value, 0, false);
  }
  return out as unknown as Finding;
}

/**
 * A problem sample's detail for output: JSON.parse quotes the input around a syntax error
 * (`Unexpected token 'h', ..."assword": hunter2}" is not valid JSON`), and that excerpt can be
 * anything the log held, so it is dropped; the rest is redacted like any text.
 */
export function redactProblemDetail(detail: string): string {
  const excerpt = /(Unexpected (?:token|character)[^,]{0,16}), (?:\.\.\.)?".*?(?:"(?:\.\.\.)? is not valid JSON|$)/s;
  const quoted = /^(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON/s;
  const cut = detail.replace(excerpt, '$1 (input not shown)').replace(quoted, 'input (not shown) is not valid JSON');
  return redactText(cut);
}

function redact(value: unknown, depth: number, inSecret: boolean): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[pruned]';
  if (Array.isArray(value)) {
    // A list of strings may be a command line, whose secrets can sit in the element after a flag.
    if (value.length > 0 && value.every((v) => typeof v === 'string')) return redactArgv(value);
    return value.map((v) => redact(v, depth + 1, inSecret));
  }
  const record = value as Record<string, unknown>;
  const isSecret = inSecret || record.kind === 'Secret';
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record)) {
    if (isSecret && SECRET_DATA_KEYS.has(key) && typeof v === 'object' && v !== null) {
      setOwn(out, key, Object.fromEntries(Object.keys(v).map((k) => [redactText(k), REDACTED])));
    } else if (isSecret && key === LAST_APPLIED) {
      setOwn(out, key, REDACTED); // kubectl apply keeps the whole Secret, data included, in this annotation
    } else if (isSecret && key === 'value' && typeof record.path === 'string' && /^\/(data|stringData|binaryData)\b/.test(record.path)) {
      setOwn(out, key, REDACTED); // a JSON patch operation on a Secret's data
    } else if (SECRET_KEYS.has(key.toLowerCase()) && v !== null && v !== undefined && v !== '') {
      setOwn(out, key, REDACTED);
    } else if (typeof v === 'string' && v !== '' && key.length <= 100 && SECRET_KEY_SUFFIX.test(key)) {
      setOwn(out, redactText(key), REDACTED);
    } else if (key === 'value' && typeof v === 'string' && typeof record.name === 'string' && SECRET_ENV_NAME.test(record.name)) {
      setOwn(out, key, REDACTED); // a container env entry such as {name: DB_PASSWORD, value: …}
    } else {
      setOwn(out, redactText(key), redact(v, depth + 1, isSecret));
    }
  }
  return out;
}
