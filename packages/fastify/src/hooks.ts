/** The Fastify hooks: `authenticate()` (onRequest) and `guard(...)` (preHandler), callback-style. */
import type { JwtPayload, Rule, VerifiedToken } from '@latchkey/core';
import {
  checkedRules,
  createRequestAuthenticator,
  isPromise,
  notAuthenticated,
  type RequestAuthenticator,
  type RequestReader,
  type RouteGuard,
} from '@latchkey/core/adapter';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { AuthenticateOptions, LatchkeyClaims } from './index.js';

/** A callback-style hook: no promise of its own when the verification is synchronous (keys at hand). */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** The request property naming the authenticator that handled a request, for the guards after it (its realm and events). */
export const HANDLED_BY = 'latchkeyAuthenticator';
type Handled = FastifyRequest & { [HANDLED_BY]?: RequestAuthenticator<JwtPayload, FastifyRequest> | null };
/** How the core reads a Fastify request: plain functions, no closure per request. */
export const reader: RequestReader<FastifyRequest> = {
  rawHeaders: (request) => request.raw.rawHeaders,
  method: (request) => request.method,
  path: (request) => request.url.split('?', 1)[0]!,
  query: (request) => request.query,
  body: (request) => request.body,
  contentType: (request) => request.headers['content-type'],
  socket: (request) => request.raw.socket,
};

/**
 * The hook that authenticates with `authenticator`, sets `request.auth` and then, with `routeGuard`,
 * enforces the route's rules: what `authenticate()` and each `config.auth` route get.
 */
export function hookFor(authenticator: RequestAuthenticator<JwtPayload, FastifyRequest>, routeGuard?: RouteGuard<JwtPayload, FastifyRequest>): AuthHook {
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
