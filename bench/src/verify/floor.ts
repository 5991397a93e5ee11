import { floorVerifier, splitForFloor } from '../common/algs.js';
import type { Contender } from './types.js';

/**
 * The floor: node:crypto verify of the precomputed signing input with a prebuilt KeyObject (HMAC +
 * timingSafeEqual for HS256). Tokens from outside the workload (the correctness check) are split first.
 */
export const floor: Contender = {
  id: 'floor',
  label: 'floor (node:crypto)',
  async create({ alg, keys, tokens }) {
    const check = floorVerifier(alg, keys.verifyKey);
    const inputs = tokens.map(splitForFloor);
    return (token, index) => {
      const input = index >= 0 ? inputs[index]! : splitForFloor(token);
      return check(input.data, input.signature);
    };
  },
};
