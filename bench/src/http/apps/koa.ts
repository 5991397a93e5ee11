/** The Koa servers of the HTTP phase: bare, floor, Latchkey and the peer libraries. */
import { createServer } from 'node:http';
import Koa, { type Middleware } from 'koa';
import koaJwt from 'koa-jwt';
import jwksRsa from 'jwks-rsa';
import { AUDIENCE, ISSUER } from '../../common/fixture.js';
import { authenticate } from '@latchkey/koa';
import { floorAuth } from '../floor-auth.js';
import { latchkeyVerifier } from '../latchkey-verifier.js';
import { BODY, listen, statusOf, type AppContext, type Started } from './types.js';

async function authStep(id: string, context: AppContext): Promise<Middleware | undefined> {
  const { alg, fixture, jwksUrl } = context;
  switch (id) {
    case 'bare':
      return undefined;
    case 'floor': {
      const check = floorAuth(alg, fixture.verifyKey(alg));
      return async (ctx, next) => {
        if (!check(ctx.get('authorization') || undefined)) ctx.throw(401, 'invalid_token');
        await next();
      };
    }
    case 'latchkey':
    case 'latchkey-cache': {
      const verifier = await latchkeyVerifier(alg, fixture, context.tag, id === 'latchkey-cache');
      return authenticate({ verifier }) as Middleware;
    }
    case 'koa-jwt':
      return koaJwt({
        secret: jwksRsa.koaJwtSecret({ jwksUri: jwksUrl, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }) as never,
        algorithms: [alg],
        issuer: ISSUER,
        audience: AUDIENCE,
      }) as unknown as Middleware;
    default:
      throw new Error(`unknown koa contender ${id}`);
  }
}

export async function startKoa(id: string, context: AppContext): Promise<Started> {
  const step = await authStep(id, context);
  const app = new Koa();
  app.silent = true;
  // Errors become their status with a fixed body (koa's default would too; this keeps bodies alike).
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      ctx.status = statusOf(error);
      ctx.body = { error: 'unauthorized' };
    }
  });
  if (step !== undefined) app.use(step);
  app.use((ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/hello') ctx.body = BODY;
  });
  const handle = app.callback();
  // Koa's handler settles its own promise (errors are rendered above): nothing is left to await here.
  const server = createServer((req, res) => void handle(req, res));
  return { listen: () => listen(server) };
}
