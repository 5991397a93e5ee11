import jwt from 'jsonwebtoken';
import { AUDIENCE, ISSUER } from '../common/fixture.js';
import type { Contender } from './types.js';

/**
 * jsonwebtoken `verify` (synchronous form) with a prebuilt KeyObject, the secret one for HS256 too: given a
 * Buffer, v9 first tries to parse it as a public key on every call, ~20× slower.
 */
export const jsonwebtoken: Contender = {
  id: 'jsonwebtoken',
  label: 'jsonwebtoken',
  unsupported: (alg) => (alg === 'EdDSA' ? 'jsonwebtoken 9 has no EdDSA' : undefined),
  async create({ alg, keys }) {
    const options: jwt.VerifyOptions = { algorithms: [alg as jwt.Algorithm], issuer: ISSUER, audience: AUDIENCE };
    return (token) => jwt.verify(token, keys.verifyKey, options);
  },
};
