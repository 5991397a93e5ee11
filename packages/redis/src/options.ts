/** The checks every options object of this package makes on its numbers. */

/** The longest delay Node's timers honour (2^31 − 1 ms): a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `value` as a whole number ≥ 1 (at most `max`), or `fallback` when left out; else a `TypeError` naming `where` and `name`. */
export function positiveInteger(where: string, name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw new TypeError(`${where}: "${name}" must be an integer ≥ 1${max === Number.MAX_SAFE_INTEGER ? '' : ` and ≤ ${max}`}`);
  return value;
}

/** A deadline in milliseconds: 1 to {@link MAX_TIMER_MS} (a longer one would make every call time out at once). */
export function commandTimeout(where: string, value: unknown, fallback: number): number {
  return positiveInteger(where, 'commandTimeoutMs', value, fallback, MAX_TIMER_MS);
}
