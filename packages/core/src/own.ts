/**
 * A member of a token's header or payload, only if the object itself has it. A parsed JSON object
 * inherits from `Object.prototype`, so a plain `payload[name]` finds `constructor`, `toString` or
 * `__proto__` in every token: `requiredClaims: ['constructor']` would pass on a token without it.
 */
export function own(object: object, name: string): unknown {
  return Object.hasOwn(object, name) ? (object as Record<string, unknown>)[name] : undefined;
}

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
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
