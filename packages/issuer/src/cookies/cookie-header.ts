/** Reading the refresh cookie from `Cookie` headers, and the `Set-Cookie` values that set and clear it. */
import type { ResolvedRefreshCookie } from './options.js';

/** What a request's `Cookie` header holds under one name. */
export type CookieRead = { readonly kind: 'absent' } | { readonly kind: 'one'; readonly value: string } | { readonly kind: 'several' };

/**
 * Reads cookie `name` from the `Cookie` header(s) (RFC 6265 §5.4: `name=value` pairs joined by `; `).
 * Two different values under one name mean someone planted a second cookie (a sibling path, a subdomain
 * before the prefix rules): `several`, never a guess at which one is ours.
 */
export function readCookie(header: string | readonly string[] | undefined, name: string): CookieRead {
  if (header === undefined) return { kind: 'absent' };
  const values = new Set<string>();
  for (const line of typeof header === 'string' ? [header] : header) {
    for (const pair of line.split(';')) {
      const at = pair.indexOf('=');
      if (at < 0 || pair.slice(0, at).trim() !== name) continue;
      values.add(pair.slice(at + 1).trim());
    }
  }
  if (values.size === 0) return { kind: 'absent' };
  if (values.size > 1) return { kind: 'several' };
  const [value] = values;
  return value === '' ? { kind: 'absent' } : { kind: 'one', value: value! };
}

/** `Set-Cookie` for the refresh token: HttpOnly (no script reads it), Secure, SameSite, host-only (no Domain). */
export function refreshCookieHeader(cookie: ResolvedRefreshCookie, token: string, maxAgeSeconds: number): string {
  // A JWT is base64url and dots: a valid cookie-value as it is (RFC 6265 §4.1.1), no encoding needed.
  return `${cookie.name}=${token}; Path=${cookie.path}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=${cookie.sameSite}`;
}

/** `Set-Cookie` that removes the refresh cookie (same name, path and prefix attributes, `Max-Age=0`). */
export function clearedCookieHeader(cookie: ResolvedRefreshCookie): string {
  return `${cookie.name}=; Path=${cookie.path}; Max-Age=0; HttpOnly; Secure; SameSite=${cookie.sameSite}`;
}
