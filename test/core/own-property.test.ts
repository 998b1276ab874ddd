import { redactEvidence } from '../../lambdas/core/detect/redact';
import { patchedFields } from '../../lambdas/core/k8s/patch';
import { setOwn } from '../../lambdas/core/own-property';
import { readObjectHead } from '../../lambdas/core/read/event-head';

/** Keys a body may hold that name something on Object.prototype. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON'];

describe('setOwn', () => {
  it.each(PROTOTYPE_KEYS)('makes %s an own data property and leaves the prototype alone', (key) => {
    const target: Record<string, unknown> = {};
    setOwn(target, key, { polluted: 'yes' });
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(target, key)).toEqual({ value: { polluted: 'yes' }, enumerable: true, writable: true, configurable: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the first position and the last value of a key set twice, as JSON.parse does', () => {
    const target: Record<string, unknown> = {};
    for (const [key, value] of [
      ['a', 1],
      ['__proto__', 2],
      ['b', 3],
      ['a', 4],
      ['__proto__', 5],
    ] as const)
      setOwn(target, key, value);
    expect(Object.entries(target)).toEqual(Object.entries(JSON.parse('{"a":1,"__proto__":2,"b":3,"a":4,"__proto__":5}') as object));
  });
});

describe('the copies built with it keep every key as the event had it', () => {
  // Built as JSON.parse builds it: `__proto__` is an own key here, not the prototype.
  const body = JSON.parse('{"metadata":{"__proto__":{"polluted":"yes"},"constructor":"c","name":"x"}}') as Record<string, unknown>;

  it('redaction', () => {
    const out = redactEvidence(body) as { metadata: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.metadata)).toBe(Object.prototype);
    expect(Object.keys(out.metadata)).toEqual(['__proto__', 'constructor', 'name']);
    expect(JSON.stringify(out)).toBe(JSON.stringify(body));
  });

  it("a patch's fields", () => {
    const out = patchedFields(body) as { metadata: Record<string, unknown> };
    expect(Object.getPrototypeOf(out.metadata)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe(JSON.stringify(body));
  });

  it("an oversize document's head", () => {
    const text = '{"__proto__":{"polluted":"yes"},"kind":"Event","toString":"t","kind":"Other"}';
    const head = readObjectHead(Buffer.from(text), 0, text.length);
    expect(Object.getPrototypeOf(head)).toBe(Object.prototype);
    expect(head).toEqual(JSON.parse(text));
    expect(Object.keys(head!)).toEqual(['__proto__', 'kind', 'toString']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
