/** The Fastify servers of the HTTP phase: bare, floor, Latchkey and the peer libraries. */
import Fastify, { type FastifyInstance, type FastifyPluginCallback, type onRequestAsyncHookHandler } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import fastifyJwtJwksModule, { type FastifyJwtJwksOptions } from 'fastify-jwt-jwks';
import buildGetJwks from 'get-jwks';
import { AUDIENCE, ISSUER } from '../../common/fixture.js';
import { latchkey } from '@latchkey/fastify';
import { floorAuth } from '../floor-auth.js';
import { latchkeyVerifier } from '../latchkey-verifier.js';
import { BODY, statusOf, type AppContext, type Started } from './types.js';

// The package's CommonJS export is the fastify-plugin-wrapped plugin (decorators visible to the caller).
const fastifyJwtJwks = fastifyJwtJwksModule as unknown as FastifyPluginCallback<FastifyJwtJwksOptions>;

type Setup = (app: FastifyInstance) => Promise<onRequestAsyncHookHandler | undefined>;

async function setupFor(id: string, context: AppContext): Promise<Setup> {
  const { alg, fixture, jwksUrl, jwksDomain } = context;
  switch (id) {
    case 'bare':
      return async () => undefined;
    case 'floor': {
      const check = floorAuth(alg, fixture.verifyKey(alg));
      return async () => async (request, reply) => {
        if (!check(request.headers.authorization)) await reply.code(401).send({ error: 'invalid_token' });
      };
    }
    case 'latchkey':
    case 'latchkey-cache': {
      const verifier = await latchkeyVerifier(alg, fixture, context.tag, id === 'latchkey-cache');
      // The documented way to protect every route of a context: the plugin with protectRoutes.
      return async (app) => {
        await app.register(latchkey, { verifier, protectRoutes: true });
        return undefined;
      };
    }
    case 'fastify-jwt-jwks':
      return async (app) => {
        await app.register(fastifyJwtJwks, { jwksUrl, audience: AUDIENCE, issuer: ISSUER });
        return async (request) => {
          await app.authenticate(request);
        };
      };
    case 'fastify-jwt-get-jwks': {
      const getJwks = buildGetJwks();
      return async (app) => {
        await app.register(fastifyJwt, {
          decode: { complete: true },
          secret: (_request: unknown, token: { header: { kid?: string; alg: string } }) =>
            getJwks.getPublicKey({ kid: token.header.kid, alg: token.header.alg, domain: jwksDomain }),
          verify: { allowedIss: ISSUER, allowedAud: AUDIENCE, algorithms: [alg] },
        } as never);
        return async (request) => {
          await request.jwtVerify();
        };
      };
    }
    default:
      throw new Error(`unknown fastify contender ${id}`);
  }
}

export async function startFastify(id: string, context: AppContext): Promise<Started> {
  const setup = await setupFor(id, context);
  const app = Fastify({ logger: false });
  app.setErrorHandler((error, _request, reply) => {
    void reply.code(statusOf(error)).send({ error: 'unauthorized' });
  });
  // Routes live in an encapsulated child so that a plugin registered there guards them.
  await app.register(async (scope) => {
    const hook = await setup(scope);
    if (hook !== undefined) scope.addHook('onRequest', hook);
    scope.get('/hello', async () => BODY);
  });
  return {
    listen: async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      return typeof address === 'object' && address !== null ? address.port : 0;
    },
  };
}
