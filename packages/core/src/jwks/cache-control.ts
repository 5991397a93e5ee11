/** How long a fetched key set stays fresh: Cache-Control max-age or Expires (RFC 9111), within configured bounds. */
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
 * - else `max-age` (RFC 9111 §5.2.2.1), less the `Age` header; an invalid one (`-5`, `1e3`) → `minMs`;
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
    const maxAgeValue = directives.get('max-age');
    if (maxAgeValue !== undefined) {
      // RFC 9111 §4.2.1: a response with an invalid freshness directive (`max-age=-5`) is taken as stale.
      const maxAge = deltaSeconds(maxAgeValue);
      return maxAge === undefined ? 0 : (maxAge - (deltaSeconds(headers.age ?? undefined) ?? 0)) * 1000;
    }
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
 * Longest `Cache-Control` value parsed, in characters. Real ones are a few dozen; a longer one (sent by a
 * broken or hostile server, or by anyone in the path of a plain-http one) is ignored as if absent.
 */
export const MAX_CACHE_CONTROL_CHARS = 1024;

// RFC 9110 §5.6.2 tchar, by char code.
const TCHAR = new Uint8Array(128);
for (const char of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[char.charCodeAt(0)] = 1;

const isTchar = (code: number): boolean => code < 128 && TCHAR[code] === 1;
const isSpace = (code: number): boolean => code === 0x20 || code === 0x09;

/**
 * Parses a `Cache-Control` value into lower-cased directive names and their (unquoted) arguments; a
 * directive without an argument maps to `''`. The first occurrence of a directive wins (RFC 9111 §4.2.1).
 * One left-to-right scan, each character read a bounded number of times: linear in the length (a
 * backtracking regular expression was quadratic on a long run of token characters), and values over
 * {@link MAX_CACHE_CONTROL_CHARS} are not parsed at all. Unparsable parts are skipped up to the next comma.
 */
export function parseCacheControl(value: string): Map<string, string> {
  const directives = new Map<string, string>();
  if (value.length > MAX_CACHE_CONTROL_CHARS) return directives;
  const length = value.length;
  let index = 0;
  while (index < length) {
    while (index < length && (isSpace(value.charCodeAt(index)) || value.charCodeAt(index) === 0x2c)) index++;
    const nameStart = index;
    while (index < length && isTchar(value.charCodeAt(index))) index++;
    const name = value.slice(nameStart, index).toLowerCase();
    while (index < length && isSpace(value.charCodeAt(index))) index++;
    let argument = '';
    let valid = name !== '';
    if (valid && value.charCodeAt(index) === 0x3d) {
      index++;
      while (index < length && isSpace(value.charCodeAt(index))) index++;
      if (value.charCodeAt(index) === 0x22) {
        // RFC 9111 §5.2: recipients accept quoted arguments even where the token form is expected.
        let text = '';
        let closed = false;
        for (index++; index < length; index++) {
          const code = value.charCodeAt(index);
          if (code === 0x22) {
            closed = true;
            index++;
            break;
          }
          if (code === 0x5c && index + 1 < length) index++;
          text += value[index];
        }
        valid = closed;
        argument = text;
      } else {
        const argumentStart = index;
        while (index < length && value.charCodeAt(index) !== 0x2c && !isSpace(value.charCodeAt(index))) index++;
        argument = value.slice(argumentStart, index);
      }
      while (index < length && isSpace(value.charCodeAt(index))) index++;
    }
    // A directive ends at a comma or the end; anything else makes this one unparsable.
    if (index < length && value.charCodeAt(index) !== 0x2c) {
      valid = false;
      const comma = value.indexOf(',', index);
      index = comma === -1 ? length : comma;
    }
    if (valid && !directives.has(name)) directives.set(name, argument);
    if (index === nameStart) index++;
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
