/** Options of remoteJwks and oidcDiscovery: defaults as named constants, validated once at construction. */
import { refuseUnknownKeys } from '../internal/strict-options.js';
import type { FetchLike } from './fetch-json.js';

/** Default {@link RemoteJwksOptions.timeoutMs}: 5000 ms for a whole refresh, discovery included. */
export const DEFAULT_JWKS_TIMEOUT_MS = 5_000;
/** Default {@link RemoteJwksOptions.maxResponseBytes}: 512 KiB. */
export const DEFAULT_JWKS_MAX_RESPONSE_BYTES = 512 * 1024;
/** Default {@link RemoteJwksOptions.cooldownMs}: 10 000 ms between fetches not due by expiry. */
export const DEFAULT_JWKS_COOLDOWN_MS = 10_000;
/** Default {@link RemoteJwksOptions.cacheMaxAgeMs}: 10 minutes when the response has no caching headers. */
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** Default {@link RemoteJwksOptions.minCacheAgeMs}: 30 seconds. */
export const DEFAULT_JWKS_MIN_CACHE_AGE_MS = 30_000;
/** Default {@link RemoteJwksOptions.maxCacheAgeMs}: 24 hours. */
export const DEFAULT_JWKS_MAX_CACHE_AGE_MS = 24 * 3_600_000;
/** Default {@link RemoteJwksOptions.staleIfErrorMs}: 12 hours past expiry. */
export const DEFAULT_JWKS_STALE_IF_ERROR_MS = 12 * 3_600_000;
/** Default {@link RemoteJwksOptions.maxKeys}: 100 keys from one response. */
export const DEFAULT_JWKS_MAX_KEYS = 100;

/**
 * Options of {@link remoteJwks} (and of `oidcDiscovery`, which shares them). Every number has its unit in
 * its name; every default is an exported constant.
 */
export interface RemoteJwksOptions {
  /**
   * Time limit of one refresh in milliseconds, headers and body, discovery included: a request that has
   * to wait for keys never waits longer. Default {@link DEFAULT_JWKS_TIMEOUT_MS} (5000).
   */
  timeoutMs?: number;
  /** Largest response body accepted, in bytes. Default {@link DEFAULT_JWKS_MAX_RESPONSE_BYTES} (524288, 512 KiB). */
  maxResponseBytes?: number;
  /**
   * In milliseconds: how long unknown `kid`s are refused at once after a refetch made for one found
   * nothing (or failed), and how long retries wait after a failed refresh while a stale set serves. A key
   * the provider has just published is accepted on its first use (its refetch finds it); random `kid`s
   * cost the provider at most one request per cooldown. With no usable set, failed fetches are retried
   * sooner (250 ms doubling to 1 s, never more than this). Default {@link DEFAULT_JWKS_COOLDOWN_MS}
   * (10000). `0` turns the cooldown off (every unknown `kid` may fetch, one at a time): not for production.
   */
  cooldownMs?: number;
  /**
   * Freshness when the response has neither `Cache-Control: max-age` nor `Expires`, in milliseconds.
   * Default {@link DEFAULT_JWKS_CACHE_MAX_AGE_MS} (600000, 10 minutes). Must lie within the two bounds
   * below; a bound you leave unset widens to admit the value you set.
   */
  cacheMaxAgeMs?: number;
  /** Floor on the freshness the server asks for (`no-cache` and `no-store` get this), in milliseconds. Default {@link DEFAULT_JWKS_MIN_CACHE_AGE_MS} (30000). */
  minCacheAgeMs?: number;
  /** Ceiling on the freshness the server asks for, in milliseconds. Default {@link DEFAULT_JWKS_MAX_CACHE_AGE_MS} (86400000, 24 hours). */
  maxCacheAgeMs?: number;
  /**
   * How long past its expiry the last good key set keeps serving while refreshes fail, in milliseconds.
   * Default {@link DEFAULT_JWKS_STALE_IF_ERROR_MS} (43200000, 12 hours): an identity-provider outage of
   * a working day does not take the API down with it, yet a network fault cannot keep a key that the
   * provider removed alive forever. Every failed refresh is reported as a `keys-fetch-failed` event.
   * `0` refuses tokens as soon as the set expires and cannot be refreshed.
   */
  staleIfErrorMs?: number;
  /**
   * Most keys taken from one response; the rest are ignored and a `keys-truncated` event says so.
   * Default {@link DEFAULT_JWKS_MAX_KEYS} (100; identity providers publish a handful).
   */
  maxKeys?: number;
  /** Extra request headers (e.g. an API gateway key). `accept: application/json` is sent unless you replace it. */
  headers?: Readonly<Record<string, string>>;
  /** A fetch implementation, for proxies and custom agents. Default: the global `fetch`. */
  fetch?: FetchLike;
  /**
   * Accept plain `http:` URLs to hosts that are not loopback (the JWKS URL, an issuer, a discovered
   * `jwks_uri`). Default `false`: keys fetched without TLS can be swapped by anyone on the path, so only
   * `localhost`, 127.0.0.0/8 and `[::1]` may use `http:`. For a TLS-terminating sidecar on another host.
   */
  allowInsecureHttp?: boolean;
}

/** {@link RemoteJwksOptions} once validated, with every default filled in. */
export interface ResolvedJwksOptions {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly cooldownMs: number;
  readonly cacheMaxAgeMs: number;
  readonly minCacheAgeMs: number;
  readonly maxCacheAgeMs: number;
  readonly staleIfErrorMs: number;
  readonly maxKeys: number;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly fetch: FetchLike | undefined;
  readonly allowInsecureHttp: boolean;
}

// A record of every option, so an option added to the interface but not here fails to compile.
const KNOWN: readonly string[] = Object.keys({
  timeoutMs: true,
  maxResponseBytes: true,
  cooldownMs: true,
  cacheMaxAgeMs: true,
  minCacheAgeMs: true,
  maxCacheAgeMs: true,
  staleIfErrorMs: true,
  maxKeys: true,
  headers: true,
  fetch: true,
  allowInsecureHttp: true,
} satisfies Record<keyof RemoteJwksOptions, true>);
// Node timers (behind AbortSignal.timeout) fire at once for longer delays.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Validates options once, at construction. Throws a `TypeError` naming the function and the option. */
export function resolveJwksOptions(caller: string, options: RemoteJwksOptions | undefined): ResolvedJwksOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`${caller}: options must be an object`);
  refuseUnknownKeys(options, KNOWN, `${caller} options`);
  const fail = (name: string, problem: string): never => {
    throw new TypeError(`${caller}: "${name}" ${problem}`);
  };
  const number = (name: keyof RemoteJwksOptions, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER, integer = false): number => {
    const value = options[name] as unknown;
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
      fail(name, `must be ${integer ? 'an integer' : 'a finite number'} ${range}, got ${String(value)}`);
    }
    return value as number;
  };

  // A bound left to its default widens to admit the other values the user set, so `{ cacheMaxAgeMs: 5000 }`
  // alone is valid; only bounds the user set explicitly can conflict.
  const given = (name: 'cacheMaxAgeMs' | 'maxCacheAgeMs'): number | undefined => {
    const value = options[name];
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const minCacheAgeMs = number(
    'minCacheAgeMs',
    Math.min(DEFAULT_JWKS_MIN_CACHE_AGE_MS, given('cacheMaxAgeMs') ?? Infinity, given('maxCacheAgeMs') ?? Infinity),
    0,
  );
  const maxCacheAgeMs = number('maxCacheAgeMs', Math.max(DEFAULT_JWKS_MAX_CACHE_AGE_MS, minCacheAgeMs, given('cacheMaxAgeMs') ?? 0), minCacheAgeMs);
  const cacheMaxAgeMs = number('cacheMaxAgeMs', Math.min(Math.max(DEFAULT_JWKS_CACHE_MAX_AGE_MS, minCacheAgeMs), maxCacheAgeMs), minCacheAgeMs, maxCacheAgeMs);
  if (options.headers !== undefined) {
    const headers = options.headers as unknown;
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || !Object.values(headers).every((v) => typeof v === 'string')) {
      fail('headers', 'must be an object of string header values');
    }
    try {
      new Headers(options.headers);
    } catch (cause) {
      throw new TypeError(`${caller}: "headers" holds an invalid header: ${(cause as Error).message}`, { cause });
    }
  }
  const resolved: ResolvedJwksOptions = {
    timeoutMs: number('timeoutMs', DEFAULT_JWKS_TIMEOUT_MS, 1, MAX_TIMER_MS),
    maxResponseBytes: number('maxResponseBytes', DEFAULT_JWKS_MAX_RESPONSE_BYTES, 1, Number.MAX_SAFE_INTEGER, true),
    cooldownMs: number('cooldownMs', DEFAULT_JWKS_COOLDOWN_MS, 0),
    cacheMaxAgeMs,
    minCacheAgeMs,
    maxCacheAgeMs,
    staleIfErrorMs: number('staleIfErrorMs', DEFAULT_JWKS_STALE_IF_ERROR_MS, 0),
    maxKeys: number('maxKeys', DEFAULT_JWKS_MAX_KEYS, 1, Number.MAX_SAFE_INTEGER, true),
    // Copied, so changing the object later does not change what is sent.
    headers: options.headers === undefined ? undefined : Object.freeze({ ...options.headers }),
    fetch: options.fetch,
    allowInsecureHttp: options.allowInsecureHttp === true,
  };
  if (options.allowInsecureHttp !== undefined && typeof options.allowInsecureHttp !== 'boolean') fail('allowInsecureHttp', 'must be a boolean');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch', 'must be a function (url, init) => Promise<Response>');
  return Object.freeze(resolved);
}
