/**
 * @latchkey/koa: JWT bearer authorization for Koa 2 and 3. Four steps, all from `@latchkey/core`: extract
 * the token, verify it, attach it as `ctx.state.auth`, throw failures for Koa's `ctx.onerror` to render.
 *
 * @packageDocumentation
 */
import {
  claimCheck as coreClaimCheck,
  isLatchkeyError,
  type AuthErrorHandlerOptions,
  type ClaimRule,
  type JwtPayload,
  type RequestAuthOptions,
  type Rule,
  type VerifiedToken,
} from '@latchkey/core';
import {
  authErrorRenderer,
  checkedRules,
  createRequestAuthenticator,
  isPromise,
  notAuthenticated,
  type RequestAuthenticator,
  type RequestReader,
} from '@latchkey/core/adapter';
import type { Context, Middleware } from 'koa';

export { claimEquals, claimIncludes, requireAnyScope, requireScopes, type Rule } from '@latchkey/core';

/** `claimCheck` of `@latchkey/core` (the very same function), its claims typed by {@link LatchkeyClaims} by default. */
export const claimCheck = coreClaimCheck as <Claims extends JwtPayload = LatchkeyClaims>(
  test: (payload: Claims, auth: VerifiedToken<Claims>) => boolean | Promise<boolean>,
  description?: string,
  claim?: string,
) => ClaimRule<Claims>;

/**
 * The claims your tokens carry. Augment it once and `ctx.state.auth.payload` and the claim rules are typed:
 *
 * @example
 * declare module '@latchkey/koa' {
 *   interface LatchkeyClaims { org_id: string }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: users augment it
export interface LatchkeyClaims extends JwtPayload {}

/** What {@link authenticate} adds to `ctx.state`. */
export interface AuthState<Claims extends JwtPayload = LatchkeyClaims> {
  /** The verified token; `null` on an optional route called without credentials. */
  auth?: VerifiedToken<Claims> | null;
}

declare module 'koa' {
  // Koa's documented extension point: every `ctx.state` then has a typed `auth`.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges AuthState into Koa's state
  interface DefaultState extends AuthState {}
}

/** Options of {@link authenticate}: a verifier (or its options), `optional`, `getToken`, token locations, `realm`, `dpop`, `mtls`. */
export type AuthenticateOptions<Claims extends JwtPayload = LatchkeyClaims> = RequestAuthOptions<Claims, Context>;

// The authenticator that handled a request, for the guards after it (its realm and events).
const HANDLED_BY = Symbol('latchkey.authenticator');
type Handled = Context & { [HANDLED_BY]?: RequestAuthenticator<JwtPayload, Context> };

const reader: RequestReader<Context> = {
  rawHeaders: (ctx) => ctx.req.rawHeaders,
  method: (ctx) => ctx.method,
  // originalUrl: `ctx.path` changes under koa-mount; the query may hold a token.
  path: (ctx) => ctx.originalUrl.split('?', 1)[0]!,
  query: (ctx) => ctx.query,
  body: (ctx) => (ctx.request as { body?: unknown }).body,
  contentType: (ctx) => ctx.req.headers['content-type'],
  socket: (ctx) => ctx.req.socket,
};

/**
 * Verifies the request's bearer token and sets `ctx.state.auth` (`{ payload, header, token }`, or `null`
 * on an optional route called without credentials). Failures are thrown as a `LatchkeyError` with
 * `status`, `headers` and `expose: true`, which Koa's `ctx.onerror` renders (status, `WWW-Authenticate`,
 * the token-free message); {@link authErrorHandler} renders JSON instead.
 *
 * @example app.use(authenticate({ verifier }));
 */
export function authenticate<Claims extends JwtPayload = LatchkeyClaims>(options: AuthenticateOptions<Claims>): Middleware<AuthState> {
  const authenticator = createRequestAuthenticator<Claims, Context>(options, reader);
  // Not async: a synchronous throw becomes a rejection in Koa's compose, and a synchronous verification
  // (keys at hand) makes no promise of its own.
  return (ctx, next) => {
    const outcome = authenticator.authenticate(ctx);
    (ctx as Handled)[HANDLED_BY] = authenticator as unknown as RequestAuthenticator<JwtPayload, Context>;
    if (!isPromise(outcome)) {
      ctx.state.auth = outcome as VerifiedToken<LatchkeyClaims> | null;
      return next();
    }
    return outcome.then((auth) => {
      ctx.state.auth = auth as VerifiedToken<LatchkeyClaims> | null;
      return next();
    });
  };
}

/**
 * A middleware that enforces rules on `ctx.state.auth`: 403 when they fail, 401 when an optional route was
 * called without credentials. Use it after {@link authenticate}; without one it fails closed (500).
 *
 * @example router.delete('/items/:id', guard(requireScopes('delete:items'), claimEquals('org', 'acme')), handler);
 */
export function guard<Claims extends JwtPayload = LatchkeyClaims>(...rules: Array<Rule<NoInfer<Claims>>>): Middleware<AuthState> {
  const checked = checkedRules(rules, 'guard()');
  return (ctx, next) => {
    const authenticator = (ctx as Handled)[HANDLED_BY];
    if (authenticator === undefined) throw notAuthenticated();
    const pending = authenticator.enforce(checked as never, ctx.state.auth, ctx);
    return pending === undefined ? next() : pending.then(next);
  };
}

/**
 * An outermost middleware that answers Latchkey errors with their status, the `WWW-Authenticate` challenge
 * and a small JSON body (`{ error, error_description }`; simplejwt's bodies with `{ body: 'simplejwt' }`), and rethrows every other error. Optional: without
 * it, Koa's `ctx.onerror` sends the same status and header with a plain-text message.
 *
 * @example app.use(authErrorHandler()); app.use(authenticate({ verifier }));
 */
export function authErrorHandler(options?: AuthErrorHandlerOptions): Middleware {
  const render = authErrorRenderer(options, 'authErrorHandler');
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!isLatchkeyError(error) || ctx.headerSent) throw error;
      const rendered = render(error);
      ctx.status = rendered.status;
      ctx.set(rendered.headers);
      ctx.body = rendered.body;
    }
  };
}
