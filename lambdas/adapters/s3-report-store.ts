import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Period } from '../core/compliance/types';
import type { ReportFiles, ReportKind, ReportStore, StoredReport } from '../core/ports';

const FILES: Readonly<Record<ReportKind, { name: string; contentType: string }>> = {
  html: { name: 'report.html', contentType: 'text/html; charset=utf-8' },
  csv: { name: 'findings.csv', contentType: 'text/csv; charset=utf-8' },
  json: { name: 'report.json', contentType: 'application/json' },
};

/** SigV4 query signatures are valid for at most 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * The compliance reports in S3: `<prefix><scope>/<first day>_<last day>/report.html|findings.csv|report.json`,
 * where `scope` is the cluster the report covers or `all`, and the days are the period's first and
 * last UTC day (inclusive: a period is [from, to), so a week of 2026-11-23 to 2026-11-30T00:00Z is
 * `2026-11-23_2026-11-29`). The keys depend only on the scope and the period, so a rerun for the
 * same schedule time overwrites the same objects. Encryption is the bucket's default.
 */
export class S3ReportStore implements ReportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = 'reports/',
  ) {}

  /** The keys a report of `scope` over `period` is written under. */
  keysFor(scope: string, period: Pick<Period, 'from' | 'to'>): Record<ReportKind, string> {
    const folder = `${this.prefix}${segment(scope)}/${periodFolder(period)}/`;
    return { html: folder + FILES.html.name, csv: folder + FILES.csv.name, json: folder + FILES.json.name };
  }

  async putReport(scope: string, period: Pick<Period, 'from' | 'to'>, files: ReportFiles): Promise<StoredReport> {
    const keys = this.keysFor(scope, period);
    // The HTML last: the link people open goes to a report whose CSV and JSON are there already.
    for (const kind of ['json', 'csv', 'html'] as const) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: keys[kind], Body: files[kind], ContentType: FILES[kind].contentType }));
    }
    const uri = (key: string): string => `s3://${this.bucket}/${key}`;
    return { bucket: this.bucket, keys, uris: { html: uri(keys.html), csv: uri(keys.csv), json: uri(keys.json) } };
  }

  /**
   * A pre-signed GET link to one object, valid for `expiresInSeconds` (1 s to 7 days).
   *
   * The link is signed with the caller's credentials and works only as long as they do: signed in
   * a Lambda with the function role's temporary credentials, it stops working when that session
   * expires, whatever `expiresIn` says (Lambda does not follow the role's maximum session duration,
   * and a session lasts hours, not days). S3 also checks the signer's rights when the link is
   * opened: the signer needs `s3:GetObject` on the key (and `kms:Decrypt` on the bucket's key, for
   * a bucket encrypted with a customer-managed KMS key).
   */
  async presign(key: string, expiresInSeconds: number): Promise<string> {
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
      throw new Error(`a pre-signed link lasts 1 to ${MAX_PRESIGN_SECONDS} whole seconds, not ${expiresInSeconds}`);
    }
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}

/** `<first day>_<last day>` of a period [from, to). */
export function periodFolder(period: Pick<Period, 'from' | 'to'>): string {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  if (Number.isNaN(from) || Number.isNaN(to) || to < from) throw new Error(`not a period: ${period.from} – ${period.to}`);
  const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
  return `${day(from)}_${day(Math.max(from, to - 1))}`;
}

/** One key segment: a slash (or an empty name) must not add or drop a level of the layout. */
function segment(part: string): string {
  const safe = part.replace(/[/\\]/g, '_');
  return safe === '' || safe === '.' || safe === '..' ? '_' : safe;
}
