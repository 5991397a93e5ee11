import { awsJwtVerify } from './aws-jwt-verify.js';
import { fastJwtCached, fastJwtPlain } from './fast-jwt.js';
import { floor } from './floor.js';
import { joseLocal, joseRemote } from './jose.js';
import { jsonwebtoken } from './jsonwebtoken.js';
import { jwksRsaJsonwebtoken } from './jwks-rsa.js';
import { latchkeyCached, latchkeyCore, latchkeyRemote } from './latchkey.js';
import type { Contender } from './types.js';

/** Every in-process contender, the floor first (it runs first in every round). */
export const CONTENDERS: readonly Contender[] = [
  floor,
  latchkeyCore,
  latchkeyCached,
  latchkeyRemote,
  joseLocal,
  joseRemote,
  fastJwtPlain,
  fastJwtCached,
  jsonwebtoken,
  awsJwtVerify,
  jwksRsaJsonwebtoken,
];
