import { grantedScopes, type Verifier } from '@latchkey/core';
import { authErrorHandler, latchkey, requireScopes } from '@latchkey/fastify';
import Fastify, { type FastifyInstance } from 'fastify';

export interface Item {
  id: number;
  name: string;
  createdBy: string | undefined;
}

/**
 * The items API on Fastify, with the rules on the routes (`config.auth`). It takes a verifier built once
 * at start-up (see main.ts) and reads nothing from the environment, so a test can build it with any verifier.
 */
export async function createApp(verifier: Verifier): Promise<FastifyInstance> {
  const items: Item[] = [
    { id: 1, name: 'hammer', createdBy: undefined },
    { id: 2, name: 'nails', createdBy: undefined },
  ];

  const app = Fastify();
  await app.register(latchkey, { verifier });
  // RFC 6750 answers for Latchkey errors: status, WWW-Authenticate and { error, error_description }.
  app.setErrorHandler(authErrorHandler());

  // Public: no config.auth, so the plugin does not run here.
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/items', { config: { auth: { rules: [requireScopes('read:items')] } } }, async () => ({ items }));

  app.post<{ Body: { name: string } }>(
    '/items',
    {
      config: { auth: { rules: [requireScopes('write:items')] } },
      // Validation runs after authentication (onRequest), so an anonymous caller gets 401, not 400.
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } },
        },
      },
    },
    async (request, reply) => {
      const item: Item = { id: items.length + 1, name: request.body.name.trim(), createdBy: request.auth?.payload.sub };
      items.push(item);
      return reply.code(201).send(item);
    },
  );

  // Optional: anonymous callers get an answer too; a token that is sent must still be valid.
  app.get('/me', { config: { auth: { optional: true } } }, async (request) => {
    const { auth } = request;
    return auth == null ? { authenticated: false } : { authenticated: true, sub: auth.payload.sub, scopes: [...grantedScopes(auth.payload)] };
  });

  return app;
}
