import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import { AUDIENCE, ISSUER } from '../common/fixture.js';
import type { Contender } from './types.js';

/**
 * The per-request path of jwks-rsa + jsonwebtoken, as express-jwt's `expressJwtSecret` runs it: decode
 * the header, `getSigningKey(kid)` (cached), then `jwt.verify` with the PEM it returns.
 */
export function jwksRsaVerify(alg: string, jwksUri: string, clientOptions: Partial<jwksRsa.Options> = {}) {
  const client = jwksRsa({ jwksUri, ...clientOptions });
  const options: jwt.VerifyOptions = { algorithms: [alg as jwt.Algorithm], issuer: ISSUER, audience: AUDIENCE };
  return async (token: string) => {
    const decoded = jwt.decode(token, { complete: true });
    if (decoded === null) throw new Error('malformed token');
    const key = await client.getSigningKey(decoded.header.kid);
    return jwt.verify(token, key.getPublicKey(), options);
  };
}

export const jwksRsaJsonwebtoken: Contender = {
  id: 'jwks-rsa',
  label: 'jwks-rsa + jsonwebtoken',
  unsupported: (alg) => (alg === 'HS256' ? 'HS256 keys are never in a JWKS' : alg === 'EdDSA' ? 'jsonwebtoken 9 has no EdDSA' : undefined),
  async create({ alg, jwks, tag }) {
    return jwksRsaVerify(alg, jwks.url(tag));
  },
};
