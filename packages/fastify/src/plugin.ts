/** The plugin: `config.auth` (or `protectRoutes`) turned into per-route hooks when each route is defined. */
import { logEvent, type JwtPayload, type Rule, type VerifiedToken } from '@latchkey/core';
import { REQUEST_AUTH_OPTIONS, createRequestAuthenticator, refuseUnknownKeys, type AdapterSettings, type RequestAuthenticator } from '@latchkey/core/adapter';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { HANDLED_BY, hookFor, reader, type AuthHook } from './hooks.js';
import type { AuthenticateOptions, LatchkeyClaims } from './index.js';

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

/** Options of the plugin: those of {@link authenticate}, plus which routes it protects and whether it logs. */
export interface LatchkeyPluginOptions extends AuthenticateOptions<JwtPayload> {
  /** Authenticate every route registered after the plugin in its context (and children) unless it says `config.auth: false`. Default `false`: only routes with `config.auth`. */
  protectRoutes?: boolean;
  /** Log every refusal (info) and verification (debug) through `request.log`. Default `false`: nothing logs. */
  log?: boolean;
}

// Tags the hooks this plugin adds to routes, so a route gets one, from the innermost registration.
const ADDED = Symbol('latchkey.hook');

const logSettings: AdapterSettings<FastifyRequest> = { onEvent: (event, request) => logEvent(request.log, event) };

const ROUTE_AUTH_OPTIONS = Object.keys({ optional: true, rules: true } satisfies Record<keyof RouteAuthConfig, true>);
// Fastify hands its own register options to the plugin with ours.
const PLUGIN_OPTIONS = ['protectRoutes', 'log', 'prefix', 'logLevel', 'logSerializers'];

/**
 * The authenticators of `config.auth` hooks (every registration's), as opposed to a hand-wired
 * `authenticate()`: the late-wiring fallback skips a request only when one of these handled it, so a
 * hand-wired hook can never stand in for a route's own rules.
 */
const ROUTE_AUTHENTICATORS = new WeakSet<object>();

/** The hook a route gets from its `config.auth`, checked when the route is defined. */
function routeHook(base: RequestAuthenticator<JwtPayload, FastifyRequest>, auth: unknown, route: string): AuthHook {
  if (auth === true) return hookFor(base);
  const where = `config.auth of ${route}`;
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) throw new TypeError(`latchkey: ${where} must be true, false or { optional?, rules? }`);
  refuseUnknownKeys(auth, ROUTE_AUTH_OPTIONS, where);
  const { optional, rules } = auth as RouteAuthConfig<JwtPayload>;
  if (optional !== undefined && typeof optional !== 'boolean') throw new TypeError(`latchkey: ${where}: "optional" must be a boolean`);
  const authenticator = optional === undefined ? base : base.withOptional(optional);
  ROUTE_AUTHENTICATORS.add(authenticator);
  const unguarded = rules === undefined || (Array.isArray(rules) && rules.length === 0);
  return hookFor(authenticator, unguarded ? undefined : authenticator.guard(rules, `latchkey: ${where}: "rules"`));
}

const plugin: FastifyPluginAsync<LatchkeyPluginOptions> = async (fastify, options) => {
  const {
    protectRoutes = false,
    log = false,
    prefix: _prefix,
    logLevel: _level,
    logSerializers: _serializers,
    ...authOptions
  } = (options ?? {}) as LatchkeyPluginOptions & Record<string, unknown>;
  if (typeof options === 'object' && options !== null)
    refuseUnknownKeys(options, [...REQUEST_AUTH_OPTIONS, ...PLUGIN_OPTIONS], '@latchkey/fastify plugin options');
  if (typeof protectRoutes !== 'boolean' || typeof log !== 'boolean') throw new TypeError('latchkey: "protectRoutes" and "log" must be booleans');
  // Built now, so a bad option fails at registration; every route of this registration shares its verifier.
  const base = createRequestAuthenticator(authOptions as AuthenticateOptions<JwtPayload>, reader, log ? logSettings : {});
  ROUTE_AUTHENTICATORS.add(base);
  // `undefined` until a hook runs (a route without authentication), `null` for anonymous: one shape per request.
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined);
  if (!fastify.hasRequestDecorator(HANDLED_BY)) fastify.decorateRequest(HANDLED_BY, null);
  // Body tokens need the parsed body: authenticate after parsing.
  const stage = base.readsBody ? 'preValidation' : 'onRequest';
  // Hooks are added per route as it is defined, so a bad config.auth fails then, declared rules are always
  // enforced, and no request reads its route's config.
  fastify.addHook('onRoute', (route: RouteOptions) => {
    // Only an absent `config.auth` means "not said": `null` is a value, refused by routeHook.
    const said = (route.config as { auth?: unknown } | undefined)?.auth;
    const auth = said === undefined ? (protectRoutes ? true : undefined) : said;
    if (auth === undefined || auth === false) return;
    const hook = Object.assign(routeHook(base, auth, `${String(route.method)} ${route.url}`), { [ADDED]: true });
    // Fastify runs a parent's onRoute hooks before a nested context's: the innermost registration replaces
    // the parent's hook, at whichever stage the parent put it (onRequest, or preValidation for body tokens).
    for (const at of ['onRequest', 'preValidation'] as const) {
      const others = [route[at] ?? []].flat().filter((existing) => !(ADDED in existing));
      route[at] = (at === stage ? [hook, ...others] : others) as never;
    }
  });
  // Fail closed for routes this onRoute never saw. Fastify runs onRoute hooks when a route is declared, but
  // loads plugins later (avvio): `app.register(latchkey, ...)` not awaited (always so in CommonJS without
  // top-level await), then `app.get(...)`, declares the route before this plugin runs. Fastify still merges
  // a context's hooks into all its routes at preReady, declared before or after, so this context-level
  // preHandler reaches them: it wires their config.auth on first use. A wired route pays one property read.
  // That hook would cost every request of every route a hook call, so it is added only when such routes
  // can exist: Fastify's router holds each route the moment it is declared, so an empty router now means
  // the onRoute hook above sees every route this registration covers.
  if (routerHasRoutes(fastify)) addLateWiring(fastify, base);
};

// Not an HTTP method token (it holds spaces), so no route can ever be declared with it.
const NO_SUCH_METHOD = 'latchkey: no such method';

/**
 * Whether the app's router holds any route yet. Fastify 5 offers no route count or listing, only
 * `printRoutes()`; rather than match its wording for an empty router, this compares the full listing with
 * the listing of a method no route can have: the empty listing, whatever its wording. Should a future
 * Fastify throw here, or list an empty router otherwise, the answer is `true` and the fallback is added:
 * the cost is one hook call per request, never a check missed (fail closed).
 */
function routerHasRoutes(fastify: FastifyInstance): boolean {
  try {
    return fastify.printRoutes() !== fastify.printRoutes({ method: NO_SUCH_METHOD as never });
  } catch {
    return true;
  }
}

/** The fail-closed fallback for routes declared before the plugin ran (see above). */
function addLateWiring(fastify: FastifyInstance, base: RequestAuthenticator<JwtPayload, FastifyRequest>): void {
  const late = new WeakMap<object, AuthHook>();
  fastify.addHook('preHandler', (request: FastifyRequest, reply, done) => {
    // Wired at definition by a registration: done. Handled only by a hand-wired authenticate(): not enough,
    // the route's own config.auth (optional, rules) still applies.
    const handledBy = (request as unknown as Record<string, unknown>)[HANDLED_BY];
    if (handledBy != null && ROUTE_AUTHENTICATORS.has(handledBy as object)) return done();
    const { config, method, url } = request.routeOptions;
    const auth = (config as { auth?: unknown } | undefined)?.auth;
    if (auth === undefined || auth === false || config === undefined) return done();
    let hook = late.get(config);
    if (hook === undefined) {
      try {
        hook = routeHook(base, auth, `${String(method)} ${String(url)}`);
      } catch (error) {
        return done(error as Error);
      }
      late.set(config, hook);
    }
    hook(request, reply, done);
  });
}

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
