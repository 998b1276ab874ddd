import { nothingReadMessage } from '../../lambdas/cli/read-nothing';
import { emptyStats, recordProblem } from '../../lambdas/core/read/stats';

describe('nothingReadMessage', () => {
  it('says nothing when an event was read', () => {
    expect(nothingReadMessage(1, { ...emptyStats(), events: 1 }, ['logs'])).toBeUndefined();
  });

  it('tells a missing path from objects that are not audit logs', () => {
    expect(nothingReadMessage(0, emptyStats(), ['s3://b/p'])).toBe('no audit event read: no object found under s3://b/p (check the path or the S3 prefix)');
    expect(nothingReadMessage(2, { ...emptyStats(), bytesIn: 2048 }, ['a', 'b'])).toBe(
      'no audit event read: all 2 objects (2.0 KiB) under 2 locations held none (not audit logs, or empty)',
    );
  });

  it('says that reading failed, with the first cause escaped, rather than blame the content', () => {
    const stats = emptyStats();
    recordProblem(stats, 'source-error', 0, 1, 'reading failed: AccessDenied for s3://b/evil\u001b[2Jname');
    recordProblem(stats, 'source-error', 0, 1, 'reading failed: the second');
    const message = nothingReadMessage(2, stats, ['s3://b/']);
    expect(message).toMatch(/^no audit event read under s3:\/\/b\/, and reading failed \(first: reading failed: AccessDenied for s3:\/\/b\/evil.*name\)$/);
    expect(message).not.toContain('\u001b');
    expect(message).not.toContain('not audit logs');
  });
});
