import { patchedFields, removedPaths } from '../../../lambdas/core/k8s/patch';

/** Whether anything new appeared on the prototype every plain object shares. */
function prototypeIsClean(): boolean {
  return Object.keys(Object.prototype).length === 0 && ({} as Record<string, unknown>).polluted === undefined;
}

describe('what a patch sets', () => {
  it('turns a JSON patch into the sparse object it writes', () => {
    const fields = patchedFields([
      { op: 'add', path: '/spec/template/spec/containers/0/securityContext/privileged', value: true },
      { op: 'remove', path: '/spec/replicas' },
    ]);
    expect(fields).toEqual({ spec: { template: { spec: { containers: [{ securityContext: { privileged: true } }] } } } });
    expect(removedPaths([{ op: 'remove', path: '/spec/replicas' }])).toEqual(['/spec/replicas']);
  });

  it('drops strategic-merge directives and keeps the rest', () => {
    expect(patchedFields({ $setElementOrder: [], spec: { hostPID: true, $patch: 'merge' } })).toEqual({ spec: { hostPID: true } });
  });

  // A patch body is written by whoever sent the request: `__proto__` is a key, never a way into Object.prototype.
  it('never writes into Object.prototype, whatever the paths and keys say', () => {
    const jsonPatch = patchedFields([
      { op: 'add', path: '/__proto__/polluted', value: 'yes' },
      { op: 'add', path: '/constructor/prototype/polluted', value: 'yes' },
      { op: 'add', path: '', value: JSON.parse('{"__proto__":{"polluted":"yes"}}') as unknown },
    ]);
    const merge = patchedFields(JSON.parse('{"metadata":{"__proto__":{"polluted":"yes"}}}') as unknown);
    expect(prototypeIsClean()).toBe(true);
    // The keys are still there to read, as own properties.
    expect(Object.getPrototypeOf(jsonPatch)).toBe(Object.prototype);
    expect(Object.hasOwn(jsonPatch!, '__proto__')).toBe(true);
    expect(Object.hasOwn((merge as { metadata: object }).metadata, '__proto__')).toBe(true);
  });
});
