import { createVerifier } from 'fast-jwt';
import { publicPem, AUDIENCE, ISSUER } from '../common/fixture.js';
import type { Contender } from './types.js';

function fastJwt(id: string, label: string, cache: boolean): Contender {
  return {
    id,
    label,
    cached: cache,
    async create({ alg, keys }) {
      // A string/Buffer key makes fast-jwt's verifier synchronous, its fastest form.
      const key = alg === 'HS256' ? keys.verifyKey.export() : publicPem(keys);
      const verify = createVerifier({ key, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE, cache });
      return (token) => verify(token);
    },
  };
}

export const fastJwtPlain = fastJwt('fast-jwt', 'fast-jwt', false);
/** fast-jwt's own cache at its default size (1,000 entries). */
export const fastJwtCached = fastJwt('fast-jwt-cache', 'fast-jwt (cache)', true);
