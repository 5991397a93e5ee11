/** Bearer token extraction (RFC 6750 §2): the Authorization header, and the query and form carriers when allowed. */
import { LatchkeyError } from './errors.js';

// RFC 7235 §2.1 auth-scheme (a token), then 1*SP, then the credentials.
const AUTHORIZATION = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +(.*))?$/s;
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the bearer token from an `Authorization` header value (RFC 6750 §2.1).
 *
 * - no header, an empty one, or another scheme (e.g. `Basic`): `undefined` (no bearer credentials; the
 *   caller answers 401 with a bare challenge, or lets an optional route pass);
 * - `Bearer` with a well-formed token (scheme case-insensitive): the token;
 * - a malformed request — `Bearer` without a token, two credentials, the header sent twice — throws
 *   `ERR_BEARER_MALFORMED` (400 `invalid_request`);
 * - one credential with characters outside the token68 grammar throws `ERR_JWT_MALFORMED` (401
 *   `invalid_token`), as any other malformed token does (RFC 6750 §3.1).
 */
export function extractBearerToken(authorization: string | readonly string[] | undefined | null): string | undefined {
  return parseBearer(authorization);
}

// base64url characters (RFC 4648 §5), by char code: the last character of a header the quick read takes.
const BASE64URL_CHAR = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') BASE64URL_CHAR[char.charCodeAt(0)] = 1;

/**
 * @internal The request authenticator's read of the common header, `Bearer <token>`, without a pass over the
 * token: `undefined` unless the value is one string that starts with `Bearer` (any case) and exactly one
 * space, and ends in a base64url character. On such a value {@link parseBearer} either returns exactly
 * this token or throws (there is nothing to trim, the scheme is `bearer`, the credentials are the rest),
 * and a token the verifier accepts is base64url with two dots, so token68 too. So the caller verifies the
 * token at once, and only when verification fails asks `parseBearer` whether the header itself was
 * malformed (its error, 400 or 401, then wins): the same answers as parsing first, for eight character
 * reads instead of a regular expression over every character (5,000 instructions on an RS256 token).
 */
export function quickBearerToken(authorization: string | readonly string[] | undefined | null): string | undefined {
  if (typeof authorization !== 'string' || authorization.length < 9) return undefined;
  // The last character first: a different token almost always ends differently (its signature), and that
  // read spares comparing two fresh strings, which V8 does in its runtime, a few hundred instructions.
  const last = authorization.charCodeAt(authorization.length - 1);
  if (last === lastQuick.lastChar && authorization === lastQuick.header) return lastQuick.token;
  if (
    (authorization.charCodeAt(0) | 0x20) !== 0x62 || // b
    (authorization.charCodeAt(1) | 0x20) !== 0x65 || // e
    (authorization.charCodeAt(2) | 0x20) !== 0x61 || // a
    (authorization.charCodeAt(3) | 0x20) !== 0x72 || // r
    (authorization.charCodeAt(4) | 0x20) !== 0x65 || // e
    (authorization.charCodeAt(5) | 0x20) !== 0x72 || // r
    authorization.charCodeAt(6) !== 0x20 ||
    authorization.charCodeAt(7) === 0x20 ||
    BASE64URL_CHAR[last] !== 1
  )
    return undefined;
  const token = authorization.slice(7);
  lastQuick = { header: authorization, token, lastChar: last };
  return token;
}

// The last header the quick read took, and its token. A request's header is a fresh string, and so would
// be its token; the verified-token cache then hashes the token on every lookup (3,500 instructions for an
// RS256 token: the largest part of a cache hit). The same header again (a browser app sends one token for
// its lifetime) gets the very token string of last time instead, whose hash V8 keeps: one comparison of
// the two headers (a few hundred instructions). The comparison stops at the first differing character,
// like every string comparison, the cache's own included; what that could tell a client about another's
// header is a fraction of a nanosecond per matching 16 bytes, thousands of times below what timing over a
// network resolves. One entry, replaced, never grown. `\u0000` matches no header (Node refuses it in one).
let lastQuick: { readonly header: string; readonly token: string; readonly lastChar: number } = { header: '\u0000', token: '', lastChar: -1 };

/** @internal The general parse behind {@link extractBearerToken}, which {@link quickBearerToken} must agree with. */
export function parseBearer(authorization: string | readonly string[] | undefined | null): string | undefined {
  const match = authorizationMatch(authorization);
  if (match === undefined || match[1]!.toLowerCase() !== 'bearer') return undefined;
  return credentialsOf(match[2], 'Bearer');
}

/** The scheme and the credentials of an `Authorization` header, as the {@link AUTHORIZATION} match; `undefined` without one. */
function authorizationMatch(authorization: string | readonly string[] | undefined | null): RegExpExecArray | undefined {
  let value = authorization;
  if (Array.isArray(value)) {
    if (value.length > 1) throw new LatchkeyError('ERR_BEARER_MALFORMED', 'more than one Authorization header was sent');
    value = value[0];
  }
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the Authorization header is malformed');
  const match = AUTHORIZATION.exec(value.trim());
  if (match === null) throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the Authorization header is malformed');
  return match;
}

function credentialsOf(credentials: string | undefined, scheme: 'Bearer' | 'DPoP'): string {
  if (credentials === undefined || credentials === '') throw new LatchkeyError('ERR_BEARER_MALFORMED', `the ${scheme} credentials are missing`);
  if (!TOKEN68.test(credentials)) throw notToken68(credentials, scheme);
  return credentials;
}

/** A token and the scheme it came with. */
export interface Credentials {
  readonly token: string;
  readonly scheme: 'Bearer' | 'DPoP';
}

/**
 * Reads `Bearer` (when `bearer` is accepted) or `DPoP` (RFC 9449 §7.1: the same token68 syntax)
 * credentials from an `Authorization` header, with the rules of {@link extractBearerToken}. Any other
 * scheme is no credentials (`undefined`).
 */
export function extractCredentials(authorization: string | readonly string[] | undefined | null, bearer: boolean): Credentials | undefined {
  const match = authorizationMatch(authorization);
  if (match === undefined) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme === 'dpop') return { token: credentialsOf(match[2], 'DPoP'), scheme: 'DPoP' };
  if (scheme === 'bearer' && bearer) return { token: credentialsOf(match[2], 'Bearer'), scheme: 'Bearer' };
  return undefined;
}

/**
 * RFC 6750 §3.1: a malformed *request* (several credentials) is `invalid_request` (400); one credential
 * that is not a well-formed token (`*`, `!`, `=` inside it...) is a malformed token like any other:
 * `invalid_token` (401), whichever bad character it holds.
 */
function notToken68(credentials: string, scheme: 'Bearer' | 'DPoP' = 'Bearer'): LatchkeyError {
  return /[\s,]/.test(credentials)
    ? new LatchkeyError('ERR_BEARER_MALFORMED', 'more than one credential was sent')
    : new LatchkeyError('ERR_JWT_MALFORMED', `the ${scheme} token has characters RFC 6750 does not allow`);
}

/**
 * The `Authorization` header values of a Node.js request, read from `rawHeaders` (name, value, name, …).
 * Node keeps only the first of repeated `Authorization` headers in `headers`, which would hide a second
 * credential (RFC 6750 §2: one method only); `headersDistinct` keeps them but builds an array for every
 * header of every request. This scan allocates only when the header is repeated.
 */
export function authorizationHeader(rawHeaders: readonly string[]): string | string[] | undefined {
  return rawHeaderValues(rawHeaders, 'authorization');
}

/** The values of one header (`lowerName` in lower case) from `rawHeaders`: a string, or an array when repeated. */
export function rawHeaderValues(rawHeaders: readonly string[], lowerName: string): string | string[] | undefined {
  let found: string | string[] | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    if (name.length !== lowerName.length || name.toLowerCase() !== lowerName) continue;
    const value = rawHeaders[index + 1]!;
    found = found === undefined ? value : typeof found === 'string' ? [found, value] : [...found, value];
  }
  return found;
}

/** Where a request may carry its token. */
export interface TokenCarriers {
  /** The `Authorization` header value(s). */
  authorization?: string | readonly string[] | undefined | null;
  /** `access_token` from the query string (RFC 6750 §2.3), when the adapter was told to read it. */
  query?: unknown;
  /** `access_token` from a form-encoded body (RFC 6750 §2.2), when the adapter was told to read it. */
  body?: unknown;
}

/**
 * Reads the token from every carrier the route allows. RFC 6750 §2: a client must use only one method, so
 * a token in two places is `ERR_BEARER_MALFORMED` (400). Returns `undefined` when none carries one.
 */
export function extractToken(carriers: TokenCarriers): string | undefined {
  const fromHeader = extractBearerToken(carriers.authorization);
  // The common case, on every request: a header and no other carrier.
  if ((carriers.query === undefined || carriers.query === null) && (carriers.body === undefined || carriers.body === null)) return fromHeader;
  const fromQuery = carrierToken(carriers.query, 'query', fromHeader);
  return carrierToken(carriers.body, 'body', fromQuery);
}

function carrierToken(value: unknown, where: string, found: string | undefined): string | undefined {
  if (value === undefined || value === null) return found;
  if (typeof value !== 'string' || value === '') throw new LatchkeyError('ERR_BEARER_MALFORMED', `the access_token in the ${where} is malformed`);
  if (found !== undefined) throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the token was sent in more than one way');
  if (!TOKEN68.test(value)) throw notToken68(value);
  return value;
}

/** The error for a request without credentials: 401 with a bare `Bearer` challenge (RFC 6750 §3.1). */
export function missingCredentials(): LatchkeyError {
  return new LatchkeyError('ERR_BEARER_MISSING', 'authentication is required');
}
