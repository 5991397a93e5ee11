import type { Alg } from '../common/algs.js';
import { AUDIENCE, ISSUER, type readServerFixture } from '../common/fixture.js';
import { core, remoteJwks } from '../common/latchkey.js';

/**
 * The verifier handed to a Latchkey adapter: keys from the local JWKS server like the peers' (once
 * `remoteJwks` is exported; static keys until then), warmed at start-up.
 */
export async function latchkeyVerifier(alg: Alg, fixture: ReturnType<typeof readServerFixture>, tag: string, tokenCache: boolean) {
  const remote = remoteJwks();
  const keys = remote.ok ? remote.value(`${fixture.jwksBase}/${tag}/.well-known/jwks.json`) : core.staticKeys([{ key: fixture.verifyKey(alg), kid: fixture.kids[alg], alg }]);
  const verifier = core.createVerifier({ keys, algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, tokenCache });
  await verifier.warm();
  return { verifier, keySource: remote.ok ? 'remoteJwks' : 'staticKeys' };
}
