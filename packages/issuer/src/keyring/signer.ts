/** The `Signer` interface (keys held by a KMS or an HSM) and its default, in-process implementation. */
import { prepareSigningKey, type PublishedJwk, type SigningAlgorithm, type SigningKeyInput } from '../keys.js';

/** An asymmetric algorithm a {@link Signer} may sign with (HMAC secrets stay in process: see the key ring). */
export type AsymmetricSigningAlgorithm = Exclude<SigningAlgorithm, 'HS256' | 'HS384' | 'HS512'>;

/**
 * A signing key the issuer may not hold: a KMS or HSM key behind an API. The issuer hands it the JWS
 * signing input (RFC 7515 §5.1: `BASE64URL(header) || '.' || BASE64URL(payload)`, as ASCII bytes) and
 * publishes `publicJwk` in its JWKS.
 *
 * Contract (pinned by `describeSignerContract` from `@latchkey/issuer/contract`):
 * - `alg` is fixed, asymmetric, and fits the key; `publicJwk` holds no private member, carries `kid`,
 *   `alg` and `use: "sig"`, and its `kid` is the RFC 7638 SHA-256 thumbprint.
 * - `sign` resolves the raw JWS signature: for ES256/384/512 the fixed-length `r || s` form of RFC 7518
 *   §3.4 — **not** the DER encoding most KMS APIs return (convert it) —, for RS/PS the PKCS#1 v1.5 or
 *   PSS signature, for EdDSA the 64-byte Ed25519 signature. It verifies with `publicJwk`.
 * - `sign` may be called concurrently; it rejects (never resolves garbage) when the key is unavailable,
 *   and the issuer turns that rejection into a 500 for that request.
 */
export interface Signer {
  /** The JWS `alg` of every signature. */
  readonly alg: AsymmetricSigningAlgorithm;
  /** The key id written into every header: the RFC 7638 thumbprint of {@link publicJwk}. */
  readonly kid: string;
  /** The public key, as published in the issuer's JWKS. */
  readonly publicJwk: PublishedJwk;
  /** The raw JWS signature of `signingInput`. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/**
 * The default {@link Signer}: a private key in this process (PEM, JWK or `KeyObject`), signed with
 * synchronous `node:crypto`. Throws a `TypeError` at once when the key does not fit `alg`.
 *
 * @example inProcessSigner('EdDSA', readFileSync('signing.pem', 'utf8'))
 */
export function inProcessSigner(alg: AsymmetricSigningAlgorithm, key: SigningKeyInput): Signer {
  const prepared = prepareSigningKey(alg, key);
  return {
    alg,
    kid: prepared.kid!,
    publicJwk: prepared.publicJwk!,
    sign: (signingInput) => Promise.resolve(Buffer.from(prepared.sign(Buffer.from(signingInput).toString('latin1')), 'base64url')),
  };
}

/** True for an object shaped like a {@link Signer} (a JWK or a `KeyObject` is not one). */
export function isSigner(value: unknown): value is Signer {
  const candidate = value as Partial<Signer> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.sign === 'function' &&
    typeof candidate.kid === 'string' &&
    typeof candidate.alg === 'string' &&
    typeof candidate.publicJwk === 'object' &&
    candidate.publicJwk !== null
  );
}
