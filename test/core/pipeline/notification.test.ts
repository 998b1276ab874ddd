import { DeferredRecordError, handleNotification } from '../../../lambdas/core/pipeline/notification';
import type { ObjectRemoval } from '../../../lambdas/core/pipeline/removals';

const removal: ObjectRemoval = { bucket: 'audit-logs', key: 'clusters/prod/a.gz', eventName: 'ObjectRemoved:Delete', eventTime: '2026-11-30T12:00:00Z' };

function steps(passedAfter = Infinity) {
  const done: string[] = [];
  return {
    done,
    passed: () => done.length >= passedAfter,
    removals: (removed: readonly ObjectRemoval[]) => (done.push(`removed ${removed.length}`), Promise.resolve()),
    object: (key: string) => (done.push(key), Promise.resolve()),
    name: (key: string) => `s3://audit-logs/${key}`,
  };
}

describe('one work message', () => {
  it('raises the removals first, then analyzes each created object in order', async () => {
    const s = steps();
    expect(await handleNotification({ created: ['a', 'b'], removed: [removal, removal] }, s)).toBe(true);
    expect(s.done).toEqual(['removed 2', 'a', 'b']);
  });

  it('says when the message names nothing to do', async () => {
    const s = steps(0);
    expect(await handleNotification({ created: [], removed: [] }, s)).toBe(false);
    expect(s.done).toEqual([]);
  });

  it('starts nothing once the time is up, naming the first object not started', async () => {
    await expect(handleNotification({ created: ['a'], removed: [removal] }, steps(0))).rejects.toThrow(
      new DeferredRecordError('not started: the invocation is near its timeout'),
    );
    const s = steps(2);
    await expect(handleNotification({ created: ['a', 'b', 'c'], removed: [] }, s)).rejects.toThrow(
      's3://audit-logs/c not started: the invocation is near its timeout',
    );
    expect(s.done).toEqual(['a', 'b']);
  });
});
