import { AUDIENCE, ISSUER } from '../common/fixture.js';
import { core, staticKeySource } from '../common/latchkey.js';
import type { Contender, VerifyContext } from './types.js';

const staticSource = ({ keys }: VerifyContext): core.KeySource => staticKeySource(keys);

/** A Latchkey contender: one verifier, built and warmed once, with `keys` from the context. */
function latchkey(
  id: string,
  label: string,
  tokenCache: boolean,
  keys: (context: VerifyContext) => core.KeySource,
  unsupported?: Contender['unsupported'],
): Contender {
  return {
    id,
    label,
    cached: tokenCache,
    ...(unsupported === undefined ? {} : { unsupported }),
    async create(context) {
      const verifier = core.createVerifier({ keys: keys(context), algorithms: [context.alg], issuer: ISSUER, audience: AUDIENCE, tokenCache });
      await verifier.warm();
      return (token) => verifier.verify(token);
    },
  };
}

/** @latchkey/core with a static KeyObject (HMAC secret for HS256), verified-token cache off. */
export const latchkeyCore = latchkey('latchkey', 'latchkey (tokenCache: false)', false, staticSource);
/** The same with default options: the verified-token cache on at its default bounds. */
export const latchkeyCached = latchkey('latchkey-cache', 'latchkey (default options, token cache on)', true, staticSource);

/**
 * @latchkey/core with `remoteJwks`, warmed, cache off: the like-for-like of jose's remote JWKS, and the
 * cost of the JWKS key lookup beside `latchkey` (static keys). With the cache on, the distinct pool would
 * be served from a cache that fills during the timing only as far as the algorithm's speed lets it.
 */
export const latchkeyRemote = latchkey(
  'latchkey-remote',
  'latchkey (remote JWKS, warm, tokenCache: false)',
  false,
  ({ jwks, tag }) => core.remoteJwks(jwks.url(tag)),
  (alg) => (alg === 'HS256' ? 'HS256 keys are never in a JWKS' : undefined),
);
