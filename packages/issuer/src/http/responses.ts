/** The issuer's HTTP responses, in DRF's and simplejwt's shapes (bodies, status codes, headers). */
import type { IssuerResponse } from './types.js';

/** JSON responses in DRF's shape. Token endpoints are never cached (RFC 6749 §5.1). */
export function json(status: number, body: unknown, extra: Record<string, string> = {}): IssuerResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', ...extra },
    body: JSON.stringify(body),
  };
}

/** A 401 with simplejwt's challenge (`Bearer realm="api"`; DRF turns a 401 without one into a 403). */
export function unauthorized(realm: string, body: unknown): IssuerResponse {
  return json(401, body, { 'www-authenticate': `Bearer realm="${realm}"` });
}

/** simplejwt's `InvalidToken`: 401 `{ detail, code: "token_not_valid" }`. */
export function invalidToken(realm: string, detail: string): IssuerResponse {
  return unauthorized(realm, { detail, code: 'token_not_valid' });
}

/** DRF's 405: `{"detail":"Method \"GET\" not allowed."}` with `Allow`. */
export function methodNotAllowed(method: string, allow: string): IssuerResponse {
  return json(405, { detail: `Method "${method}" not allowed.` }, { allow });
}

/** DRF's answer to an unexpected failure (no details: they are reported as an event). */
export function serverError(): IssuerResponse {
  return json(500, { detail: 'A server error occurred.' });
}

/** 503 with `Retry-After` (RFC 9110 §15.6.4): the store is unreachable for now, nothing was written. */
export function serviceUnavailable(retryAfterSeconds: number): IssuerResponse {
  return json(
    503,
    { detail: 'Service temporarily unavailable, try again later.', code: 'service_unavailable' },
    { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  );
}

/** DRF's `Throttled` (429, RFC 6585 §4) with `Retry-After` in seconds, plus a `code` a client can switch on. */
export function throttled(retryAfterSeconds: number): IssuerResponse {
  const unit = retryAfterSeconds === 1 ? 'second' : 'seconds';
  return json(
    429,
    { detail: `Request was throttled. Expected available in ${retryAfterSeconds} ${unit}.`, code: 'throttled' },
    { 'retry-after': String(retryAfterSeconds) },
  );
}
