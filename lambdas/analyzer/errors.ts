/**
 * How a record of the batch ends besides success. `ObjectReadError` (a retry may cure it) and
 * `MissingObjectError` (the object is gone: logged, counted, the record succeeds) are the core's,
 * thrown by the object source.
 */
export { MissingObjectError, ObjectReadError } from '../core/ports';

/**
 * The invocation's time ran short before the record was started (or, for a message naming
 * several objects, before one of them was): it fails unread and comes back in another batch.
 * The core's (core/pipeline/notification.ts), which decides it.
 */
export { DeferredRecordError } from '../core/pipeline/notification';

/**
 * The read of an object was stopped at the invocation's deadline after it started with less than
 * half of the invocation's working time (objects before it in the batch took the rest): what was
 * read is stored and alerted on, and the record fails so the rest is read next time. An object
 * that had at least half and still did not finish would only time out again: it is reported
 * (`DeadlineExceeded`) and its record succeeds.
 */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}
