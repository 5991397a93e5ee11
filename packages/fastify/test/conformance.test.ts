import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import latchkey, { authErrorHandler, guard } from '@latchkey/fastify';
import * as adapter from '@latchkey/fastify';
import { echo, parseForm, runConformanceSuite } from '@latchkey/conformance';

runConformanceSuite('fastify 5', {
  adapter,
  async start({ verifier, routes, rendering, tls }) {
    // The HTTPS instance differs only in its server type: the routes and hooks are the same.
    const app = (tls === undefined ? Fastify() : Fastify({ https: tls })) as unknown as FastifyInstance;
    if (rendering === 'json') app.setErrorHandler(authErrorHandler());
    // Fastify parses JSON and text itself; forms take a parser (what @fastify/formbody registers).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, parseForm(body as string)));
    for (const { path, method = 'GET', auth, rules } of routes) {
      const preHandler = rules.length > 0 ? [guard(...rules)] : [];
      if (auth === null) {
        app.route({ method, url: path, preHandler, handler: async (request) => echo(request.auth) });
        continue;
      }
      const { optional, ...pluginOptions } = auth;
      // Token locations and the realm are the plugin's options: one encapsulated context per route here.
      await app.register(async (scope) => {
        await scope.register(latchkey, { verifier, ...pluginOptions });
        scope.route({
          method,
          url: path,
          config: { auth: optional === undefined ? true : { optional } },
          preHandler,
          handler: async (request) => echo(request.auth),
        });
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
