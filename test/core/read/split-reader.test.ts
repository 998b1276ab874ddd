/**
 * The reader's own suites, run again with the reader split in two stages (`readAuditLogFramed`:
 * framing and pre-check, then parsing, through the batches a worker thread sends): the split must
 * keep every guarantee the reader keeps, with the same events and stats.
 */
import type * as FramingModule from '../../../lambdas/core/read/framing';
import type * as ReadModule from '../../../lambdas/core/read';
import './bad-input.test';
import './chunking.property.test';
import './corpus-envelopes.test';
import './deadline.test';
import './decode-gzip-members.test';
import './decode-trailing.test';
import './decode-zstd-checksum.test';
import './formats.test';
import './hostile-input.test';
import './precheck.test';
import './precheck-soundness.test';

jest.mock('../../../lambdas/core/read', () => {
  const actual = jest.requireActual<typeof ReadModule>('../../../lambdas/core/read');
  const framing = jest.requireActual<typeof FramingModule>('../../../lambdas/core/read/framing');
  return { ...actual, readAuditLog: framing.readAuditLogFramed };
});
