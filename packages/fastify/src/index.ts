/**
 * @latchkey/fastify: JWT bearer authorization for Fastify 5, as a plugin. Four steps, all from
 * `@latchkey/core`: extract the token, verify it, attach it as `request.auth`, throw failures (with
 * `statusCode` and `headers`) for Fastify's error handler to render.
 *
 * @packageDocumentation
 */
import {
  authorizationHeader,
  createRequestAuthenticator,
  authorize,
  isLatchkeyError,
  type JwtPayload,
  type RequestAuthOptions,
  type Rule,
  type VerifiedToken,
} from '@latchkey/core';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The claims your tokens carry. Augment it once and `request.auth.payload` and claim rules are typed:
 *
 * @example
 * declare module '@latchkey/fastify' {
 *   interface LatchkeyClaims { org_id: string }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: users augment it
export interface LatchkeyClaims extends JwtPayload {}

/** A route's `config.auth`: what the route needs. `true` is `{}`; `false` makes the route public. */
export interface RouteAuthConfig<Claims extends JwtPayload = LatchkeyClaims> {
  /** Let requests without credentials through (`request.auth` stays `null`). Default: the plugin's `optional`. */
  optional?: boolean;
  /** Rules the token must pass (403 when not): `requireScopes`, `requireAnyScope`, `claimEquals`... from `@latchkey/core`. */
  rules?: ReadonlyArray<Rule<Claims>>;
}

/** The `authenticate` hook decorated on the instance. */
export type AuthenticateHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token; `null` on routes without authentication and optional routes called anonymously. */
    auth: VerifiedToken<LatchkeyClaims> | null;
  }
  interface FastifyInstance {
    /** Authenticates a request: use it as an `onRequest` hook (`preValidation` with `allowBodyToken`). */
    authenticate: AuthenticateHook;
  }
  interface FastifyContextConfig {
    /** Authenticate this route (and enforce its rules), or `false` to skip an instance-wide `authenticate` hook. */
    auth?: boolean | RouteAuthConfig;
  }
}

/**
 * Options of the plugin: a verifier (or its options), `optional`, `getToken`, token locations, `realm`.
 * `request.auth` is typed by {@link LatchkeyClaims}, whatever payload type the verifier was built with.
 */
export type LatchkeyPluginOptions = RequestAuthOptions<JwtPayload, FastifyRequest>;

function checkRouteAuth(auth: unknown, route: string): asserts auth is boolean | RouteAuthConfig {
  if (typeof auth === 'boolean') return;
  const { optional, rules } = (auth ?? {}) as RouteAuthConfig;
  if (typeof auth !== 'object' || auth === null || (optional !== undefined && typeof optional !== 'boolean') ||
      (rules !== undefined && (!Array.isArray(rules) || !rules.every((rule) => rule?.kind === 'scope' || rule?.kind === 'claim')))) {
    throw new TypeError(`@latchkey/fastify: config.auth of ${route} must be true, false or { optional?: boolean, rules?: Rule[] }`);
  }
}

const isForm = (request: FastifyRequest): boolean => /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');

const plugin: FastifyPluginAsync<LatchkeyPluginOptions> = async (fastify, options) => {
  // Built now, so a bad option fails at registration; both share one verifier (one JWKS cache).
  const required = createRequestAuthenticator({ ...options, optional: false });
  const anonymous = createRequestAuthenticator({ ...options, verifier: required.verifier, optional: true });
  const done = new WeakSet<FastifyRequest>();

  const authenticate: AuthenticateHook = async (request) => {
    const route = request.routeOptions.config.auth;
    // An instance-wide hook and a route's own config.auth may both run: the first does the work.
    if (route === false || done.has(request)) return;
    done.add(request);
    const { optional = options.optional === true, rules = [] } = typeof route === 'object' ? route : {};
    const auth = await (optional ? anonymous : required).authenticate(request, {
      // From rawHeaders: a repeated Authorization header, which Node drops from `headers`, is refused.
      authorization: request.raw.rawHeaders === undefined ? request.headers.authorization : authorizationHeader(request.raw.rawHeaders),
      query: required.readsQuery ? (request.query as Record<string, unknown> | undefined)?.access_token : undefined,
      body: required.readsBody && isForm(request) ? (request.body as Record<string, unknown> | undefined)?.access_token : undefined,
    });
    const verified = (auth ?? null) as VerifiedToken<LatchkeyClaims> | null;
    request.auth = verified;
    if (rules.length === 0) return;
    try {
      await authorize(verified, rules);
    } catch (error) {
      throw required.mapError(error);
    }
  };

  fastify.decorateRequest('auth', null);
  fastify.decorate('authenticate', authenticate);
  // Routes that declare config.auth get the hook themselves, so rules can never be declared and not enforced.
  const stage = required.readsBody ? 'preValidation' : 'onRequest';
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const auth = (route.config as { auth?: unknown } | undefined)?.auth;
    if (auth === undefined || auth === false) return;
    checkRouteAuth(auth, `${String(route.method)} ${route.url}`);
    const hooks = [route[stage] ?? []].flat();
    if (!hooks.includes(authenticate)) route[stage] = [authenticate, ...hooks];
  });
};

/**
 * The plugin. Register it once per encapsulation context that needs authentication; routes then opt in
 * with `config: { auth: ... }`, or a context protects all its routes with `addHook('onRequest', app.authenticate)`.
 *
 * @example
 * await app.register(latchkey, { verifier });
 * app.get('/items', { config: { auth: { rules: [requireScopes('read:items')] } } }, (request) => request.auth!.payload);
 */
export const latchkey = fp(plugin, { name: '@latchkey/fastify', fastify: '5.x' });
export default latchkey;

/**
 * An error handler that answers Latchkey errors with their status, the `WWW-Authenticate` challenge and a
 * small JSON body (`{ error, error_description }`), and hands every other error to the parent handler.
 * Optional: without it, Fastify's default handler sends the same status and header with its own JSON body.
 *
 * @example app.setErrorHandler(authErrorHandler());
 */
export function authErrorHandler(): (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (error, _request, reply) => {
    if (!isLatchkeyError(error)) throw error;
    return reply.code(error.status).headers(error.headers).send(error.toJSON());
  };
}
