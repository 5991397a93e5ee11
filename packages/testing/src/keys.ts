/** Signing keys for tests: generated per algorithm, with their public JWK. */
import { KeyObject, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { HMAC_SECRET_BYTES, isAsymmetricAlgorithm, isHmacAlgorithm, type AsymmetricAlgorithm, type HmacAlgorithm } from './algorithms.js';
import { assertOptions } from './internal/options.js';

/** RSA modulus of generated keys, in bits. 2048 is the minimum verifiers should accept (RFC 7518 §3.3). */
export const RSA_MODULUS_BITS = 2048;

/**
 * A public JWK as a JWKS publishes it: the key material plus `kid`, `alg` and `use: "sig"`, and no private
 * members.
 */
export interface PublicJwk extends JWK {
  readonly kid: string;
  readonly alg: AsymmetricAlgorithm;
  readonly use: 'sig';
}

/** An asymmetric key pair ready to sign test tokens, made by {@link generateSigningKey}. */
export interface SigningKey {
  /** The key id: the RFC 7638 thumbprint of the public key unless one was given. */
  readonly kid: string;
  /** The algorithm tokens are signed with by default. */
  readonly alg: AsymmetricAlgorithm;
  /** The private key, as a `node:crypto` `KeyObject` (jose and `node:crypto` both take it). */
  readonly privateKey: KeyObject;
  /** The public key, as a `node:crypto` `KeyObject`. */
  readonly publicKey: KeyObject;
  /** The public key as a JWK, with `kid`, `alg` and `use: "sig"`: put it in a JWKS as it is. */
  readonly publicJwk: PublicJwk;
  /** The public key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`), for verifiers configured with PEM. */
  readonly publicKeyPem: string;
}

/** A random HMAC secret, made by {@link generateHmacSecret}. */
export interface HmacSecret {
  /** The key id, only when one was asked for: a verifier configured with a kid-less secret expects none. */
  readonly kid: string | undefined;
  /** The algorithm tokens are signed with by default. */
  readonly alg: HmacAlgorithm;
  /** The secret bytes, as long as the algorithm's hash output (see {@link HMAC_SECRET_BYTES}). */
  readonly secret: Uint8Array;
}

/** Anything the token factory signs with. */
export type TokenSigningKey = SigningKey | HmacSecret;

/** Options of {@link generateSigningKey}. */
export interface GenerateSigningKeyOptions {
  /** The key id. Default: the RFC 7638 thumbprint of the public key, so each key gets a distinct one. */
  kid?: string;
}

/** The options of both generators: only `kid`, a non-empty string. `null` is refused like any non-object. */
function assertKidOption(options: GenerateSigningKeyOptions, fn: string): void {
  assertOptions(options, ['kid'], fn);
  if (options.kid !== undefined && (typeof options.kid !== 'string' || options.kid === '')) {
    throw new TypeError(`${fn}: "kid" must be a non-empty string`);
  }
}

/**
 * Generates a fresh key pair for an asymmetric algorithm: RSA keys are {@link RSA_MODULUS_BITS} bits, EC keys
 * use the algorithm's curve (P-256, P-384, P-521), `EdDSA` and `Ed25519` use Ed25519.
 *
 * Generation goes through jose; the keys come back as `node:crypto` `KeyObject`s, which (unlike a WebCrypto
 * `CryptoKey`) are not tied to one hash, so an RSA key made for RS256 can also sign RS384 or PS256 when a
 * test needs it. RSA generation takes about 100 ms: generate once per file (`beforeAll`), not per test.
 *
 * @example
 * ```ts
 * const key = await generateSigningKey('ES256', { kid: 'test-key-1' });
 * const jwks = { keys: [key.publicJwk] };
 * ```
 */
export async function generateSigningKey(alg: AsymmetricAlgorithm, options: GenerateSigningKeyOptions = {}): Promise<SigningKey> {
  if (!isAsymmetricAlgorithm(alg)) {
    throw new TypeError(
      `generateSigningKey: "alg" must be an asymmetric algorithm (RS*, PS*, ES*, EdDSA, Ed25519), got ${JSON.stringify(alg)}` +
        (isHmacAlgorithm(alg) ? '; use generateHmacSecret for HMAC' : ''),
    );
  }
  assertKidOption(options, 'generateSigningKey');
  const pair = await generateKeyPair(alg, { extractable: true, modulusLength: RSA_MODULUS_BITS });
  const privateKey = KeyObject.from(pair.privateKey);
  const publicKey = KeyObject.from(pair.publicKey);
  const material = await exportJWK(publicKey);
  const kid = options.kid ?? (await calculateJwkThumbprint(material));
  const publicJwk: PublicJwk = Object.freeze({ ...material, kid, alg, use: 'sig' as const });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return Object.freeze({ kid, alg, privateKey, publicKey, publicJwk, publicKeyPem });
}

/** Options of {@link generateHmacSecret}. */
export interface GenerateHmacSecretOptions {
  /** A key id to put in token headers. Default: none. */
  kid?: string;
}

/**
 * Generates a random HMAC secret exactly as long as the algorithm's hash output (32, 48 or 64 bytes), the
 * minimum RFC 7518 §3.2 allows, so it passes any verifier that enforces the rule.
 *
 * @example
 * ```ts
 * const hmac = generateHmacSecret('HS256');
 * const tokens = createTokenFactory({ issuer: 'https://issuer.example', audience: 'api', key: hmac });
 * // configure the API under test with `hmac.secret`, then send `await tokens.sign()`
 * ```
 */
export function generateHmacSecret(alg: HmacAlgorithm = 'HS256', options: GenerateHmacSecretOptions = {}): HmacSecret {
  if (!isHmacAlgorithm(alg)) throw new TypeError(`generateHmacSecret: "alg" must be HS256, HS384 or HS512, got ${JSON.stringify(alg)}`);
  assertKidOption(options, 'generateHmacSecret');
  return Object.freeze({ kid: options.kid, alg, secret: new Uint8Array(randomBytes(HMAC_SECRET_BYTES[alg])) });
}

/** True when the key is an HMAC secret rather than a key pair. */
export function isHmacSecret(key: TokenSigningKey): key is HmacSecret {
  return 'secret' in key;
}

/** @internal Checks a value handed in as an asymmetric key, one a JWKS can publish; `where` names the option. */
export function assertSigningKey(key: unknown, where: string): asserts key is SigningKey {
  if (typeof key === 'object' && key !== null) {
    const candidate = key as Record<string, unknown>;
    const jwk = candidate.publicJwk as Record<string, unknown> | null | undefined;
    // The JWK is what gets served: without one, the JWKS would list `null`.
    const publishable = typeof jwk === 'object' && jwk !== null && typeof jwk.kty === 'string';
    if (isAsymmetricAlgorithm(candidate.alg) && candidate.privateKey instanceof KeyObject && typeof candidate.kid === 'string' && publishable) return;
  }
  throw new TypeError(`${where} must be a key from generateSigningKey`);
}

/** @internal Checks a value handed in as a signing key; `where` names the option in the TypeError. */
export function assertTokenSigningKey(key: unknown, where: string): asserts key is TokenSigningKey {
  if (typeof key === 'object' && key !== null) {
    const candidate = key as Record<string, unknown>;
    if (isHmacAlgorithm(candidate.alg) && candidate.secret instanceof Uint8Array) return;
    if (isAsymmetricAlgorithm(candidate.alg) && candidate.privateKey instanceof KeyObject && typeof candidate.kid === 'string') return;
  }
  throw new TypeError(`${where} must be a key from generateSigningKey or generateHmacSecret`);
}
