import { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, importSPKI, jwtVerify } from 'jose';
import { publicPem, AUDIENCE, ISSUER } from '../common/fixture.js';
import type { Contender } from './types.js';

const options = (alg: string) => ({ issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] });

/**
 * jose `jwtVerify` with a CryptoKey imported once (`importSPKI`; WebCrypto `importKey('raw')` for HS256:
 * raw bytes would be imported again on every call, about half the speed).
 */
export const joseLocal: Contender = {
  id: 'jose',
  label: 'jose jwtVerify (local key)',
  async create({ alg, keys }) {
    const key =
      alg === 'HS256'
        ? await webcrypto.subtle.importKey('raw', keys.verifyKey.export(), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
        : await importSPKI(publicPem(keys), alg);
    const verifyOptions = options(alg);
    return (token) => jwtVerify(token, key, verifyOptions);
  },
};

/** jose `jwtVerify` with `createRemoteJWKSet`, warmed by one verification before timing. */
export const joseRemote: Contender = {
  id: 'jose-remote',
  label: 'jose jwtVerify (remote JWKS, warm)',
  unsupported: (alg) => (alg === 'HS256' ? 'HS256 keys are never in a JWKS' : undefined),
  async create({ alg, jwks, tag }) {
    const keySet = createRemoteJWKSet(new URL(jwks.url(tag)));
    const verifyOptions = options(alg);
    return (token) => jwtVerify(token, keySet, verifyOptions);
  },
};
