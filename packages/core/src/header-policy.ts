/** The protected-header policy (RFC 7515 §4, RFC 8725): allowed alg, no crit, no b64: false, accepted typ. */
import { ALGORITHMS, type AlgorithmSpec, type JwsAlgorithm } from './algorithms.js';
import { LatchkeyError, quoted } from './errors.js';
import { deepFreeze } from './deep-freeze.js';
import { own } from './own.js';
import type { JwtHeader } from './types.js';

/** The header rules of one verifier, fixed at start-up. */
export interface HeaderPolicy {
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  /** Accepted `typ` values, normalised (lower case, without `application/`); undefined: any. */
  readonly types: ReadonlySet<string> | undefined;
}

/** The parts of a header the verifier acts on, checked once per distinct header. */
export interface CheckedHeader {
  readonly header: JwtHeader;
  readonly spec: AlgorithmSpec;
  readonly kid: string | undefined;
}

/**
 * Applies the header policy (RFC 7515 §4, RFC 8725 §3.1, §3.11):
 * - `alg` must be in the allow-list; `none` never is.
 * - `crit` is refused: Latchkey implements no extension that may be marked critical (RFC 7515 §4.1.11).
 * - `b64: false` (RFC 7797, unencoded payload) is refused.
 * - `typ` is checked against the verifier's list when it has one (e.g. `at+jwt`, RFC 9068 §4); without
 *   one, explicit types of other JWTs (`dpop+jwt`, `refresh+jwt`, ...) are refused.
 * - `jku`, `x5u`, `jwk` and `x5c` are never read: keys come only from configuration.
 */
export function checkHeader(header: Record<string, unknown>, policy: HeaderPolicy): CheckedHeader {
  // Own members only (see own.ts); the header is frozen, deeply, as verified headers are shared.
  const alg = own(header, 'alg');
  if (typeof alg !== 'string') throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token header has no "alg"');
  if (!policy.algorithms.has(alg as JwsAlgorithm)) {
    throw new LatchkeyError(
      'ERR_JWS_ALG_NOT_ALLOWED',
      alg.toLowerCase() === 'none' ? 'unsigned tokens are not accepted' : "the token's algorithm is not allowed",
      {
        detail: `expected ${quoted([...policy.algorithms])}, received ${quoted(alg)}`,
      },
    );
  }
  if (own(header, 'crit') !== undefined)
    throw new LatchkeyError('ERR_JWS_HEADER_INVALID', 'the token has critical header parameters this verifier does not support');
  const b64 = own(header, 'b64');
  if (b64 !== undefined && b64 !== true) throw new LatchkeyError('ERR_JWS_HEADER_INVALID', 'unencoded payloads (b64: false) are not accepted');
  const kid = own(header, 'kid');
  if (kid !== undefined && typeof kid !== 'string') throw new LatchkeyError('ERR_JWT_MALFORMED', 'the token header\'s "kid" is not a string');
  const typ = own(header, 'typ');
  if (policy.types !== undefined) {
    if (typeof typ !== 'string' || !policy.types.has(normaliseType(typ))) {
      throw new LatchkeyError('ERR_JWS_HEADER_INVALID', 'the token\'s "typ" is not accepted');
    }
  } else if (typ !== undefined && !isAccessTokenType(typ)) {
    throw new LatchkeyError('ERR_JWS_HEADER_INVALID', 'the token\'s "typ" declares a type of JWT that is not an access token');
  }
  return { header: deepFreeze(header) as JwtHeader, spec: ALGORITHMS[alg as JwsAlgorithm], kid };
}

/**
 * The default `typ` policy, with no `typ` option (RFC 8725 §3.11, RFC 9068 §4): a token that declares
 * itself another kind of JWT (`dpop+jwt`, `refresh+jwt`, `secevent+jwt`, `logout+jwt`, any `*+jwt` but
 * `at+jwt`) is not an access token, whatever its signature. No `typ`, `JWT` and `at+jwt` pass, as does a
 * type that is not a `+jwt` one (`JOSE`).
 */
function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const type = normaliseType(typ);
  return !type.endsWith('+jwt') || type === 'at+jwt';
}

/** RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, `application/` optional. */
export function normaliseType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}
