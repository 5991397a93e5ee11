import { AUDIENCE, ISSUER } from '../common/fixture.js';
import { core } from '../common/latchkey.js';
import type { Contender, VerifyContext } from './types.js';

function staticSource({ alg, keys }: VerifyContext) {
  return alg === 'HS256' ? core.hmacSecrets([{ kid: keys.kid, secret: keys.verifyKey }]) : core.staticKeys([{ key: keys.verifyKey, kid: keys.kid, alg }]);
}

function latchkey(id: string, label: string, tokenCache: boolean): Contender {
  return {
    id,
    label,
    cached: tokenCache,
    async create(context) {
      const verifier = core.createVerifier({ keys: staticSource(context), algorithms: [context.alg], issuer: ISSUER, audience: AUDIENCE, tokenCache });
      await verifier.warm();
      return (token) => verifier.verify(token);
    },
  };
}

/** @latchkey/core with a static KeyObject (HMAC secret for HS256), verified-token cache off. */
export const latchkeyCore = latchkey('latchkey', 'latchkey (tokenCache: false)', false);
/** The same with default options: the verified-token cache on at its default bounds. */
export const latchkeyCached = latchkey('latchkey-cache', 'latchkey (default options, token cache on)', true);

/**
 * @latchkey/core with `remoteJwks`, warmed, cache off: the like-for-like of jose's remote JWKS, and the
 * cost of the JWKS key lookup beside `latchkey` (static keys). With the cache on, the distinct pool would
 * be served from a cache that fills during the timing only as far as the algorithm's speed lets it.
 */
export const latchkeyRemote: Contender = {
  id: 'latchkey-remote',
  label: 'latchkey (remote JWKS, warm, tokenCache: false)',
  unsupported: (alg) => (alg === 'HS256' ? 'HS256 keys are never in a JWKS' : undefined),
  async create({ alg, jwks, tag }) {
    const verifier = core.createVerifier({ keys: core.remoteJwks(jwks.url(tag)), algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, tokenCache: false });
    await verifier.warm();
    return (token) => verifier.verify(token);
  },
};
