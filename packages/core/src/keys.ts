/** Key import: JWKs, PEM, certificates and secrets become node:crypto KeyObjects with the algorithms they may verify. */
import { KeyObject, X509Certificate, createPublicKey, createSecretKey } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import {
  ALGORITHMS,
  HMAC_MIN_SECRET_BYTES,
  RSA_MAX_MODULUS_BITS,
  RSA_MAX_PUBLIC_EXPONENT,
  RSA_MIN_MODULUS_BITS,
  RSA_MIN_PUBLIC_EXPONENT,
  SUPPORTED_ALGORITHMS,
  type JwsAlgorithm,
} from './algorithms.js';

/**
 * A verification key prepared once, when it enters a key set, so the hot path does no import or PEM
 * conversion. `algorithms` is what this key may verify: derived from the key's own type and curve, narrowed
 * by the JWK's `alg`, `use` and `key_ops` (RFC 7517 §4), and never widened by anything in a token.
 */
export interface PreparedKey {
  /** The key id, when the source gave one. */
  readonly kid: string | undefined;
  /** The `node:crypto` key used by {@link ALGORITHMS}. */
  readonly keyObject: KeyObject;
  /** Algorithms this key may verify. */
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  /**
   * True once the key has left its source (rotated out of the JWKS). Verified-token cache entries die
   * with their key: the cache checks this flag on every hit.
   */
  retired: boolean;
}

/** Why a key was not accepted into a set. Thrown at configuration time; reported through hooks for JWKS. */
export class KeyImportError extends Error {
  override readonly name = 'KeyImportError';
}

const ASYMMETRIC_BY_TYPE: Record<string, JwsAlgorithm[]> = {
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'rsa-pss': ['PS256', 'PS384', 'PS512'],
  ed25519: ['EdDSA', 'Ed25519'],
};

const EC_BY_CURVE: Record<string, JwsAlgorithm> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

/** The algorithms an asymmetric public key can verify, from its parsed type (never from its bytes' look). */
export function algorithmsForPublicKey(key: KeyObject): JwsAlgorithm[] {
  if (key.type !== 'public') throw new KeyImportError(`expected a public key, got a ${key.type} key`);
  const type = key.asymmetricKeyType ?? '';
  if (type === 'ec') {
    const alg = EC_BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (alg === undefined) throw new KeyImportError(`unsupported EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '(unknown)'}`);
    return [alg];
  }
  const algs = ASYMMETRIC_BY_TYPE[type];
  if (algs === undefined) throw new KeyImportError(`unsupported key type ${type || '(unknown)'}`);
  if (type === 'rsa' || type === 'rsa-pss') checkRsaBounds(key);
  return algs;
}

/**
 * Every RSA key, whatever its form (JWK, PEM, X.509, KeyObject), passes here once, at key load:
 * - a modulus of at least {@link RSA_MIN_MODULUS_BITS} bits (RFC 7518 §3.3) and at most
 *   {@link RSA_MAX_MODULUS_BITS}: a 16384-bit key costs milliseconds per verification, per candidate;
 * - an odd public exponent from 65537 to 2^32 (NIST SP 800-56B §6.2.1 asks 2^16 < e < 2^256; the upper bound
 *   here keeps verification cheap, and no deployed key exceeds it). With e = 1 a "signature" is the
 *   padded digest itself, so anyone could forge one; an even e is no RSA key at all.
 */
function checkRsaBounds(key: KeyObject): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < RSA_MIN_MODULUS_BITS) throw new KeyImportError(`RSA key of ${bits} bits refused (minimum ${RSA_MIN_MODULUS_BITS})`);
  if (bits > RSA_MAX_MODULUS_BITS) throw new KeyImportError(`RSA key of ${bits} bits refused (maximum ${RSA_MAX_MODULUS_BITS})`);
  const exponent = key.asymmetricKeyDetails?.publicExponent ?? 0n;
  if (exponent < RSA_MIN_PUBLIC_EXPONENT || exponent > RSA_MAX_PUBLIC_EXPONENT || exponent % 2n === 0n) {
    throw new KeyImportError(`RSA public exponent ${exponent} refused (an odd number from ${RSA_MIN_PUBLIC_EXPONENT} to 2^32)`);
  }
}

function finish(kid: string | undefined, keyObject: KeyObject, algorithms: Iterable<JwsAlgorithm>): PreparedKey {
  const set = new Set(algorithms);
  if (set.size === 0) throw new KeyImportError('the key can verify none of the supported algorithms');
  return { kid, keyObject, algorithms: set, retired: false };
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Prepares a public JWK (as found in a JWKS). Uses jose to import and validate it, then narrows the
 * algorithms by `alg`, `use` and `key_ops`. Symmetric (`kty: "oct"`) and private JWKs are refused: a JWKS
 * publishes public keys only, and an HMAC key must come from a configured secret (RFC 8725 §3.1).
 */
export async function prepareJwk(jwk: unknown): Promise<PreparedKey> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new KeyImportError('a JWK must be an object');
  const candidate = jwk as JWK & { key_ops?: unknown; use?: unknown };
  if (typeof candidate.kty !== 'string') throw new KeyImportError('a JWK needs a "kty"');
  if (candidate.kty === 'oct') throw new KeyImportError('symmetric JWKs are refused; configure HMAC secrets instead');
  for (const member of PRIVATE_JWK_MEMBERS) {
    if (member in candidate) throw new KeyImportError(`the JWK holds private key material ("${member}")`);
  }
  if (candidate.kid !== undefined && typeof candidate.kid !== 'string') throw new KeyImportError('"kid" must be a string');
  if (candidate.use !== undefined && candidate.use !== 'sig') throw new KeyImportError(`"use" is "${String(candidate.use)}", not "sig"`);
  if (candidate.key_ops !== undefined) {
    if (!Array.isArray(candidate.key_ops) || !candidate.key_ops.includes('verify')) {
      throw new KeyImportError('"key_ops" does not include "verify"');
    }
  }
  if (candidate.alg !== undefined && !isAsymmetric(candidate.alg)) {
    throw new KeyImportError(`"alg" ${JSON.stringify(candidate.alg)} is not a supported asymmetric algorithm`);
  }
  const importAlg = candidate.alg ?? defaultImportAlg(candidate);
  let keyObject: KeyObject;
  try {
    const imported = await importJWK({ ...candidate, ext: true }, importAlg);
    keyObject = imported instanceof Uint8Array ? createSecretKey(imported) : KeyObject.from(imported);
  } catch (cause) {
    throw new KeyImportError(`the JWK could not be imported: ${(cause as Error).message}`, { cause });
  }
  const compatible = algorithmsForPublicKey(keyObject);
  const algorithms = candidate.alg === undefined ? compatible : compatible.filter((alg) => alg === candidate.alg);
  return finish(candidate.kid, keyObject, algorithms);
}

function isAsymmetric(alg: unknown): alg is JwsAlgorithm {
  return typeof alg === 'string' && (SUPPORTED_ALGORITHMS as readonly string[]).includes(alg) && ALGORITHMS[alg as JwsAlgorithm].family !== 'HMAC';
}

function defaultImportAlg(jwk: JWK): string {
  switch (jwk.kty) {
    case 'RSA':
      return 'RS256';
    case 'EC':
      return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256';
    case 'OKP':
      return jwk.crv === 'Ed25519' ? 'EdDSA' : 'unsupported';
    default:
      return 'unsupported';
  }
}

/** A static asymmetric key as configuration gives it. */
export type StaticKeyInput = KeyObject | string | JWK;

/**
 * Prepares a configured public key: a `KeyObject`, a PEM string (SPKI, PKCS#1 or X.509 certificate), or a
 * public JWK. `alg`, when given, narrows what the key may verify.
 */
export async function prepareStaticKey(
  input: StaticKeyInput,
  options: { kid?: string | undefined; alg?: JwsAlgorithm | undefined } = {},
): Promise<PreparedKey> {
  let keyObject: KeyObject;
  let kid = options.kid;
  if (input instanceof KeyObject) {
    keyObject = input.type === 'private' ? createPublicKey(input) : input;
  } else if (typeof input === 'string') {
    keyObject = importPem(input);
  } else {
    const prepared = await prepareJwk(input);
    keyObject = prepared.keyObject;
    kid ??= prepared.kid;
    const algs = [...prepared.algorithms].filter((alg) => options.alg === undefined || alg === options.alg);
    return finish(kid, keyObject, algs);
  }
  if (keyObject.type === 'secret') throw new KeyImportError('a secret key is not a public key; configure it as an HMAC secret');
  const algs = algorithmsForPublicKey(keyObject).filter((alg) => options.alg === undefined || alg === options.alg);
  return finish(kid, keyObject, algs);
}

function importPem(pem: string): KeyObject {
  const text = pem.trim();
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(text).publicKey;
    // SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY" (the CVE-2023-48223 format, parsed here as what it is),
    // or a private key from which node:crypto derives the public half.
    return createPublicKey(text);
  } catch (cause) {
    throw new KeyImportError('the PEM could not be parsed as a public key or certificate', { cause });
  }
}

/** A configured HMAC secret. */
export interface SecretInput {
  /** The secret: bytes, or a string taken as UTF-8. */
  secret: string | Uint8Array | KeyObject;
  kid?: string | undefined;
  /** Narrow the secret to one algorithm. */
  alg?: 'HS256' | 'HS384' | 'HS512' | undefined;
}

const LOOKS_LIKE_PUBLIC_KEY = /-----BEGIN [A-Z0-9 ]*(PUBLIC KEY|CERTIFICATE)-----|"kty"\s*:/;

/**
 * True when secret material is in fact a public key: PEM or JWK text (as a string, or as the bytes of
 * `fs.readFileSync` without an encoding), or DER that parses as a public key or certificate. Whatever form
 * the secret comes in (string, `Buffer`/`Uint8Array`, secret `KeyObject`), its bytes are checked.
 */
function isPublicKeyMaterial(bytes: Buffer): boolean {
  // latin1 maps every byte to one character, so PEM and JWK markers are found in any byte string.
  if (LOOKS_LIKE_PUBLIC_KEY.test(bytes.toString('latin1'))) return true;
  // DER starts with a SEQUENCE tag; random secrets rarely do, and then rarely parse.
  if (bytes[0] !== 0x30) return false;
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      createPublicKey({ key: bytes, format: 'der', type });
      return true;
    } catch {
      // not this encoding
    }
  }
  try {
    new X509Certificate(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Prepares an HMAC secret. Refuses secrets shorter than the hash (RFC 7518 §3.2) and anything that looks
 * like a public key, so the "public key as HMAC secret" confusion (CVE-2022-23541, CVE-2023-48223 class)
 * cannot be configured by mistake.
 */
export function prepareSecret(input: SecretInput): PreparedKey {
  const { secret } = input;
  let keyObject: KeyObject;
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') throw new KeyImportError('an HMAC secret must be a secret KeyObject, not a public or private key');
    keyObject = secret;
  } else if (typeof secret === 'string') {
    keyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  } else if (secret instanceof Uint8Array) {
    keyObject = createSecretKey(Buffer.from(secret));
  } else {
    throw new KeyImportError('an HMAC secret must be a string, a Uint8Array or a secret KeyObject');
  }
  if (isPublicKeyMaterial(keyObject.export())) {
    throw new KeyImportError('this HMAC secret looks like a public key or JWK (or a certificate); asymmetric keys must not be used as HMAC secrets');
  }
  const length = keyObject.symmetricKeySize ?? 0;
  const algs = (['HS256', 'HS384', 'HS512'] as const).filter((alg) => (input.alg === undefined || alg === input.alg) && length >= HMAC_MIN_SECRET_BYTES[alg]);
  if (algs.length === 0) {
    const needed = HMAC_MIN_SECRET_BYTES[input.alg ?? 'HS256'];
    throw new KeyImportError(`the HMAC secret is ${length} bytes; ${input.alg ?? 'HS256'} needs at least ${needed}`);
  }
  return finish(input.kid, keyObject, algs);
}
