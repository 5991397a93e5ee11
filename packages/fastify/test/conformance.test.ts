import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import latchkey, { authErrorHandler, guard } from '@latchkey/fastify';
import * as adapter from '@latchkey/fastify';
import { echo, runConformanceSuite } from '@latchkey/conformance';

runConformanceSuite('fastify 5', {
  adapter,
  async start({ verifier, routes, rendering, tls }) {
    // The HTTPS instance differs only in its server type: the routes and hooks are the same.
    const app = (tls === undefined ? Fastify() : Fastify({ https: tls })) as unknown as FastifyInstance;
    if (rendering === 'json') app.setErrorHandler(authErrorHandler());
    for (const { path, auth, rules } of routes) {
      const preHandler = rules.length > 0 ? [guard(...rules)] : [];
      if (auth === null) {
        app.get(path, { preHandler }, async (request) => echo(request.auth));
        continue;
      }
      const { optional, ...pluginOptions } = auth;
      // Token locations and the realm are the plugin's options: one encapsulated context per route here.
      await app.register(async (scope) => {
        await scope.register(latchkey, { verifier, ...pluginOptions });
        scope.get(path, { config: { auth: optional === undefined ? true : { optional } }, preHandler }, async (request) => echo(request.auth));
      });
    }
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
  checkNativeBody(body, contentType, expected) {
    // Fastify's default error handler: JSON with the status text, the Latchkey code and the message.
    expect(contentType).toMatch(/^application\/json/);
    expect(JSON.parse(body)).toEqual({ statusCode: expected.status, code: expected.code, error: STATUS_CODES[expected.status], message: expected.message });
  },
});
