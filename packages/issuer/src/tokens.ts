/** Minting and reading the issuer's tokens (access, refresh, sliding): claims, `typ` headers, simplejwt's messages. */
import { randomBytes } from 'node:crypto';
import { createVerifier, isLatchkeyError, type JwtPayload, type Verifier } from '@latchkey/core';
import { verifyIgnoringBinding } from '@latchkey/core/adapter';
import type { KeyRing, RingKey } from './keyring/ring.js';

/** The three token types, as simplejwt names them in the `token_type` claim. */
export type TokenKind = 'access' | 'refresh' | 'sliding';

/** `typ` header of access tokens (RFC 9068 §2.1). Sliding tokens are credentials too, so they carry it. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** `typ` header of refresh tokens: explicit and distinct, so no verifier mistakes one for an access token (RFC 8725 §3.11). */
export const REFRESH_TOKEN_TYP = 'refresh+jwt';

const TYP_OF: Record<TokenKind, string> = { access: ACCESS_TOKEN_TYP, refresh: REFRESH_TOKEN_TYP, sliding: ACCESS_TOKEN_TYP };

/**
 * A token refused for a reason simplejwt names. `message` is simplejwt's English text, verbatim (the
 * wire contract); it never contains the token.
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

/** simplejwt's messages (`rest_framework_simplejwt/locale`), verbatim. */
export const MESSAGES = {
  invalid: 'Token is invalid',
  expired: 'Token is expired',
  noType: 'Token has no type',
  wrongType: 'Token has wrong type',
  noId: 'Token has no id',
  blacklisted: 'Token is blacklisted',
  noExp: "Token has no 'exp' claim",
} as const;

/** Claim names and token settings the codec needs. */
export interface TokenCodecSettings {
  readonly ring: KeyRing;
  readonly issuer: string | undefined;
  readonly audience: string | readonly string[] | undefined;
  readonly leewaySeconds: number;
  readonly tokenTypeClaim: string;
  readonly jtiClaim: string;
}

/** A new random token id: 32 hex characters, like simplejwt's `uuid4().hex`. */
export function newTokenId(): string {
  return randomBytes(16).toString('hex');
}

/** Signs and reads the issuer's own tokens. */
export class TokenCodec {
  // Encoded headers per ring key and kind: built once per key, not per token.
  private readonly headers = new WeakMap<RingKey, Record<TokenKind, string>>();
  /** Verifies signature (with the keys of the ring that verify now), `exp` (with the leeway), `iss` and `aud` of every kind. */
  readonly verifier: Verifier;

  constructor(private readonly settings: TokenCodecSettings) {
    const { ring } = settings;
    this.verifier = createVerifier({
      keys: ring.keySource,
      algorithms: ring.algorithms,
      issuer: settings.issuer ?? null,
      audience: settings.audience ?? null,
      // Both typs explicitly: the kind is then checked against the `token_type` claim, below.
      typ: [ACCESS_TOKEN_TYP, REFRESH_TOKEN_TYP],
      clockToleranceSeconds: settings.leewaySeconds,
      // A kid-less HMAC token may be tried against each secret of the ring (configuration bounds it, not the token).
      maxCandidateKeys: Math.max(3, ring.size),
    });
  }

  private headersOf(key: RingKey): Record<TokenKind, string> {
    let headers = this.headers.get(key);
    if (headers === undefined) {
      const header = (kind: TokenKind): string =>
        Buffer.from(JSON.stringify(key.kid === undefined ? { alg: key.alg, typ: TYP_OF[kind] } : { alg: key.alg, typ: TYP_OF[kind], kid: key.kid })).toString(
          'base64url',
        );
      headers = { access: header('access'), refresh: header('refresh'), sliding: header('sliding') };
      this.headers.set(key, headers);
    }
    return headers;
  }

  /** Signs `claims` as a token of `kind` with the ring's active key (the type claim, `iss` and `aud` are added here). */
  async sign(kind: TokenKind, claims: JwtPayload): Promise<string> {
    const { issuer, audience, tokenTypeClaim } = this.settings;
    const payload: JwtPayload = { [tokenTypeClaim]: kind, ...claims };
    if (issuer !== undefined) payload.iss = issuer;
    if (audience !== undefined) payload.aud = audience as string | string[];
    const key = this.settings.ring.viewAt(Date.now()).active;
    const signingInput = `${this.headersOf(key)[kind]}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${signingInput}.${await key.sign(signingInput)}`;
  }

  /**
   * Verifies a token and checks it is of one of `kinds`, in simplejwt's order (signature and `exp`, then
   * the id, then the type); throws a {@link TokenError} with simplejwt's message.
   */
  async read(token: string, kinds: readonly TokenKind[]): Promise<JwtPayload> {
    let payload: JwtPayload;
    let typ: unknown;
    try {
      // Its own tokens, DPoP-bound ones included: the token endpoint checks their binding itself (dpop.ts).
      const verified = await verifyIgnoringBinding(this.verifier, token);
      payload = verified.payload;
      typ = verified.header.typ;
    } catch (error) {
      throw new TokenError(messageFor(error), { cause: error });
    }
    const jti = payload[this.settings.jtiClaim];
    if (typeof jti !== 'string' || jti === '') throw new TokenError(MESSAGES.noId);
    const kind = payload[this.settings.tokenTypeClaim];
    if (kind === undefined) throw new TokenError(MESSAGES.noType);
    // The header and the claim must agree: a refresh token relabelled in one of them is still a refresh token.
    if (!kinds.includes(kind as TokenKind) || typeof typ !== 'string' || typ.toLowerCase() !== TYP_OF[kind as TokenKind]) {
      throw new TokenError(MESSAGES.wrongType);
    }
    return payload;
  }
}

function messageFor(error: unknown): string {
  if (!isLatchkeyError(error)) return MESSAGES.invalid;
  if (error.code === 'ERR_JWT_EXPIRED' && error.claim === 'exp') return MESSAGES.expired;
  if (error.code === 'ERR_JWT_CLAIM_INVALID' && error.claim === 'exp' && error.message.endsWith('is missing')) return MESSAGES.noExp;
  return MESSAGES.invalid;
}
