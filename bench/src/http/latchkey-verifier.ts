/** The verifier handed to a Latchkey adapter: keys from the local JWKS server like the peers', warmed at start-up. */
import type { Alg } from '../common/algs.js';
import { AUDIENCE, ISSUER, type readServerFixture } from '../common/fixture.js';
import { core } from '../common/latchkey.js';

export async function latchkeyVerifier(alg: Alg, fixture: ReturnType<typeof readServerFixture>, tag: string, tokenCache: boolean): Promise<core.Verifier> {
  const keys = core.remoteJwks(`${fixture.jwksBase}/${tag}/.well-known/jwks.json`);
  const verifier = core.createVerifier({ keys, algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, tokenCache });
  await verifier.warm();
  return verifier;
}
