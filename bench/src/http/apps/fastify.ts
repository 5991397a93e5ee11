import Fastify, { type FastifyInstance, type FastifyPluginCallback, type onRequestHookHandler } from 'fastify';
import fastifyJwt from '@fastify/jwt';
import fastifyJwtJwksModule, { type FastifyJwtJwksOptions } from 'fastify-jwt-jwks';
import buildGetJwks from 'get-jwks';
import { AUDIENCE, ISSUER } from '../../common/fixture.js';
import { loadAdapter } from '../../common/latchkey.js';
import { floorAuth } from '../floor-auth.js';
import { latchkeyVerifier } from '../latchkey-verifier.js';
import { BODY, statusOf, type AppContext, type Started } from './types.js';

// The package's CommonJS export is the fastify-plugin-wrapped plugin (decorators visible to the caller).
const fastifyJwtJwks = fastifyJwtJwksModule as unknown as FastifyPluginCallback<FastifyJwtJwksOptions>;

type Setup = (app: FastifyInstance) => Promise<onRequestHookHandler | undefined>;

async function setupFor(id: string, context: AppContext): Promise<Setup | { pending: string }> {
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
      const adapter = await loadAdapter('fastify');
      if (!adapter.ok) return { pending: adapter.pending };
      const plugin = (adapter.value.default ?? adapter.value.latchkey ?? adapter.value.fastifyLatchkey) as unknown;
      if (typeof plugin !== 'function') return { pending: `pending: @latchkey/fastify exports no plugin (exports: ${Object.keys(adapter.value).join(', ')})` };
      const { verifier } = await latchkeyVerifier(alg, fixture, context.tag, id === 'latchkey-cache');
      // The documented way to protect every route of a context: register, then `onRequest: app.authenticate`.
      return async (app) => {
        await app.register(plugin as never, { verifier } as never);
        const hook = (app as unknown as { authenticate?: onRequestHookHandler }).authenticate;
        if (typeof hook !== 'function') throw new Error('@latchkey/fastify did not decorate the instance with authenticate');
        return hook;
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
          secret: (_request: unknown, token: { header: { kid?: string; alg: string } }) => getJwks.getPublicKey({ kid: token.header.kid, alg: token.header.alg, domain: jwksDomain }),
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
  if (typeof setup !== 'function') return setup;
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
