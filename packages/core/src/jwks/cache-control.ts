import type { CacheHeaders } from './fetch-json.js';

/** How long a fetched document may be used, in milliseconds, before and after the server's say. */
export interface FreshnessBounds {
  /** Used when the response says nothing (no `Cache-Control: max-age`, no `Expires`). */
  readonly defaultMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

// RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as 2^31.
const MAX_DELTA_SECONDS = 2 ** 31;

/**
 * The freshness of a response in milliseconds, clamped to `[minMs, maxMs]`:
 * - `no-store` or `no-cache` → `minMs` (refresh as often as the floor allows);
 * - else `max-age` (RFC 9111 §5.2.2.1), less the `Age` header;
 * - else `Expires − Date` (RFC 9111 §4.2.1; an unparsable `Expires` means already expired, §5.3);
 * - else `defaultMs`.
 * `s-maxage` is for shared caches and is ignored.
 */
export function freshnessMs(headers: CacheHeaders, bounds: FreshnessBounds, nowMs: number): number {
  return clamp(lifetimeMs(headers, bounds.defaultMs, nowMs), bounds.minMs, bounds.maxMs);
}

function lifetimeMs(headers: CacheHeaders, defaultMs: number, nowMs: number): number {
  const directives = headers.cacheControl === null ? undefined : parseCacheControl(headers.cacheControl);
  if (directives !== undefined) {
    if (directives.has('no-store') || directives.has('no-cache')) return 0;
    const maxAge = deltaSeconds(directives.get('max-age'));
    if (maxAge !== undefined) return (maxAge - (deltaSeconds(headers.age ?? undefined) ?? 0)) * 1000;
  }
  if (headers.expires !== null) {
    const expires = Date.parse(headers.expires);
    if (Number.isNaN(expires)) return 0;
    const date = headers.date === null ? NaN : Date.parse(headers.date);
    return expires - (Number.isNaN(date) ? nowMs : date) - (deltaSeconds(headers.age ?? undefined) ?? 0) * 1000;
  }
  return defaultMs;
}

/**
 * Parses a `Cache-Control` value into lower-cased directive names and their (unquoted) arguments; a
 * directive without an argument maps to `''`. The first occurrence of a directive wins (RFC 9111 §4.2.1).
 */
export function parseCacheControl(value: string): Map<string, string> {
  const directives = new Map<string, string>();
  const pattern = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?\s*(?:,|$)/g;
  for (const match of value.matchAll(pattern)) {
    const name = match[1]!.toLowerCase();
    let argument = match[2] ?? '';
    // RFC 9111 §5.2: recipients accept quoted arguments even where the token form is expected.
    if (argument.startsWith('"')) argument = argument.slice(1, -1).replace(/\\(.)/g, '$1');
    if (!directives.has(name)) directives.set(name, argument);
  }
  return directives;
}

function deltaSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), MAX_DELTA_SECONDS);
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
