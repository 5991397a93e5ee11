/** `developmentKeys: true`: a key made at start-up, for demos and tests only. */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '../keys.js';

/** The `code` of the process warning emitted when the issuer generates its own key. */
export const DEVELOPMENT_KEYS_WARNING = 'LATCHKEY_DEVELOPMENT_KEYS';

/**
 * A fresh key for `alg`. It lives in this process only: every restart logs everyone out, and two instances
 * refuse each other's tokens — fine for a demo, never for production, hence the warning.
 */
export function generateDevelopmentKey(alg: SigningAlgorithm): KeyObject | Buffer {
  process.emitWarning(
    `@latchkey/issuer generated a throw-away ${alg} signing key at start-up (developmentKeys: true). ` +
      'Tokens die with this process and other instances refuse them. In production give "signingKey" or "keyRing".',
    { code: DEVELOPMENT_KEYS_WARNING },
  );
  if (alg.startsWith('HS')) return randomBytes(64);
  if (alg.startsWith('RS') || alg.startsWith('PS')) return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519').privateKey;
  const namedCurve = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg as 'ES256' | 'ES384' | 'ES512'];
  return generateKeyPairSync('ec', { namedCurve }).privateKey;
}
