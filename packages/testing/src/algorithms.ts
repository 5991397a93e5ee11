/**
 * Asymmetric JWS algorithms the test kit can generate keys for and sign with (RFC 7518 §3, RFC 8037,
 * RFC 9864 for the fully specified `Ed25519`).
 */
export type AsymmetricAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519';

/** HMAC JWS algorithms (RFC 7518 §3.2). */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Every algorithm the test kit signs with. `none` is not one: use {@link encodeUnsigned} for that. */
export type SigningAlgorithm = AsymmetricAlgorithm | HmacAlgorithm;

/** The asymmetric algorithms, in a stable order (handy for `it.each`). */
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const);

/** The HMAC algorithms, in a stable order. */
export const HMAC_ALGORITHMS: readonly HmacAlgorithm[] = Object.freeze(['HS256', 'HS384', 'HS512'] as const);

/**
 * Bytes of a generated HMAC secret: the hash output size, the minimum RFC 7518 §3.2 allows
 * (HS256: 32, HS384: 48, HS512: 64).
 */
export const HMAC_SECRET_BYTES: Readonly<Record<HmacAlgorithm, number>> = Object.freeze({ HS256: 32, HS384: 48, HS512: 64 });

/** True for `HS256`, `HS384` and `HS512`. */
export function isHmacAlgorithm(alg: unknown): alg is HmacAlgorithm {
  return typeof alg === 'string' && (HMAC_ALGORITHMS as readonly string[]).includes(alg);
}

/** True for the asymmetric algorithms in {@link ASYMMETRIC_ALGORITHMS}. */
export function isAsymmetricAlgorithm(alg: unknown): alg is AsymmetricAlgorithm {
  return typeof alg === 'string' && (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg);
}
