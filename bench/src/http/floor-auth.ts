import type { KeyObject } from 'node:crypto';
import { floorVerifier, splitForFloor, type Alg } from '../common/algs.js';

/**
 * The HTTP floor's whole auth step: take the bearer token from the header and check its signature with a
 * prebuilt KeyObject. No header or claim decoding: the least any real verifier must do per request.
 */
export function floorAuth(alg: Alg, key: KeyObject): (authorization: string | undefined) => boolean {
  const check = floorVerifier(alg, key);
  return (authorization) => {
    if (authorization === undefined || !authorization.startsWith('Bearer ')) return false;
    const { data, signature } = splitForFloor(authorization.slice(7));
    try {
      return check(data, signature);
    } catch {
      return false;
    }
  };
}
