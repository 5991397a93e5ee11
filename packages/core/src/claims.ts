/** The registered-claim checks of RFC 7519 §4.1 (exp, nbf, iat, iss, aud, sub, required claims), strictly typed. */
import { LatchkeyError, quoted } from './errors.js';
import { own } from './own.js';
import type { JwtPayload } from './types.js';

/** The claim rules of one verifier, fixed at start-up. */
export interface ClaimPolicy {
  /** Accepted issuers; undefined when the check is explicitly off (`issuer: null`). */
  readonly issuers: StringMatcher | undefined;
  /** Accepted audiences; undefined when the check is explicitly off (`audience: null`). */
  readonly audiences: StringMatcher | undefined;
  readonly clockToleranceSeconds: number;
  readonly maxTokenAgeSeconds: number | undefined;
  readonly requireExpiration: boolean;
  readonly requiredClaims: readonly string[];
  readonly subject: string | undefined;
  /** The accepted issuers and audiences as configured, for server-only error details. */
  readonly expectedIssuers?: readonly string[] | undefined;
  readonly expectedAudiences?: readonly string[] | undefined;
}

function invalid(claim: string, reason: string, detail?: string): LatchkeyError {
  return new LatchkeyError('ERR_JWT_CLAIM_INVALID', `the "${claim}" claim ${reason}`, { claim, detail });
}

function expectedVersusReceived(expected: readonly string[] | undefined, received: unknown): string {
  return `expected ${expected === undefined ? 'a configured value' : quoted(expected.length === 1 ? expected[0] : expected)}, received ${quoted(received)}`;
}

/**
 * Checks the registered claims (RFC 7519 §4.1) and the verifier's claim rules against `nowSeconds`.
 * Types are checked strictly: a NumericDate must be a finite number, `iss`/`sub`/`jti` strings, `aud` a
 * string or an array of strings (arrays where strings belong were a fast-jwt bypass).
 */
export function checkClaims(payload: JwtPayload, policy: ClaimPolicy, nowSeconds: number): void {
  // Named reads, not a loop over claim names: each access stays monomorphic on the hot path. Only own
  // members are claims; a parsed payload can inherit one only from a polluted Object.prototype, which is
  // checked with constant loads (free once optimised) rather than a hasOwn call per claim per request.
  const registered = registeredClaimsInherited() ? ownRegisteredClaims(payload) : payload;
  const { exp, nbf, iat, iss, sub, jti } = registered;
  if (exp !== undefined && !isNumericDate(exp)) throw invalid('exp', 'is not a NumericDate');
  if (nbf !== undefined && !isNumericDate(nbf)) throw invalid('nbf', 'is not a NumericDate');
  if (iat !== undefined && !isNumericDate(iat)) throw invalid('iat', 'is not a NumericDate');
  if (iss !== undefined && typeof iss !== 'string') throw invalid('iss', 'is not a string');
  if (sub !== undefined && typeof sub !== 'string') throw invalid('sub', 'is not a string');
  if (jti !== undefined && typeof jti !== 'string') throw invalid('jti', 'is not a string');
  const tolerance = policy.clockToleranceSeconds;
  if (exp === undefined) {
    if (policy.requireExpiration) throw invalid('exp', 'is missing');
  } else if (exp <= nowSeconds - tolerance) {
    throw new LatchkeyError('ERR_JWT_EXPIRED', 'the token has expired', {
      claim: 'exp',
      detail: `exp is ${Math.round(nowSeconds - exp)} s in the past (tolerance ${tolerance} s)`,
    });
  }
  if (nbf !== undefined && nbf > nowSeconds + tolerance) {
    throw new LatchkeyError('ERR_JWT_NOT_YET_VALID', 'the token is not valid yet', {
      claim: 'nbf',
      detail: `nbf is ${Math.round(nbf - nowSeconds)} s in the future (tolerance ${tolerance} s)`,
    });
  }
  if (iat !== undefined && iat > nowSeconds + tolerance) {
    throw new LatchkeyError('ERR_JWT_NOT_YET_VALID', 'the token was issued in the future', {
      claim: 'iat',
      detail: `iat is ${Math.round(iat - nowSeconds)} s in the future (tolerance ${tolerance} s)`,
    });
  }
  if (policy.maxTokenAgeSeconds !== undefined) {
    if (iat === undefined) throw invalid('iat', 'is missing (a maximum token age is set)');
    if (nowSeconds - iat > policy.maxTokenAgeSeconds + tolerance) {
      throw new LatchkeyError('ERR_JWT_EXPIRED', 'the token is older than the maximum age', {
        claim: 'iat',
        detail: `issued ${Math.round(nowSeconds - iat)} s ago; maxTokenAgeSeconds is ${policy.maxTokenAgeSeconds}`,
      });
    }
  }
  if (policy.issuers !== undefined && (iss === undefined || !policy.issuers(iss))) {
    throw new LatchkeyError('ERR_JWT_ISSUER_NOT_ALLOWED', "the token's issuer is not trusted", {
      claim: 'iss',
      detail: expectedVersusReceived(policy.expectedIssuers, iss),
    });
  }
  if (policy.audiences !== undefined) checkAudience(registered.aud, policy.audiences, policy.expectedAudiences);
  if (policy.subject !== undefined && sub !== policy.subject) throw invalid('sub', 'does not match', expectedVersusReceived([policy.subject], sub));
  const required = policy.requiredClaims;
  for (let index = 0; index < required.length; index++) {
    if (own(payload, required[index]!) === undefined) throw invalid(required[index]!, 'is missing');
  }
}

const PROTOTYPE = Object.prototype as JwtPayload;

/** True when Object.prototype has been given a registered claim's name (prototype pollution). */
function registeredClaimsInherited(): boolean {
  const p = PROTOTYPE;
  return (
    p.exp !== undefined ||
    p.nbf !== undefined ||
    p.iat !== undefined ||
    p.iss !== undefined ||
    p.sub !== undefined ||
    p.jti !== undefined ||
    p.aud !== undefined
  );
}

function ownRegisteredClaims(payload: JwtPayload): JwtPayload {
  const claims: JwtPayload = {};
  for (const name of ['exp', 'nbf', 'iat', 'iss', 'sub', 'jti', 'aud'] as const) {
    if (Object.hasOwn(payload, name)) Object.defineProperty(claims, name, { value: payload[name], enumerable: true });
  }
  return Object.setPrototypeOf(claims, null) as JwtPayload;
}

/** Tests whether a claim value is one of the accepted ones. */
export type StringMatcher = (value: string) => boolean;

/**
 * Builds the matcher once. Most verifiers accept one issuer and one audience: comparing strings spares
 * hashing each token's (new, never hashed) claim string, which a Set lookup would do per request.
 */
export function matcherFor(accepted: readonly string[]): StringMatcher {
  if (accepted.length === 1) {
    const only = accepted[0]!;
    return (value) => value === only;
  }
  if (accepted.length <= 8) return (value) => accepted.includes(value);
  const set = new Set(accepted);
  return (value) => set.has(value);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function checkAudience(aud: unknown, accepted: StringMatcher, expected: readonly string[] | undefined): void {
  if (typeof aud === 'string') {
    if (accepted(aud)) return;
  } else if (Array.isArray(aud)) {
    let match = false;
    for (const item of aud) {
      if (typeof item !== 'string') throw invalid('aud', 'is not a string or an array of strings');
      if (accepted(item)) match = true;
    }
    if (match) return;
  } else if (aud === undefined) {
    throw invalid('aud', 'is missing');
  } else {
    throw invalid('aud', 'is not a string or an array of strings');
  }
  throw invalid('aud', 'does not name this API', expectedVersusReceived(expected, aud));
}
