import { generateKeyPairSync, createSecretKey, sign as cryptoSign, createHmac, type KeyObject } from 'node:crypto';
import { createVerifier, hmacSecrets, staticKeys, type JwsAlgorithm, type Verifier, type VerifierOptions } from '../../src/index.js';

export const ISSUER = 'https://idp.example.com/';
export const AUDIENCE = 'https://api.example.com';

export const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export interface TestKey {
  alg: JwsAlgorithm;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const cache = new Map<string, TestKey>();

/** A key pair (or secret) per algorithm, generated once per test file. */
export function testKey(alg: JwsAlgorithm, kid = `${alg}-key`): TestKey {
  const id = `${alg}:${kid}`;
  const existing = cache.get(id);
  if (existing) return existing;
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (alg.startsWith('HS')) {
    const secret = createSecretKey(Buffer.alloc(64, `${kid}-secret`));
    pair = { privateKey: secret, publicKey: secret };
  } else if (alg.startsWith('RS') || alg.startsWith('PS')) pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  else if (alg === 'ES256') pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (alg === 'ES384') pair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  else if (alg === 'ES512') pair = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  else pair = generateKeyPairSync('ed25519');
  const key = { alg, kid, ...pair };
  cache.set(id, key);
  return key;
}

/** Signs arbitrary header and payload with node:crypto, so tests control every byte. */
export function signRaw(header: Record<string, unknown>, payload: unknown, key: TestKey, alg: JwsAlgorithm = key.alg): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signature(input, key, alg).toString('base64url')}`;
}

export function signature(input: string, key: TestKey, alg: JwsAlgorithm): Buffer {
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('HS')) return createHmac(hash, key.privateKey).update(input).digest();
  if (alg.startsWith('RS')) return cryptoSign(hash, Buffer.from(input), key.privateKey);
  if (alg.startsWith('PS')) return cryptoSign(hash, Buffer.from(input), { key: key.privateKey, padding: 6, saltLength: -1 });
  if (alg.startsWith('ES')) return cryptoSign(hash, Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return cryptoSign(null, Buffer.from(input), key.privateKey);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Standard claims valid for five minutes, overridable. */
export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + 300, scope: 'read:items', ...overrides };
}

export function token(key: TestKey, overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  return signRaw({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }, claims(overrides), key);
}

export function verifierFor(key: TestKey, options: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({
    keys: key.alg.startsWith('HS') ? hmacSecrets([{ secret: key.privateKey, kid: key.kid }]) : staticKeys([{ key: key.publicKey, kid: key.kid }]),
    algorithms: [key.alg],
    issuer: ISSUER,
    audience: AUDIENCE,
    ...options,
  });
}
