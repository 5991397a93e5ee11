import { constants, createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/** The algorithms the issue asks for. RS256 and PS256 use RSA 2048, ES256 P-256, EdDSA Ed25519. */
export const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'] as const;
export type Alg = (typeof ALGS)[number];

export function isAlg(value: string): value is Alg {
  return (ALGS as readonly string[]).includes(value);
}

/** One algorithm's key material: a public `KeyObject` (or the secret for HS256) and a signing key. */
export interface AlgKeys {
  readonly alg: Alg;
  readonly kid: string;
  /** Public key (asymmetric) or the secret key (HS256). Prebuilt once: the floor never re-imports it. */
  readonly verifyKey: KeyObject;
  readonly signKey: KeyObject;
}

export function generateKeys(alg: Alg): AlgKeys {
  const kid = `bench-${alg.toLowerCase()}`;
  switch (alg) {
    case 'RS256':
    case 'PS256': {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return { alg, kid, verifyKey: pair.publicKey, signKey: pair.privateKey };
    }
    case 'ES256': {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return { alg, kid, verifyKey: pair.publicKey, signKey: pair.privateKey };
    }
    case 'EdDSA': {
      const pair = generateKeyPairSync('ed25519');
      return { alg, kid, verifyKey: pair.publicKey, signKey: pair.privateKey };
    }
    case 'HS256': {
      const secret = createSecretKey(randomBytes(32));
      return { alg, kid, verifyKey: secret, signKey: secret };
    }
  }
}

/** Signs a JWS signing input (RFC 7515 §5.1) with node:crypto directly. */
export function signInput(keys: AlgKeys, data: Buffer): Buffer {
  switch (keys.alg) {
    case 'RS256':
      return sign('sha256', data, keys.signKey);
    case 'PS256':
      return sign('sha256', data, { key: keys.signKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'ES256':
      return sign('sha256', data, { key: keys.signKey, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, data, keys.signKey);
    case 'HS256':
      return createHmac('sha256', keys.signKey).update(data).digest();
  }
}

/** The same, on libuv's thread pool: token generation uses both cores. */
export function signInputAsync(keys: AlgKeys, data: Buffer): Promise<Buffer> {
  if (keys.alg === 'HS256') return Promise.resolve(signInput(keys, data));
  const key =
    keys.alg === 'PS256'
      ? { key: keys.signKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : keys.alg === 'ES256'
        ? { key: keys.signKey, dsaEncoding: 'ieee-p1363' as const }
        : keys.signKey;
  const digest = keys.alg === 'EdDSA' ? null : 'sha256';
  return new Promise((resolve, reject) => sign(digest, data, key, (error, signature) => (error ? reject(error) : resolve(signature))));
}

/**
 * The floor: one signature check of an already-split token with a prebuilt `KeyObject`, nothing else
 * (HMAC + `timingSafeEqual` for HS256). No decoding, no claims: what any verifier must at least spend.
 */
export function floorVerifier(alg: Alg, key: KeyObject): (data: Buffer, signature: Buffer) => boolean {
  switch (alg) {
    case 'RS256':
      return (data, signature) => verify('sha256', data, key, signature);
    case 'PS256': {
      const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      return (data, signature) => verify('sha256', data, options, signature);
    }
    case 'ES256': {
      const options = { key, dsaEncoding: 'ieee-p1363' as const };
      return (data, signature) => verify('sha256', data, options, signature);
    }
    case 'EdDSA':
      return (data, signature) => verify(null, data, key, signature);
    case 'HS256':
      return (data, signature) => {
        const expected = createHmac('sha256', key).update(data).digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      };
  }
}

/** Splits a compact JWS into its signing input and signature, as the floor needs them. */
export function splitForFloor(token: string): { data: Buffer; signature: Buffer } {
  const dot = token.lastIndexOf('.');
  return { data: Buffer.from(token.slice(0, dot), 'latin1'), signature: Buffer.from(token.slice(dot + 1), 'base64url') };
}
