/** The `refreshCookie` option: its defaults, and its checking into a resolved form. */
import { refuseUnknownKeys } from '@latchkey/core/adapter';

/** Default name of the refresh cookie: `__Host-`, so it is host-only, `Secure` and `Path=/` (RFC 6265bis §4.1.3.2). */
export const DEFAULT_REFRESH_COOKIE_NAME = '__Host-latchkey-refresh';
/** Default header every cookie-route request must carry (a custom header forces a CORS preflight). */
export const DEFAULT_CSRF_HEADER = 'X-Latchkey-CSRF';

/**
 * Options of cookie delivery (`refreshCookie`): the refresh token travels in an HttpOnly, Secure,
 * SameSite cookie instead of the JSON body, and the cookie routes are guarded against CSRF.
 */
export interface RefreshCookieOptions {
  /**
   * The origins (`scheme://host[:port]`) whose pages may call the token routes. Required, non-empty. A
   * request with any other `Origin` gets 403.
   */
  allowedOrigins: readonly string[];
  /**
   * Cookie name. It must start with `__Host-` (then `path` must be `/`) or `__Secure-` (then `path` may
   * scope it). Default {@link DEFAULT_REFRESH_COOKIE_NAME} (`__Host-latchkey-refresh`).
   */
  name?: string;
  /** The cookie's `Path`. Default `'/'` (the only one `__Host-` allows). */
  path?: string;
  /** `SameSite`. Default `'Strict'`; `'None'` only for an SPA on another site (then the CSRF checks carry it all). */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Header every request to a cookie route must carry, with a non-empty value. Default {@link DEFAULT_CSRF_HEADER}. */
  csrfHeader?: string;
}

/** {@link RefreshCookieOptions} after validation. */
export interface ResolvedRefreshCookie {
  readonly name: string;
  readonly path: string;
  readonly sameSite: 'Strict' | 'Lax' | 'None';
  readonly allowedOrigins: ReadonlySet<string>;
  /** Lower case, as Node hands header names over. */
  readonly csrfHeader: string;
  /** As configured, for messages and CORS. */
  readonly csrfHeaderDisplay: string;
}

const KNOWN = ['allowedOrigins', 'name', 'path', 'sameSite', 'csrfHeader'] as const satisfies ReadonlyArray<keyof RefreshCookieOptions>;
// RFC 6265 §4.1.1 cookie-name is an RFC 9110 token; a header name is a token too.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fail(option: string, problem: string): never {
  throw new TypeError(`createIssuer: "refreshCookie.${option}" ${problem}`);
}

function origin(value: unknown): string {
  if (typeof value !== 'string') fail('allowedOrigins', 'must list origins as strings');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('allowedOrigins', `has ${JSON.stringify(value)}, which is not an origin like "https://app.example.com"`);
  }
  // An Origin header is scheme://host[:port] and nothing else (RFC 6454 §6.1): a path here is a mistake.
  if (url.origin === 'null' || `${url.origin}` !== value.replace(/\/$/, ''))
    fail('allowedOrigins', `has ${JSON.stringify(value)}: give the bare origin (${url.origin === 'null' ? 'scheme://host[:port]' : url.origin})`);
  return url.origin;
}

/**
 * Validates `refreshCookie` once, at start-up. `cookiePaths` are the routes that must receive the cookie
 * (refresh, blacklist): a `Path` that does not cover them would make the cookie never arrive.
 */
export function resolveRefreshCookie(value: unknown, cookiePaths: readonly string[]): ResolvedRefreshCookie {
  if (typeof value !== 'object' || value === null) throw new TypeError('createIssuer: "refreshCookie" must be an object with allowedOrigins');
  refuseUnknownKeys(value, KNOWN, 'createIssuer refreshCookie');
  const options = value as RefreshCookieOptions;
  if (!Array.isArray(options.allowedOrigins) || options.allowedOrigins.length === 0)
    fail('allowedOrigins', 'is required: the origins of the pages that log in (e.g. ["https://app.example.com"])');
  const allowedOrigins = new Set(options.allowedOrigins.map(origin));
  const name = options.name ?? DEFAULT_REFRESH_COOKIE_NAME;
  if (typeof name !== 'string' || !TOKEN.test(name)) fail('name', 'must be a cookie name (an RFC 9110 token)');
  const host = name.startsWith('__Host-');
  // Without a prefix, any subdomain or plain-HTTP page on the host could plant a cookie of the same name.
  if (!host && !name.startsWith('__Secure-'))
    fail('name', 'must start with "__Host-" or "__Secure-" (RFC 6265bis §4.1.3), so no subdomain or insecure page can plant it');
  const path = options.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || /[;\s,]/.test(path)) fail('path', 'must be a path starting with "/"');
  if (host && path !== '/')
    fail('path', `must be "/" for a "__Host-" cookie (RFC 6265bis §4.1.3.2; browsers drop it otherwise): use a "__Secure-" name to scope it to ${path}`);
  for (const route of cookiePaths) {
    if (!(route === path || route.startsWith(path.endsWith('/') ? path : `${path}/`)))
      fail('path', `${path} does not cover ${route}, so the cookie would never reach it`);
  }
  const sameSite = options.sameSite ?? 'Strict';
  if (sameSite !== 'Strict' && sameSite !== 'Lax' && sameSite !== 'None') fail('sameSite', 'must be "Strict", "Lax" or "None"');
  const csrfHeader = options.csrfHeader ?? DEFAULT_CSRF_HEADER;
  if (typeof csrfHeader !== 'string' || !TOKEN.test(csrfHeader)) fail('csrfHeader', 'must be a header name');
  const simple = ['accept', 'accept-language', 'content-language', 'content-type', 'range'];
  // A CORS-safelisted header would not force a preflight (the Fetch standard's CORS-safelisted request-headers), which is the whole point.
  if (simple.includes(csrfHeader.toLowerCase())) fail('csrfHeader', 'must not be a CORS-safelisted header (it would not force a preflight)');
  return { name, path, sameSite, allowedOrigins, csrfHeader: csrfHeader.toLowerCase(), csrfHeaderDisplay: csrfHeader };
}
