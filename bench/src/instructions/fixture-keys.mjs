// The keys of run.mjs's fixture file as both workers use them: the node:crypto key the floor verifies with,
// and a Latchkey key source over that same KeyObject (so the floor and Latchkey check against one key).
import { createPublicKey, createSecretKey } from 'node:crypto';
import { hmacSecrets, staticKeys } from '@latchkey/core';

/**
 * @param {string} alg
 * @param {{ kid: string, secret?: string, pem?: string }} entry one algorithm's entry of the fixture
 * @returns {{ key: import('node:crypto').KeyObject, keys: import('@latchkey/core').KeySource }}
 */
export function fixtureKeys(alg, entry) {
  if (alg === 'HS256') {
    const key = createSecretKey(Buffer.from(entry.secret, 'base64'));
    return { key, keys: hmacSecrets([{ kid: entry.kid, secret: key }]) };
  }
  const key = createPublicKey(entry.pem);
  return { key, keys: staticKeys([{ key, kid: entry.kid, alg }]) };
}
