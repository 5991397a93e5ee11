/**
 * Freezes a parsed JSON value and everything in it (JSON has no cycles). For values handed to more than
 * one request (cached results, shared headers): a handler that pushes onto `payload.roles` must not
 * change what the next request sees.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) deepFreeze(value[index]);
  } else {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
