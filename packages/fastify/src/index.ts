/**
 * @latchkey/fastify: JWT bearer authorization for Fastify 5. Four steps, all from `@latchkey/core`:
 * extract the token, verify it, attach it as `request.auth`, hand failures (with `statusCode` and
 * `headers`) to Fastify's error handler. Routes opt in with `config.auth` (or the plugin's `protectRoutes`).
 *
 * @packageDocumentation
 */
import { claimCheck as coreClaimCheck, isLatchkeyError, type ClaimRule, logEvent, type JwtPayload, type RequestAuthOptions, type Rule, type VerifiedToken } from '@latchkey/core';
import {
  REQUEST_AUTH_OPTIONS,
  checkedRules,
  createRequestAuthenticator,
  isPromise,
  notAuthenticated,
  refuseUnknownKeys,
  type AdapterSettings,
  type RequestAuthenticator,
  type RequestReader,
  type RouteGuard,
} from '@latchkey/core/adapter';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

export { claimEquals, claimIncludes, requireAnyScope, requireScopes, type Rule } from '@latchkey/core';

/** `claimCheck` of `@latchkey/core` (the very same function), its claims typed by {@link LatchkeyClaims} by default. */
export const claimCheck = coreClaimCheck as <Claims extends JwtPayload = LatchkeyClaims>(
  test: (payload: Claims, auth: VerifiedToken<Claims>) => boolean | Promise<boolean>,
  description?: string,
  claim?: string,
) => ClaimRule<Claims>;

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
  /** Let requests without credentials through (`request.auth` is then `null`). Default: the plugin's `optional`. */
  optional?: boolean;
  /** Rules the token must pass (403 when not): `requireScopes`, `requireAnyScope`, `claimEquals`... */
  rules?: ReadonlyArray<Rule<Claims>>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token; `null` on an optional route called without credentials; `undefined` where no authentication ran. */
    auth: VerifiedToken<LatchkeyClaims> | null | undefined;
  }
  interface FastifyContextConfig {
    /** Authenticate this route (and enforce its rules), or `false` to leave it public under `protectRoutes`. */
    auth?: boolean | RouteAuthConfig;
  }
}

/** Options of {@link authenticate}: a verifier (or its options), `optional`, `getToken`, token locations, `realm`. */
export type AuthenticateOptions<Claims extends JwtPayload = LatchkeyClaims> = RequestAuthOptions<Claims, FastifyRequest>;

/** Options of the plugin: those of {@link authenticate}, plus which routes it protects and whether it logs. */
export interface LatchkeyPluginOptions extends AuthenticateOptions<JwtPayload> {
  /** Authenticate every route registered after the plugin in its context (and children) unless it says `config.auth: false`. Default `false`: only routes with `config.auth`. */
  protectRoutes?: boolean;
  /** Log every refusal (info) and verification (debug) through `request.log`. Default `false`: nothing logs. */
  log?: boolean;
}

/** A callback-style hook: no promise of its own when the verification is synchronous (keys at hand). */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

// The authenticator that handled a request, for the guards after it (its realm and events).
const HANDLED_BY = 'latchkeyAuthenticator';
type Handled = FastifyRequest & { [HANDLED_BY]?: RequestAuthenticator<JwtPayload, FastifyRequest> | null };
// Tags the hooks this plugin adds to routes, so a nested registration replaces its parent's.
const ADDED = Symbol('latchkey.hook');

const reader: RequestReader<FastifyRequest> = {
  rawHeaders: (request) => request.raw.rawHeaders,
  method: (request) => request.method,
  path: (request) => request.url.split('?', 1)[0]!,
  query: (request) => request.query,
  body: (request) => request.body,
  contentType: (request) => request.headers['content-type'],
};

const logSettings: AdapterSettings<FastifyRequest> = { onEvent: (event, request) => logEvent(request.log, event) };

function hookFor(authenticator: RequestAuthenticator<JwtPayload, FastifyRequest>, routeGuard?: RouteGuard<JwtPayload, FastifyRequest>): AuthHook {
  const finish = (request: FastifyRequest, auth: VerifiedToken | null, done: HookHandlerDoneFunction): void => {
    request.auth = auth as VerifiedToken<LatchkeyClaims> | null;
    if (routeGuard === undefined) return done();
    let pending: void | Promise<void>;
    try {
      pending = routeGuard(auth, request);
    } catch (error) {
      return done(error as Error);
    }
    if (pending === undefined) return done();
    pending.then(() => done(), done);
  };
  return (request, _reply, done) => {
    let outcome: VerifiedToken | null | Promise<VerifiedToken | null>;
    try {
      outcome = authenticator.authenticate(request);
    } catch (error) {
      return done(error as Error);
    }
    (request as Handled)[HANDLED_BY] = authenticator;
    if (!isPromise(outcome)) return finish(request, outcome, done);
    outcome.then((auth) => finish(request, auth, done), done);
  };
}

/**
 * An `onRequest` hook that verifies the request's bearer token and sets `request.auth`, for contexts
 * wired by hand: `app.addHook('onRequest', authenticate({ verifier }))`. The plugin does the same per
 * route from `config.auth`.
 */
export function authenticate<Claims extends JwtPayload = LatchkeyClaims>(options: AuthenticateOptions<Claims>): AuthHook {
  return hookFor(createRequestAuthenticator(options as unknown as AuthenticateOptions<JwtPayload>, reader));
}

/**
 * A `preHandler` (or later `onRequest`) hook that enforces rules on `request.auth`: 403 when they fail,
 * 401 when an optional route was called without credentials; fails closed (500) where no authentication ran.
 *
 * @example app.get('/admin', { config: { auth: true }, preHandler: guard(requireScopes('admin')) }, handler);
 */
export function guard<Claims extends JwtPayload = LatchkeyClaims>(...rules: Array<Rule<NoInfer<Claims>>>): AuthHook {
  const checked = checkedRules(rules as ReadonlyArray<Rule<JwtPayload>>, 'guard()');
  return (request, _reply, done) => {
    let pending: void | Promise<void>;
    try {
      const authenticator = (request as Handled)[HANDLED_BY];
      if (authenticator == null) throw notAuthenticated();
      pending = authenticator.enforce(checked, request.auth, request);
    } catch (error) {
      return done(error as Error);
    }
    if (pending === undefined) return done();
    pending.then(() => done(), done);
  };
}

const ROUTE_AUTH_OPTIONS = Object.keys({ optional: true, rules: true } satisfies Record<keyof RouteAuthConfig, true>);
// Fastify hands its own register options to the plugin with ours.
const PLUGIN_OPTIONS = ['protectRoutes', 'log', 'prefix', 'logLevel', 'logSerializers'];

/** The hook a route gets from its `config.auth`, checked when the route is defined. */
function routeHook(base: RequestAuthenticator<JwtPayload, FastifyRequest>, auth: unknown, route: string): AuthHook {
  if (auth === true) return hookFor(base);
  const where = `config.auth of ${route}`;
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) throw new TypeError(`latchkey: ${where} must be true, false or { optional?, rules? }`);
  refuseUnknownKeys(auth, ROUTE_AUTH_OPTIONS, where);
  const { optional, rules } = auth as RouteAuthConfig<JwtPayload>;
  if (optional !== undefined && typeof optional !== 'boolean') throw new TypeError(`latchkey: ${where}: "optional" must be a boolean`);
  const authenticator = optional === undefined ? base : base.withOptional(optional);
  const unguarded = rules === undefined || (Array.isArray(rules) && rules.length === 0);
  return hookFor(authenticator, unguarded ? undefined : authenticator.guard(rules, `latchkey: ${where}: "rules"`));
}

const plugin: FastifyPluginAsync<LatchkeyPluginOptions> = async (fastify, options) => {
  const { protectRoutes = false, log = false, prefix: _prefix, logLevel: _level, logSerializers: _serializers, ...authOptions } = (options ?? {}) as LatchkeyPluginOptions & Record<string, unknown>;
  if (typeof options === 'object' && options !== null) refuseUnknownKeys(options, [...REQUEST_AUTH_OPTIONS, ...PLUGIN_OPTIONS], '@latchkey/fastify plugin options');
  if (typeof protectRoutes !== 'boolean' || typeof log !== 'boolean') throw new TypeError('latchkey: "protectRoutes" and "log" must be booleans');
  // Built now, so a bad option fails at registration; every route of this registration shares its verifier.
  const base = createRequestAuthenticator(authOptions as AuthenticateOptions<JwtPayload>, reader, log ? logSettings : {});
  // `undefined` until a hook runs (a route without authentication), `null` for anonymous: one shape per request.
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);
  if (!fastify.hasRequestDecorator(HANDLED_BY)) fastify.decorateRequest(HANDLED_BY, null);
  // Body tokens need the parsed body: authenticate after parsing.
  const stage = base.readsBody ? 'preValidation' : 'onRequest';
  // Hooks are added per route as it is defined, so a bad config.auth fails then, declared rules are always
  // enforced, and no request reads its route's config.
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const auth = (route.config as { auth?: unknown } | undefined)?.auth ?? (protectRoutes ? true : undefined);
    if (auth === undefined || auth === false) return;
    const hook = Object.assign(routeHook(base, auth, `${String(route.method)} ${route.url}`), { [ADDED]: true });
    const others = [route[stage] ?? []].flat().filter((existing) => !(ADDED in existing));
    route[stage] = [hook, ...others] as never;
  });
};

/**
 * The plugin. Register it once per encapsulation context that needs authentication (sibling contexts may
 * each have their own); routes then opt in with `config: { auth: ... }`, or `protectRoutes` covers them all.
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
