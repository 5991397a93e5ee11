/**
 * A member of a token's header or payload, only if the object itself has it. A parsed JSON object
 * inherits from `Object.prototype`, so a plain `payload[name]` finds `constructor`, `toString` or
 * `__proto__` in every token: `requiredClaims: ['constructor']` would pass on a token without it.
 */
export function own(object: object, name: string): unknown {
  return Object.hasOwn(object, name) ? (object as Record<string, unknown>)[name] : undefined;
}
