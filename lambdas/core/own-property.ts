/**
 * Sets `key` as an own, enumerable, writable property of `target`, whatever it is called: every
 * key the reader hands on was written by whoever sent the request or wrote the bucket. Assignment
 * to `__proto__` would replace the object's prototype instead, so that key alone is defined;
 * every other key is assigned, which V8 does an order of magnitude faster than `defineProperty`
 * (and the object stays in fast mode for whoever reads it next). A plain object inherits no
 * other setter from `Object.prototype`.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
