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
 * - anything else — `Bearer` without a token, two tokens, illegal characters, the header sent twice — throws
 *   `ERR_BEARER_MALFORMED` (400 `invalid_request`).
 */
export function extractBearerToken(authorization: string | readonly string[] | undefined | null): string | undefined {
  let value = authorization;
  if (Array.isArray(value)) {
    if (value.length > 1) throw new LatchkeyError('ERR_BEARER_MALFORMED', 'more than one Authorization header was sent');
    value = value[0];
  }
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the Authorization header is malformed');
  const match = AUTHORIZATION.exec(value.trim());
  if (match === null) throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the Authorization header is malformed');
  if (match[1]!.toLowerCase() !== 'bearer') return undefined;
  const credentials = match[2];
  if (credentials === undefined || credentials === '') throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the Bearer credentials are missing');
  if (!TOKEN68.test(credentials)) {
    throw new LatchkeyError(
      'ERR_BEARER_MALFORMED',
      /[\s,]/.test(credentials) ? 'more than one credential was sent' : 'the Bearer token has characters RFC 6750 does not allow',
    );
  }
  return credentials;
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
  let found = fromHeader;
  for (const [value, where] of [
    [carriers.query, 'query'],
    [carriers.body, 'body'],
  ] as const) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value === '' || !TOKEN68.test(value)) {
      throw new LatchkeyError('ERR_BEARER_MALFORMED', `the access_token in the ${where} is malformed`);
    }
    if (found !== undefined) throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the token was sent in more than one way');
    found = value;
  }
  return found;
}

/** The error for a request without credentials: 401 with a bare `Bearer` challenge (RFC 6750 §3.1). */
export function missingCredentials(): LatchkeyError {
  return new LatchkeyError('ERR_BEARER_MISSING', 'authentication is required');
}
