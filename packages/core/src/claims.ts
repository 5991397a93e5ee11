import { LatchkeyError } from './errors.js';
import type { JwtPayload } from './types.js';

/** The claim rules of one verifier, fixed at start-up. */
export interface ClaimPolicy {
  /** Accepted issuers; undefined when the check is explicitly off (`issuer: null`). */
  readonly issuers: ReadonlySet<string> | undefined;
  /** Accepted audiences; undefined when the check is explicitly off (`audience: null`). */
  readonly audiences: ReadonlySet<string> | undefined;
  readonly clockToleranceSeconds: number;
  readonly maxTokenAgeSeconds: number | undefined;
  readonly requireExpiration: boolean;
  readonly requiredClaims: readonly string[];
  readonly subject: string | undefined;
}

const NUMERIC_DATES = ['exp', 'nbf', 'iat'] as const;
const STRINGS = ['iss', 'sub', 'jti'] as const;

function invalid(claim: string, reason: string): LatchkeyError {
  return new LatchkeyError('ERR_JWT_CLAIM_INVALID', `the "${claim}" claim ${reason}`, { claim });
}

/**
 * Checks the registered claims (RFC 7519 §4.1) and the verifier's claim rules against `nowSeconds`.
 * Types are checked strictly: a NumericDate must be a finite number, `iss`/`sub`/`jti` strings, `aud` a
 * string or an array of strings (arrays where strings belong were a fast-jwt bypass).
 */
export function checkClaims(payload: JwtPayload, policy: ClaimPolicy, nowSeconds: number): void {
  for (const claim of NUMERIC_DATES) {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) throw invalid(claim, 'is not a NumericDate');
  }
  for (const claim of STRINGS) {
    const value = payload[claim];
    if (value !== undefined && typeof value !== 'string') throw invalid(claim, 'is not a string');
  }
  const tolerance = policy.clockToleranceSeconds;
  const { exp, nbf, iat } = payload;
  if (exp === undefined) {
    if (policy.requireExpiration) throw invalid('exp', 'is missing');
  } else if (exp <= nowSeconds - tolerance) {
    throw new LatchkeyError('ERR_JWT_EXPIRED', 'the token has expired', { claim: 'exp' });
  }
  if (nbf !== undefined && nbf > nowSeconds + tolerance) {
    throw new LatchkeyError('ERR_JWT_NOT_YET_VALID', 'the token is not valid yet', { claim: 'nbf' });
  }
  if (iat !== undefined && iat > nowSeconds + tolerance) {
    throw new LatchkeyError('ERR_JWT_NOT_YET_VALID', 'the token was issued in the future', { claim: 'iat' });
  }
  if (policy.maxTokenAgeSeconds !== undefined) {
    if (iat === undefined) throw invalid('iat', 'is missing (a maximum token age is set)');
    if (nowSeconds - iat > policy.maxTokenAgeSeconds + tolerance) {
      throw new LatchkeyError('ERR_JWT_EXPIRED', 'the token is older than the maximum age', { claim: 'iat' });
    }
  }
  if (policy.issuers !== undefined && (payload.iss === undefined || !policy.issuers.has(payload.iss))) {
    throw new LatchkeyError('ERR_JWT_ISSUER_NOT_ALLOWED', 'the token\'s issuer is not trusted', { claim: 'iss' });
  }
  if (policy.audiences !== undefined) checkAudience(payload.aud, policy.audiences);
  if (policy.subject !== undefined && payload.sub !== policy.subject) throw invalid('sub', 'does not match');
  for (const claim of policy.requiredClaims) {
    if (payload[claim] === undefined) throw invalid(claim, 'is missing');
  }
}

function checkAudience(aud: unknown, accepted: ReadonlySet<string>): void {
  if (typeof aud === 'string') {
    if (accepted.has(aud)) return;
  } else if (Array.isArray(aud)) {
    let match = false;
    for (const item of aud) {
      if (typeof item !== 'string') throw invalid('aud', 'is not a string or an array of strings');
      if (accepted.has(item)) match = true;
    }
    if (match) return;
  } else if (aud === undefined) {
    throw invalid('aud', 'is missing');
  } else {
    throw invalid('aud', 'is not a string or an array of strings');
  }
  throw invalid('aud', 'does not name this API');
}
