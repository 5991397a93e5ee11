/** The Express servers of the HTTP phase: bare, floor, Latchkey and the peer libraries. */
import { createServer } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import { expressjwt } from 'express-jwt';
import jwksRsa from 'jwks-rsa';
import { AUDIENCE, ISSUER } from '../../common/fixture.js';
import { authenticate } from '@latchkey/express';
import { floorAuth } from '../floor-auth.js';
import { latchkeyVerifier } from '../latchkey-verifier.js';
import { BODY, listen, statusOf, type AppContext, type Started } from './types.js';

async function authStep(id: string, context: AppContext): Promise<RequestHandler | undefined> {
  const { alg, fixture, jwksUrl } = context;
  switch (id) {
    case 'bare':
      return undefined;
    case 'floor': {
      const check = floorAuth(alg, fixture.verifyKey(alg));
      return (req, res, next) => (check(req.headers.authorization) ? next() : void res.status(401).json({ error: 'invalid_token' }));
    }
    case 'latchkey':
    case 'latchkey-cache': {
      const verifier = await latchkeyVerifier(alg, fixture, context.tag, id === 'latchkey-cache');
      return authenticate({ verifier });
    }
    case 'express-oauth2-jwt-bearer':
      return auth({ jwksUri: jwksUrl, issuer: ISSUER, audience: AUDIENCE, tokenSigningAlg: alg });
    case 'express-jwt':
      return expressjwt({
        secret: jwksRsa.expressJwtSecret({ jwksUri: jwksUrl, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }) as never,
        algorithms: [alg as 'RS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
    default:
      throw new Error(`unknown express contender ${id}`);
  }
}

export async function startExpress(id: string, context: AppContext): Promise<Started> {
  const step = await authStep(id, context);
  const app = express();
  if (step !== undefined) app.use(step);
  app.get('/hello', (_req, res) => {
    res.json(BODY);
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    res.status(statusOf(error)).json({ error: 'unauthorized' });
  };
  app.use(onError);
  const server = createServer(app);
  return { listen: () => listen(server) };
}
