import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { MAX_PRESIGN_SECONDS, periodFolder, S3ReportStore } from '../../lambdas/adapters/s3-report-store';
import type { LocalS3 } from '../../devkit/local-s3';
import { startLocalS3 } from '../../devkit/local-s3';

const BUCKET = 'reports-bucket';
const WEEK = { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' };
const FILES = { html: '<!doctype html><title>r</title>é', csv: 'time,cluster\r\n', json: '{"schema":"x"}\n' };

describe('the report store against s3rver', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket(BUCKET);
  });
  afterAll(async () => s3?.stop());

  it('names a period by its first and last UTC day', () => {
    expect(periodFolder(WEEK)).toBe('2026-11-23_2026-11-29');
    expect(periodFolder({ from: '2026-11-29T00:00:00Z', to: '2026-11-30T00:00:00Z' })).toBe('2026-11-29_2026-11-29');
    expect(() => periodFolder({ from: '2026-11-30T00:00:00Z', to: '2026-11-29T00:00:00Z' })).toThrow(/not a period/);
  });

  it('writes the three files under the scope and period with their content types, and overwrites on a rerun', async () => {
    const store = new S3ReportStore(s3.client, BUCKET);
    const stored = await store.putReport('all', WEEK, FILES);
    expect(stored.keys).toEqual({
      html: 'reports/all/2026-11-23_2026-11-29/report.html',
      csv: 'reports/all/2026-11-23_2026-11-29/findings.csv',
      json: 'reports/all/2026-11-23_2026-11-29/report.json',
    });
    expect(stored.uris.html).toBe(`s3://${BUCKET}/reports/all/2026-11-23_2026-11-29/report.html`);
    const types = await Promise.all(
      (['html', 'csv', 'json'] as const).map(
        async (kind) => (await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: stored.keys[kind] }))).ContentType,
      ),
    );
    expect(types).toEqual(['text/html; charset=utf-8', 'text/csv; charset=utf-8', 'application/json']);

    const again = await store.putReport('all', WEEK, { ...FILES, csv: 'time,cluster\r\nrerun\r\n' });
    expect(again.keys).toEqual(stored.keys);
    const csv = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: again.keys.csv }));
    expect(await csv.Body!.transformToString()).toBe('time,cluster\r\nrerun\r\n');
  });

  it('keeps a cluster name to one key segment, under a custom prefix', () => {
    const store = new S3ReportStore(s3.client, BUCKET, 'compliance/');
    expect(store.keysFor('team/a', WEEK).html).toBe('compliance/team_a/2026-11-23_2026-11-29/report.html');
    expect(store.keysFor('..', WEEK).csv).toBe('compliance/_/2026-11-23_2026-11-29/findings.csv');
  });

  it('pre-signs a GET link that opens the HTML report for the time asked', async () => {
    const store = new S3ReportStore(s3.client, BUCKET);
    const { keys } = await store.putReport('all', WEEK, FILES);
    const url = new URL(await store.presign(keys.html, 3600));
    expect(url.pathname).toBe(`/${BUCKET}/${keys.html}`);
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(FILES.html);
  });

  it('refuses a link lifetime SigV4 cannot sign', async () => {
    const store = new S3ReportStore(s3.client, BUCKET);
    await expect(store.presign('reports/x', 0)).rejects.toThrow(/1 to 604800/);
    await expect(store.presign('reports/x', MAX_PRESIGN_SECONDS + 1)).rejects.toThrow(/1 to 604800/);
    await expect(store.presign('reports/x', MAX_PRESIGN_SECONDS)).resolves.toContain('X-Amz-Expires=604800');
  });
});
