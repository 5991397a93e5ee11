/** Signing keys: the accepted algorithms and key inputs, their checking and preparation, and their public JWKs. */
import {
  KeyObject,
  constants,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  sign as cryptoSign,
  type JsonWebKey,
} from 'node:crypto';
import { hmacSecrets, staticKeys, type JwsAlgorithm, type KeySource } from '@latchkey/core';

/** A JSON Web Key (RFC 7517). */
export type JWK = JsonWebKey;

/** Algorithms the issuer signs with (simplejwt's `ALGORITHM` choices, EdDSA included). */
export const SIGNING_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
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
] as const satisfies readonly JwsAlgorithm[];

/** An algorithm the issuer signs with. */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** A signing key as configuration gives it: an HMAC secret (string or bytes), a private key (PEM, JWK or `KeyObject`). */
export type SigningKeyInput = string | Uint8Array | KeyObject | JWK;

/** A public JWK as published in the JWKS. */
export interface PublishedJwk extends JWK {
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
}

/** The prepared key: signs compact JWS, hands out what verifies it. */
export interface SigningKey {
  readonly alg: SigningAlgorithm;
  /** RFC 7638 thumbprint of the public key; `undefined` for HMAC (simplejwt writes no `kid`, and a secret is never published). */
  readonly kid: string | undefined;
  /** The public JWK for the JWKS; `undefined` for HMAC. */
  readonly publicJwk: PublishedJwk | undefined;
  /** A core key source that verifies this key's signatures. */
  readonly keySource: KeySource;
  /** The base64url signature of `signingInput`. */
  sign(signingInput: string): string;
}

const HASH: Record<SigningAlgorithm, string | null> = {
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
};
const EC_CURVE: Partial<Record<SigningAlgorithm, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

function failOption(problem: string, option: string): never {
  throw new TypeError(`createIssuer: "${option}" ${problem}`);
}

function privateKeyOf(input: SigningKeyInput, option: string): KeyObject {
  try {
    if (input instanceof KeyObject) return input;
    if (typeof input === 'string') return createPrivateKey(input);
    return createPrivateKey({ key: input as JWK, format: 'jwk' });
  } catch (cause) {
    throw new TypeError(`createIssuer: "${option}" could not be read as a private key (PEM PKCS#8/PKCS#1/SEC1, JWK or KeyObject)`, { cause });
  }
}

function checkAsymmetric(alg: SigningAlgorithm, key: KeyObject, option: string): void {
  const fail: (problem: string) => never = (problem) => failOption(problem, option);
  if (key.type !== 'private') fail(`must be a private key for ${alg} (got a ${key.type} key); the public half is derived from it`);
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    if (type !== 'rsa' && !(type === 'rsa-pss' && alg.startsWith('PS'))) fail(`is a ${type} key, but ${alg} needs an RSA key`);
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) fail('is an RSA key shorter than 2048 bits');
  } else if (alg.startsWith('ES')) {
    if (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== EC_CURVE[alg]) fail(`must be an EC key on the curve ${alg} names (RFC 7518 §3.4)`);
  } else if (type !== 'ed25519') {
    fail(`is a ${type} key, but EdDSA needs an Ed25519 key`);
  }
}

// RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace.
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };

/** The RFC 7638 SHA-256 thumbprint of a public JWK, base64url. */
export function thumbprint(jwk: JWK): string {
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? ''];
  if (members === undefined) throw new TypeError(`no RFC 7638 thumbprint for kty ${String(jwk.kty)}`);
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/**
 * Prepares the configured key for `alg`, once, at start-up: the key type must fit the algorithm (an RSA key
 * never signs ES256; a public key or a PEM never becomes an HMAC secret), HMAC secrets must be as long as
 * the hash (RFC 7518 §3.2; checked by the core), RSA keys at least 2048 bits.
 */
export function prepareSigningKey(alg: SigningAlgorithm, input: SigningKeyInput, option = 'signingKey'): SigningKey {
  const fail: (problem: string) => never = (problem) => failOption(problem, option);
  const hash = HASH[alg];
  if (alg.startsWith('HS')) {
    if (input instanceof KeyObject ? input.type !== 'secret' : typeof input !== 'string' && !(input instanceof Uint8Array)) {
      fail(`must be a secret (string, bytes or a secret KeyObject) for ${alg}`);
    }
    let keySource: KeySource;
    try {
      keySource = hmacSecrets([{ secret: input as string | Uint8Array | KeyObject, alg: alg as 'HS256' | 'HS384' | 'HS512' }]);
    } catch (error) {
      fail(`is unusable for ${alg}: ${(error as Error).message}`);
    }
    const secret =
      input instanceof KeyObject ? input : createSecretKey(typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input as Uint8Array));
    return {
      alg,
      kid: undefined,
      publicJwk: undefined,
      keySource,
      sign: (signingInput) => createHmac(hash!, secret).update(signingInput).digest('base64url'),
    };
  }
  const privateKey = privateKeyOf(input, option);
  checkAsymmetric(alg, privateKey, option);
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = thumbprint(jwk);
  const publicJwk: PublishedJwk = { ...jwk, kid, alg, use: 'sig' };
  const options = alg.startsWith('PS')
    ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
    : alg.startsWith('ES')
      ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const }
      : privateKey;
  const keySource = staticKeys([{ key: publicKey, kid, alg }]);
  return {
    alg,
    kid,
    publicJwk,
    keySource,
    // Synchronous node:crypto, like the core's verify: no thread-pool hop per token.
    sign: (signingInput) => base64url(cryptoSign(hash, Buffer.from(signingInput), options)),
  };
}
