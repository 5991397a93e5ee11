/**
 * `@latchkey/issuer/fastify`: the issuer's endpoints as a Fastify 5 plugin. Register it without
 * `fastify-plugin` semantics (it is encapsulated on purpose): inside it, every content type is read raw
 * and size-capped, so simplejwt's 400s come from the issuer, not from Fastify's parsers.
 *
 * @example await app.register(issuerRoutes, { issuer });
 *
 * @packageDocumentation
 */
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { Issuer } from './issuer.js';
import { neutralRequest } from './mounts/neutral.js';
import { readBody } from './mounts/read-body.js';

/** Options of {@link issuerRoutes}. */
export interface IssuerRoutesOptions {
  /** The issuer from `createIssuer`. */
  issuer: Issuer<never>;
}

/** The plugin. */
export const issuerRoutes: FastifyPluginAsync<IssuerRoutesOptions> = async (fastify, { issuer, ...rest }) => {
  if (typeof issuer?.handle !== 'function') throw new TypeError('@latchkey/issuer/fastify: "issuer" is required (from createIssuer)');
  // Fastify's own registration options (prefix, logLevel...) arrive here too.
  refuseUnknownKeys(rest, ['issuer', 'prefix', 'logLevel', 'logSerializers'], 'the @latchkey/issuer/fastify plugin options');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, payload, done) => {
    readBody(request.raw, issuer.maxBodyBytes).then((body) => done(null, body), done);
    void payload;
  });
  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    // A Content-Type Fastify cannot even parse is refused before the issuer's parser runs: answered with
    // DRF's words, as the other mounts do.
    const detail =
      status === 500
        ? 'A server error occurred.'
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415
          ? `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.`
          : error.message;
    // Every answer of the token routes is not to be stored (RFC 6749 §5.1), errors included.
    return reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache').send({ detail });
  });
  for (const path of Object.values(issuer.paths)) {
    if (path === false) continue;
    fastify.route({
      // Every method this Fastify routes (TRACE and QUERY too): the issuer answers 405 with Allow itself.
      method: [...fastify.supportedMethods],
      url: path,
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        const body = request.body as Buffer | 'too-large' | undefined;
        // The issuer's own path, not request.url: under a registration `prefix` they differ.
        const response = await issuer.handle(neutralRequest({ method: request.method, path, headers: request.headers, body, clientAddress: request.ip }));
        if (response === undefined) return reply.callNotFound();
        return reply.code(response.status).headers(response.headers).send(response.body);
      },
    });
  }
};

export default issuerRoutes;
