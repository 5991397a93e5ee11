/**
 * The error family. Every failure a client can cause is a {@link LatchkeyError} with a stable `code`,
 * the HTTP `status` it maps to, and the RFC 6750 `WWW-Authenticate` challenge that goes with it, so no
 * adapter ever decides those itself.
 *
 * Messages say what failed and never contain the token, a key or a secret.
 */

import { displayable } from './displayable.js';

/** Stable error codes. Match on these, never on messages. */
export type LatchkeyErrorCode =
  /** No credentials at all (RFC 6750 §3.1: a bare challenge, no error code). 401. */
  | 'ERR_BEARER_MISSING'
  /** Malformed `Authorization` header, or credentials sent in more than one way. 400. */
  | 'ERR_BEARER_MALFORMED'
  /** The token is larger than `maxTokenBytes`. 401. */
  | 'ERR_JWT_TOO_LARGE'
  /** Not a compact JWS: wrong segment count, bad base64url, bad JSON, not an object. 401. */
  | 'ERR_JWT_MALFORMED'
  /** The header's `alg` is not allowed (including `none`, and HMAC without a configured secret). 401. */
  | 'ERR_JWS_ALG_NOT_ALLOWED'
  /** A header parameter fails the policy (`crit`, `b64`, `typ`, key-carrying parameters). 401. */
  | 'ERR_JWS_HEADER_INVALID'
  /** No configured key matches the token's `kid` and `alg`. 401. */
  | 'ERR_JWKS_NO_MATCHING_KEY'
  /** The identity provider's keys could not be obtained (down, slow, garbage). 401: the client's token is unverifiable. */
  | 'ERR_JWKS_UNAVAILABLE'
  /** The signature does not verify. 401. */
  | 'ERR_JWS_SIGNATURE_INVALID'
  /** `exp` is in the past (beyond the clock tolerance). 401. */
  | 'ERR_JWT_EXPIRED'
  /** `nbf` is in the future, or `iat` is in the future (beyond the clock tolerance). 401. */
  | 'ERR_JWT_NOT_YET_VALID'
  /** A registered or required claim is missing, of the wrong type, or has a value that is not accepted. 401. */
  | 'ERR_JWT_CLAIM_INVALID'
  /** The token's `iss` is not one this verifier trusts. 401. */
  | 'ERR_JWT_ISSUER_NOT_ALLOWED'
  /** The `isRevoked` hook said the token is revoked. 401. */
  | 'ERR_JWT_REVOKED'
  /** The token is valid but lacks a required scope. 403 with `scope=`. */
  | 'ERR_SCOPE_INSUFFICIENT'
  /** The token is valid but a per-route claim rule refused it. 403. */
  | 'ERR_CLAIM_CHECK_FAILED'
  /**
   * The token's sender constraint (`cnf`) does not hold: a DPoP-bound token sent as `Bearer` (no downgrade,
   * RFC 9449 §7.2), an unbound token sent as `DPoP`, a certificate-bound token without the matching client
   * certificate (RFC 8705 §3), or a `cnf` claim this server cannot check. 401.
   */
  | 'ERR_TOKEN_BINDING_INVALID'
  /** The `DPoP` proof is missing or fails a check of RFC 9449 §4.3 (replay included). 401 `invalid_dpop_proof`. */
  | 'ERR_DPOP_PROOF_INVALID'
  /** The server requires a DPoP nonce and the proof has none or a stale one (RFC 9449 §8). 401 `use_dpop_nonce` with `DPoP-Nonce`. */
  | 'ERR_DPOP_NONCE_REQUIRED';

/** RFC 6750 §3.1 error codes. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** RFC 9449 §7.1 and §8 error codes of the `DPoP` scheme (which also uses the RFC 6750 ones). */
export type DpopErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

/** The `error=` of a challenge: RFC 6750's codes, and RFC 9449's for the `DPoP` scheme. */
export type ChallengeErrorCode = BearerErrorCode | DpopErrorCode;

interface ErrorShape {
  readonly status: 400 | 401 | 403;
  readonly bearerError: ChallengeErrorCode | undefined;
}

const SHAPES: Record<LatchkeyErrorCode, ErrorShape> = {
  ERR_BEARER_MISSING: { status: 401, bearerError: undefined },
  ERR_BEARER_MALFORMED: { status: 400, bearerError: 'invalid_request' },
  ERR_JWT_TOO_LARGE: { status: 401, bearerError: 'invalid_token' },
  ERR_JWT_MALFORMED: { status: 401, bearerError: 'invalid_token' },
  ERR_JWS_ALG_NOT_ALLOWED: { status: 401, bearerError: 'invalid_token' },
  ERR_JWS_HEADER_INVALID: { status: 401, bearerError: 'invalid_token' },
  ERR_JWKS_NO_MATCHING_KEY: { status: 401, bearerError: 'invalid_token' },
  ERR_JWKS_UNAVAILABLE: { status: 401, bearerError: 'invalid_token' },
  ERR_JWS_SIGNATURE_INVALID: { status: 401, bearerError: 'invalid_token' },
  ERR_JWT_EXPIRED: { status: 401, bearerError: 'invalid_token' },
  ERR_JWT_NOT_YET_VALID: { status: 401, bearerError: 'invalid_token' },
  ERR_JWT_CLAIM_INVALID: { status: 401, bearerError: 'invalid_token' },
  ERR_JWT_ISSUER_NOT_ALLOWED: { status: 401, bearerError: 'invalid_token' },
  ERR_JWT_REVOKED: { status: 401, bearerError: 'invalid_token' },
  ERR_SCOPE_INSUFFICIENT: { status: 403, bearerError: 'insufficient_scope' },
  ERR_CLAIM_CHECK_FAILED: { status: 403, bearerError: 'insufficient_scope' },
  ERR_TOKEN_BINDING_INVALID: { status: 401, bearerError: 'invalid_token' },
  ERR_DPOP_PROOF_INVALID: { status: 401, bearerError: 'invalid_dpop_proof' },
  ERR_DPOP_NONCE_REQUIRED: { status: 401, bearerError: 'use_dpop_nonce' },
};

/** Every code, for exhaustive tests and documentation. */
export const LATCHKEY_ERROR_CODES = Object.freeze(Object.keys(SHAPES) as LatchkeyErrorCode[]);

/** Options shared by every {@link LatchkeyError}. */
export interface LatchkeyErrorOptions {
  /** The claim at fault, for claim errors. */
  claim?: string;
  /** Space-separated scopes the resource needs, for `ERR_SCOPE_INSUFFICIENT`. */
  scope?: string;
  /** The `realm` for the challenge. */
  realm?: string;
  /** The underlying error (never shown to clients). */
  cause?: unknown;
  /**
   * For the server only: what was expected and what was received (`iss`, `aud`, the `kid` not found…).
   * Reaches `refused` events and logs, never the response body, the challenge or the message.
   */
  detail?: string;
  /**
   * The schemes the route accepts, for a challenge per scheme (RFC 9449 §7.1): without it, one `Bearer`
   * challenge. The request authenticator sets it when DPoP is enabled.
   */
  challenge?: ChallengeSchemes;
  /** A fresh server nonce, sent as `DPoP-Nonce` (RFC 9449 §8.1), for `ERR_DPOP_NONCE_REQUIRED`. */
  dpopNonce?: string;
}

/** Which authentication schemes a challenge offers, and which one the client used. */
export interface ChallengeSchemes {
  /** `Bearer` is accepted. */
  readonly bearer: boolean;
  /** `DPoP` is accepted with these proof algorithms (its `algs` parameter), or not at all when `undefined`. */
  readonly dpopAlgorithms: readonly string[] | undefined;
  /** The scheme the request used, whose challenge carries the error; `undefined` without credentials. */
  readonly used: 'Bearer' | 'DPoP' | undefined;
}

/** The response headers of a {@link LatchkeyError}. A type, not an interface: frameworks take it as a header record. */
export type LatchkeyErrorHeaders = {
  'WWW-Authenticate': string;
  /** RFC 9449 §8.1: the nonce the client must put in its next proof (with `use_dpop_nonce` only). */
  'DPoP-Nonce'?: string;
};

/**
 * The one error class Latchkey throws at request time.
 *
 * It carries `status`, `statusCode` and `headers` so that Express's and Koa's default error handlers and
 * Fastify's reply render it unaided, and `expose: true` so Koa shows its (token-free) message.
 */
export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError' as const;
  /** Stable machine-readable code. */
  readonly code: LatchkeyErrorCode;
  /** HTTP status: 400, 401 or 403. */
  readonly status: 400 | 401 | 403;
  /** Same as {@link status}, for Fastify and libraries that read `statusCode`. */
  readonly statusCode: 400 | 401 | 403;
  /** The challenge's error code (RFC 6750, or RFC 9449 for DPoP proofs), or `undefined` when no credentials were sent (bare challenge). */
  readonly bearerError: ChallengeErrorCode | undefined;
  /** The claim at fault, when one is. */
  readonly claim: string | undefined;
  /** The scopes the resource needs, for `insufficient_scope`. */
  readonly scope: string | undefined;
  /** Response headers: the `WWW-Authenticate` challenge (and `DPoP-Nonce` when one is due). */
  readonly headers: LatchkeyErrorHeaders;
  /** Koa: the message is safe to show to clients. */
  readonly expose = true;
  /**
   * Server-only detail (expected and received values), or `undefined`. Not enumerable, so spreading or
   * serialising the error does not carry it to a client; `toJSON()` leaves it out.
   */
  declare readonly detail: string | undefined;
  /** The options it was made with, so {@link rechallenged} can copy it (not enumerable). */
  declare readonly options: LatchkeyErrorOptions;

  constructor(code: LatchkeyErrorCode, message: string, options: LatchkeyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const shape = SHAPES[code];
    this.code = code;
    this.status = shape.status;
    this.statusCode = shape.status;
    this.bearerError = shape.bearerError;
    this.claim = options.claim;
    this.scope = options.scope;
    Object.defineProperty(this, 'detail', { value: options.detail, enumerable: false });
    Object.defineProperty(this, 'options', { value: options, enumerable: false });
    const parameters: ChallengeParameters = {
      realm: options.realm,
      error: shape.bearerError,
      // The description is our own message: it never contains the token or a key.
      description: shape.bearerError === undefined ? undefined : message,
      scope: options.scope,
    };
    const challenge = options.challenge === undefined ? bearerChallenge(parameters) : schemeChallenges(parameters, options.challenge);
    this.headers = options.dpopNonce === undefined ? { 'WWW-Authenticate': challenge } : { 'WWW-Authenticate': challenge, 'DPoP-Nonce': options.dpopNonce };
  }

  /**
   * The small JSON body the adapters send: `{ error, error_description, scope? }`. Without credentials it is
   * `{ error_description }` alone: RFC 6750 §3.1 gives no error code for that case, and none is made up.
   */
  toJSON(): { error?: ChallengeErrorCode; error_description: string; scope?: string } {
    if (this.bearerError === undefined) return { error_description: this.message };
    return this.scope === undefined
      ? { error: this.bearerError, error_description: this.message }
      : { error: this.bearerError, error_description: this.message, scope: this.scope };
  }
}

/**
 * True when `value` is a Latchkey error. Checks the shape and code, not `instanceof`, so it holds
 * across duplicate installs and bundles.
 */
export function isLatchkeyError(value: unknown): value is LatchkeyError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'LatchkeyError' &&
    typeof (value as { code?: unknown }).code === 'string' &&
    Object.prototype.hasOwnProperty.call(SHAPES, (value as { code: string }).code)
  );
}

/** Parameters of an RFC 6750 §3 challenge. */
export interface ChallengeParameters {
  realm?: string | undefined;
  error?: ChallengeErrorCode | undefined;
  description?: string | undefined;
  scope?: string | undefined;
}

/**
 * Builds a `WWW-Authenticate: Bearer …` value (RFC 6750 §3). Values are quoted strings; characters that
 * RFC 6750 forbids in them (`"`, `\`, controls, non-ASCII) are replaced, so a header can never be split.
 */
export function bearerChallenge(parameters: ChallengeParameters = {}): string {
  const parts: string[] = [];
  if (parameters.realm !== undefined) parts.push(`realm="${quotable(parameters.realm)}"`);
  if (parameters.error !== undefined) parts.push(`error="${parameters.error}"`);
  if (parameters.description !== undefined) parts.push(`error_description="${quotable(parameters.description)}"`);
  if (parameters.scope !== undefined) parts.push(`scope="${quotable(parameters.scope)}"`);
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}

/**
 * One challenge per accepted scheme (RFC 7235 §4.1 allows several in one header, comma-separated), as RFC
 * 9449 §7.1 shows: the error goes in the challenge of the scheme the client used; `DPoP` always names its
 * accepted algorithms (`algs`).
 */
function schemeChallenges(parameters: ChallengeParameters, schemes: ChallengeSchemes): string {
  const errorIn = parameters.error === undefined ? undefined : (schemes.used ?? (schemes.bearer ? 'Bearer' : 'DPoP'));
  const bare: ChallengeParameters = { realm: parameters.realm };
  const challenges: string[] = [];
  if (schemes.bearer) challenges.push(bearerChallenge(errorIn === 'Bearer' ? parameters : bare));
  if (schemes.dpopAlgorithms !== undefined) {
    const dpop = bearerChallenge(errorIn === 'DPoP' ? parameters : bare).replace(/^Bearer/, 'DPoP');
    challenges.push(`${dpop}${dpop === 'DPoP' ? ' ' : ', '}algs="${quotable(schemes.dpopAlgorithms.join(' '))}"`);
  }
  return challenges.join(', ');
}

// RFC 6750 §3: error_description and scope use %x20-21 / %x23-5B / %x5D-7E.
const NOT_QUOTABLE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;
function quotable(value: string): string {
  return value.replace(NOT_QUOTABLE, "'");
}

/**
 * A token-derived value for a server-only `detail`: quoted when a string, bounded and escaped by
 * {@link displayable} (no CR/LF or ESC can forge a log line, no claim can fill one).
 */
export function quoted(value: unknown): string {
  return typeof value === 'string' ? `"${displayable(value)}"` : displayable(value);
}

/** Returns a copy of `error` whose challenge names `realm`. Used by adapters configured with a realm. */
export function withRealm(error: LatchkeyError, realm: string | undefined): LatchkeyError {
  if (realm === undefined) return error;
  return rechallenged(error, { realm });
}

/** A copy of `error` with other challenge options (realm, schemes, nonce); everything else is kept. */
export function rechallenged(error: LatchkeyError, changes: Pick<LatchkeyErrorOptions, 'realm' | 'challenge' | 'dpopNonce'>): LatchkeyError {
  // An error built elsewhere (another copy of the package) may lack `options`: rebuild from its fields.
  const options = error.options ?? { claim: error.claim, scope: error.scope, cause: error.cause, detail: error.detail };
  return new LatchkeyError(error.code, error.message, { ...options, ...changes });
}
