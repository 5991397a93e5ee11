import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import { AUDIENCE, ISSUER } from '../common/fixture.js';
import type { Contender } from './types.js';

/**
 * aws-jwt-verify's own fetcher speaks HTTPS only; the local JWKS server is plain HTTP, so it gets the
 * documented extension point, a custom fetcher (one GET, no retry). Its JWKS cache and penalty box stay
 * the defaults.
 */
export function awsJwksCache(penaltySeconds?: number): SimpleJwksCache {
  return new SimpleJwksCache({
    penaltyBox: penaltySeconds === undefined ? undefined : new SimplePenaltyBox({ waitSeconds: penaltySeconds }),
    fetcher: {
      async fetch(uri: string) {
        const response = await fetch(uri, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`JWKS ${response.status}`);
        return response.arrayBuffer();
      },
    },
  });
}

export function awsVerifier(jwksUri: string, penaltySeconds?: number) {
  return JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri }, { jwksCache: awsJwksCache(penaltySeconds) });
}

/** aws-jwt-verify `verify()` (async), JWKS hydrated before timing. */
export const awsJwtVerify: Contender = {
  id: 'aws-jwt-verify',
  label: 'aws-jwt-verify (JWKS, hydrated)',
  unsupported: (alg) => (alg === 'HS256' ? 'no HMAC support' : alg === 'PS256' ? 'no PS256 support' : undefined),
  async create({ jwks, tag }) {
    const verifier = awsVerifier(jwks.url(tag));
    await verifier.hydrate();
    return (token) => verifier.verify(token);
  },
};
