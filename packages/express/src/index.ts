/**
 * @latchkey/express: JWT bearer authorization for Express 4 and 5. Four steps, all from `@latchkey/core`:
 * extract the token, verify it, attach it as `req.auth`, hand failures to `next(err)`.
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
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';

/**
 * The claims your tokens carry. Augment it once and `req.auth.payload` and the claim guards are typed:
 *
 * @example
 * declare module '@latchkey/express' {
 *   interface LatchkeyClaims { org_id: string }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: users augment it
export interface LatchkeyClaims extends JwtPayload {}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the way @types/express is extended
  namespace Express {
    interface Request {
      /** The verified token, set by `authenticate()`; `undefined` on an optional route called anonymously. */
      auth?: VerifiedToken<LatchkeyClaims>;
    }
  }
}

/** Options of {@link authenticate}: a verifier (or its options), `optional`, `getToken`, token locations, `realm`. */
export type AuthenticateOptions<Claims extends JwtPayload = LatchkeyClaims> = RequestAuthOptions<Claims, Request>;

// Which authenticator handled a request, so a guard can apply its realm (and tell "anonymous" from "unguarded").
const handledBy = new WeakMap<Request, (error: unknown) => unknown>();

/**
 * Verifies the request's bearer token and sets `req.auth` (`{ payload, header, token }`). Failures go to
 * `next(err)` as a `LatchkeyError` with `status` and `headers`; render them with {@link authErrorHandler}.
 *
 * @example app.use('/api', authenticate({ verifier }));
 */
export function authenticate<Claims extends JwtPayload = LatchkeyClaims>(options: AuthenticateOptions<Claims>): RequestHandler {
  const authenticator = createRequestAuthenticator<Claims, Request>(options);
  return (req, _res, next) => {
    handledBy.set(req, authenticator.mapError);
    authenticator
      .authenticate(req, {
        // From rawHeaders: a repeated Authorization header, which Node drops from `headers`, is refused.
        authorization: authorizationHeader(req.rawHeaders),
        query: authenticator.readsQuery ? (req.query as Record<string, unknown> | undefined)?.access_token : undefined,
        body: authenticator.readsBody && req.is('application/x-www-form-urlencoded') ? (req.body as Record<string, unknown> | undefined)?.access_token : undefined,
      })
      .then((auth) => {
        req.auth = auth as VerifiedToken<LatchkeyClaims> | undefined;
        next();
      }, next);
  };
}

/**
 * A middleware that enforces rules on `req.auth`: 403 when they fail, 401 when the (optional) route was
 * called without a token. Use it after {@link authenticate}.
 *
 * @example app.delete('/items/:id', authenticate({ verifier }), guard(requireScopes('delete:items'), claimEquals('org', 'acme')));
 */
export function guard<Claims extends JwtPayload = LatchkeyClaims>(...rules: Array<Rule<Claims>>): RequestHandler {
  if (rules.length === 0 || !rules.every((rule) => rule?.kind === 'scope' || rule?.kind === 'claim')) {
    throw new TypeError('guard: pass one or more rules (requireScopes, claimEquals, claimCheck...)');
  }
  return (req, _res, next) => {
    const mapError = handledBy.get(req);
    if (mapError === undefined) return next(new Error('latchkey: a guard ran before authenticate()'));
    try {
      const pending = authorize(req.auth as VerifiedToken<Claims> | undefined, rules);
      if (pending === undefined) return next();
      pending.then(() => next(), (error: unknown) => next(mapError(error)));
    } catch (error) {
      next(mapError(error));
    }
  };
}

/** Requires every one of the scopes (`scope`, `scp` or `permissions`); 403 `insufficient_scope` otherwise. */
export const requireScopes = (...scopes: Array<string | readonly string[]>): RequestHandler => guard(requireScopesRule(...scopes));
/** Requires at least one of the scopes. */
export const requireAnyScope = (...scopes: Array<string | readonly string[]>): RequestHandler => guard(requireAnyScopeRule(...scopes));
/** Requires `claim` to equal `value`. */
export const claimEquals = (claim: string, value: string | number | boolean | null): RequestHandler => guard(claimEqualsRule(claim, value));
/** Requires `claim` (an array or a space-delimited string) to include every one of `values`. */
export const claimIncludes = (claim: string, ...values: Array<string | number | boolean>): RequestHandler => guard(claimIncludesRule(claim, ...values));
/** A custom check over the (typed) claims; `description` is what the 403 says, `claim` the claim it reads. */
export const claimCheck = <Claims extends JwtPayload = LatchkeyClaims>(
  test: (payload: Claims, auth: VerifiedToken<Claims>) => boolean | Promise<boolean>,
  description?: string,
  claim?: string,
): RequestHandler => guard(claimCheckRule<Claims>(test, description, claim));

/**
 * An error middleware that answers Latchkey errors with their status, the `WWW-Authenticate` challenge and
 * a small JSON body (`{ error, error_description }`), and passes every other error on. Register it after
 * your routes. Without it, Express's default handler still sends the status and header, with an HTML body.
 */
export function authErrorHandler(): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (!isLatchkeyError(err) || res.headersSent) return next(err);
    res.status(err.status).set(err.headers).json(err.toJSON());
  };
}

