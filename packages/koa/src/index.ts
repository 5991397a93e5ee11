/**
 * @latchkey/koa: JWT bearer authorization for Koa 2 and 3. Four steps, all from `@latchkey/core`: extract
 * the token, verify it, attach it as `ctx.state.auth`, throw failures for Koa's `ctx.onerror` to render.
 *
 * @packageDocumentation
 */
import {
  claimCheck as claimCheckRule,
  claimEquals as claimEqualsRule,
  claimIncludes as claimIncludesRule,
  authorizationHeader,
  createRequestAuthenticator,
  authorize,
  isLatchkeyError,
  requireAnyScope as requireAnyScopeRule,
  requireScopes as requireScopesRule,
  type JwtPayload,
  type RequestAuthOptions,
  type Rule,
  type VerifiedToken,
} from '@latchkey/core';
import type { Context, Middleware } from 'koa';

/**
 * The claims your tokens carry. Augment it once and `ctx.state.auth.payload` and the claim guards are typed:
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
  /** The verified token; `undefined` on an optional route called anonymously. */
  auth?: VerifiedToken<Claims>;
}

declare module 'koa' {
  // Koa's documented extension point: every `ctx.state` then has a typed `auth`.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges AuthState into Koa's state
  interface DefaultState extends AuthState {}
}

/** Options of {@link authenticate}: a verifier (or its options), `optional`, `getToken`, token locations, `realm`. */
export type AuthenticateOptions<Claims extends JwtPayload = LatchkeyClaims> = RequestAuthOptions<Claims, Context>;

// Which authenticator handled a request, so a guard can apply its realm (and tell "anonymous" from "unguarded").
const handledBy = new WeakMap<object, (error: unknown) => unknown>();

/**
 * Verifies the request's bearer token and sets `ctx.state.auth` (`{ payload, header, token }`). Failures are
 * thrown as a `LatchkeyError` with `status`, `headers` and `expose: true`, which Koa's `ctx.onerror` renders
 * (status, `WWW-Authenticate`, the token-free message); {@link authErrorHandler} renders JSON instead.
 *
 * @example app.use(authenticate({ verifier }));
 */
export function authenticate<Claims extends JwtPayload = LatchkeyClaims>(options: AuthenticateOptions<Claims>): Middleware<AuthState> {
  const authenticator = createRequestAuthenticator<Claims, Context>(options);
  return async (ctx, next) => {
    handledBy.set(ctx, authenticator.mapError);
    const auth = await authenticator.authenticate(ctx, {
      // From rawHeaders: a repeated Authorization header, which Node drops from `headers`, is refused.
      authorization: authorizationHeader(ctx.req.rawHeaders),
      query: authenticator.readsQuery ? ctx.query.access_token : undefined,
      body: authenticator.readsBody && ctx.is('application/x-www-form-urlencoded') ? (ctx.request as { body?: Record<string, unknown> }).body?.access_token : undefined,
    });
    ctx.state.auth = auth as VerifiedToken<LatchkeyClaims> | undefined;
    await next();
  };
}

/**
 * A middleware that enforces rules on `ctx.state.auth`: 403 when they fail, 401 when the (optional) route
 * was called without a token. Use it after {@link authenticate}.
 *
 * @example router.delete('/items/:id', guard(requireScopes('delete:items'), claimEquals('org', 'acme')), handler);
 */
export function guard<Claims extends JwtPayload = LatchkeyClaims>(...rules: Array<Rule<Claims>>): Middleware<AuthState> {
  if (rules.length === 0 || !rules.every((rule) => rule?.kind === 'scope' || rule?.kind === 'claim')) {
    throw new TypeError('guard: pass one or more rules (requireScopes, claimEquals, claimCheck...)');
  }
  return async (ctx, next) => {
    const mapError = handledBy.get(ctx);
    if (mapError === undefined) throw new Error('latchkey: a guard ran before authenticate()');
    try {
      await authorize(ctx.state.auth as VerifiedToken<Claims> | undefined, rules);
    } catch (error) {
      throw mapError(error);
    }
    await next();
  };
}

/** Requires every one of the scopes (`scope`, `scp` or `permissions`); 403 `insufficient_scope` otherwise. */
export const requireScopes = (...scopes: Array<string | readonly string[]>): Middleware<AuthState> => guard(requireScopesRule(...scopes));
/** Requires at least one of the scopes. */
export const requireAnyScope = (...scopes: Array<string | readonly string[]>): Middleware<AuthState> => guard(requireAnyScopeRule(...scopes));
/** Requires `claim` to equal `value`. */
export const claimEquals = (claim: string, value: string | number | boolean | null): Middleware<AuthState> => guard(claimEqualsRule(claim, value));
/** Requires `claim` (an array or a space-delimited string) to include every one of `values`. */
export const claimIncludes = (claim: string, ...values: Array<string | number | boolean>): Middleware<AuthState> =>
  guard(claimIncludesRule(claim, ...values));
/** A custom check over the (typed) claims; `description` is what the 403 says, `claim` the claim it reads. */
export const claimCheck = <Claims extends JwtPayload = LatchkeyClaims>(
  test: (payload: Claims, auth: VerifiedToken<Claims>) => boolean | Promise<boolean>,
  description?: string,
  claim?: string,
): Middleware<AuthState> => guard(claimCheckRule<Claims>(test, description, claim));

/**
 * An outermost middleware that answers Latchkey errors with their status, the `WWW-Authenticate` challenge
 * and a small JSON body (`{ error, error_description }`), and rethrows every other error. Optional: without
 * it, Koa's `ctx.onerror` sends the same status and header with a plain-text message.
 *
 * @example app.use(authErrorHandler()); app.use(authenticate({ verifier }));
 */
export function authErrorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!isLatchkeyError(error) || ctx.headerSent) throw error;
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.body = error.toJSON();
    }
  };
}
