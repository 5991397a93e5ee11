/** The supported JWS algorithms (RFC 7518): each one's key family and its synchronous node:crypto check. */
import {
  constants,
  createHmac,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
  type VerifyKeyObjectInput,
  type VerifyPublicKeyInput,
} from 'node:crypto';

// node:crypto's verify() reads a string `data` as UTF-8 (its `getArrayBufferOrView`), as createHmac's
// update() does; @types/node only declares views. The signing input is ASCII (checked by the syntax
// check), so passing the string spares a Buffer per request. The algorithm tests pin this behaviour.
const cryptoVerify = nodeVerify as (
  algorithm: string | null,
  data: string | NodeJS.ArrayBufferView,
  key: KeyObject | VerifyKeyObjectInput | VerifyPublicKeyInput,
  signature: NodeJS.ArrayBufferView,
) => boolean;

/** JWS algorithms Latchkey verifies (RFC 7518 §3, RFC 8037). `none` is not one of them, by design. */
export type JwsAlgorithm =
  'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519' | 'HS256' | 'HS384' | 'HS512';

/** The key type an algorithm needs. */
export type AlgorithmFamily = 'RSA' | 'RSA-PSS' | 'EC' | 'OKP' | 'HMAC';

/**
 * How one algorithm verifies. `verify` is synchronous `node:crypto`: the hot path never hops to the
 * thread pool (a WebCrypto `subtle.verify` costs one hop per call, which is why jose's `jwtVerify` reaches
 * 0.39–0.72× the floor in the benchmark).
 */
export interface AlgorithmSpec {
  readonly alg: JwsAlgorithm;
  readonly family: AlgorithmFamily;
  /** For EC: the only curve this algorithm accepts (RFC 7518 §3.4); undefined for the others. */
  readonly curve: string | undefined;
  /** The fixed signature length (EC: R || S, RFC 7518 §3.4; HMAC: the hash size); undefined for RSA and EdDSA. */
  readonly signatureBytes: number | undefined;
  readonly verify: (key: KeyObject, signingInput: string | Buffer, signature: Buffer) => boolean;
}

// Every spec has the same members in the same order (one hidden class), so the verifier's `spec.verify`
// call stays monomorphic when a process verifies several algorithms.
function spec(
  alg: JwsAlgorithm,
  family: AlgorithmFamily,
  curve: string | undefined,
  signatureBytes: number | undefined,
  verify: AlgorithmSpec['verify'],
): AlgorithmSpec {
  return { alg, family, curve, signatureBytes, verify };
}

function rsa(alg: JwsAlgorithm, hash: string): AlgorithmSpec {
  return spec(alg, 'RSA', undefined, undefined, (key, data, sig) => cryptoVerify(hash, data, key, sig));
}

function pss(alg: JwsAlgorithm, hash: string): AlgorithmSpec {
  // RFC 7518 §3.5: the salt is as long as the hash output.
  return spec(alg, 'RSA-PSS', undefined, undefined, (key, data, sig) =>
    cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, sig),
  );
}

function ecdsa(alg: JwsAlgorithm, hash: string, curve: string, signatureBytes: number): AlgorithmSpec {
  // JWS carries R || S (IEEE P1363), not DER. A signature of the wrong length is refused before OpenSSL
  // sees it; OpenSSL itself refuses r = 0 or s = 0 (the "psychic signature" class, CVE-2022-21449).
  return spec(
    alg,
    'EC',
    curve,
    signatureBytes,
    (key, data, sig) => sig.length === signatureBytes && cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig),
  );
}

function eddsa(alg: JwsAlgorithm): AlgorithmSpec {
  return spec(alg, 'OKP', undefined, undefined, (key, data, sig) => cryptoVerify(null, data, key, sig));
}

function hmac(alg: JwsAlgorithm, hash: string, bytes: number): AlgorithmSpec {
  return spec(
    alg,
    'HMAC',
    undefined,
    bytes,
    (key, data, sig) =>
      sig.length === bytes &&
      // The signing input as bytes (a view of the split's copy, verifier.ts): update() has no string to
      // convert and no encoding name to parse.
      timingSafeEqual(createHmac(hash, key).update(data).digest(), sig),
  );
}

/** The algorithm table. Frozen: nothing at runtime adds to it. */
export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = Object.freeze({
  RS256: rsa('RS256', 'sha256'),
  RS384: rsa('RS384', 'sha384'),
  RS512: rsa('RS512', 'sha512'),
  PS256: pss('PS256', 'sha256'),
  PS384: pss('PS384', 'sha384'),
  PS512: pss('PS512', 'sha512'),
  ES256: ecdsa('ES256', 'sha256', 'P-256', 64),
  ES384: ecdsa('ES384', 'sha384', 'P-384', 96),
  ES512: ecdsa('ES512', 'sha512', 'P-521', 132),
  EdDSA: eddsa('EdDSA'),
  Ed25519: eddsa('Ed25519'),
  HS256: hmac('HS256', 'sha256', 32),
  HS384: hmac('HS384', 'sha384', 48),
  HS512: hmac('HS512', 'sha512', 64),
});

/** Every `alg` Latchkey verifies, for `algorithms` and documentation (`none` is not one). */
export const SUPPORTED_ALGORITHMS = Object.freeze(Object.keys(ALGORITHMS) as JwsAlgorithm[]);

/** True when `value` is one of {@link SUPPORTED_ALGORITHMS}. */
export function isSupportedAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ALGORITHMS, value);
}

/** Minimum HMAC secret length per algorithm (RFC 7518 §3.2: at least the hash output size). */
export const HMAC_MIN_SECRET_BYTES: Readonly<Record<'HS256' | 'HS384' | 'HS512', number>> = Object.freeze({
  HS256: 32,
  HS384: 48,
  HS512: 64,
});

/** RSA keys under this many bits are refused (RFC 7518 §3.3, §3.5). */
export const RSA_MIN_MODULUS_BITS = 2048;
/** RSA keys over this many bits are refused: each verification would cost milliseconds. */
export const RSA_MAX_MODULUS_BITS = 8192;
/** Smallest RSA public exponent accepted (F4); smaller ones, e = 1 above all, are refused. */
export const RSA_MIN_PUBLIC_EXPONENT = 65537n;
/** Largest RSA public exponent accepted, 2^32. */
export const RSA_MAX_PUBLIC_EXPONENT = 2n ** 32n;
