/**
 * @latchkey/express: JWT bearer authorization for Express 4 and 5. Four steps, all from `@latchkey/core`:
 * extract the token, verify it, attach it as `req.auth`, hand failures to `next(err)`.
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
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { attach, authenticatorOf } from './request-slot.js';

export { claimEquals, claimIncludes, requireAnyScope, requireScopes, type Rule } from '@latchkey/core';

/** `claimCheck` of `@latchkey/core` (the very same function), its claims typed by {@link LatchkeyClaims} by default. */
export const claimCheck = coreClaimCheck as <Claims extends JwtPayload = LatchkeyClaims>(
  test: (payload: Claims, auth: VerifiedToken<Claims>) => boolean | Promise<boolean>,
  description?: string,
  claim?: string,
) => ClaimRule<Claims>;

/**
 * The claims your tokens carry. Augment it once and `req.auth.payload` and the claim rules are typed:
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
      /** The verified token, set by `authenticate()`; `null` on an optional route called without credentials. */
      auth?: VerifiedToken<LatchkeyClaims> | null;
    }
  }
}

/** Options of {@link authenticate}: a verifier (or its options), `optional`, `getToken`, token locations, `realm`, `dpop`, `mtls`. */
export type AuthenticateOptions<Claims extends JwtPayload = LatchkeyClaims> = RequestAuthOptions<Claims, Request>;

const reader: RequestReader<Request> = {
  rawHeaders: (req) => req.rawHeaders,
  method: (req) => req.method,
  // originalUrl: `req.path` is relative to the router's mount point; the query may hold a token.
  path: (req) => req.originalUrl.split('?', 1)[0]!,
  query: (req) => req.query,
  body: (req) => req.body,
  contentType: (req) => req.headers['content-type'],
  socket: (req) => req.socket,
};

/**
 * Verifies the request's bearer token and sets `req.auth` (`{ payload, header, token }`, or `null` on an
 * optional route called without credentials). Failures go to `next(err)` as a `LatchkeyError` with
 * `status` and `headers`; render them with {@link authErrorHandler}.
 *
 * @example app.use('/api', authenticate({ verifier }));
 */
export function authenticate<Claims extends JwtPayload = LatchkeyClaims>(options: AuthenticateOptions<Claims>): RequestHandler {
  const authenticator = createRequestAuthenticator<Claims, Request>(options, reader);
  return (req, _res, next) => {
    let outcome: VerifiedToken<Claims> | null | Promise<VerifiedToken<Claims> | null>;
    try {
      outcome = authenticator.authenticate(req);
    } catch (error) {
      return next(error);
    }
    // Synchronous when the verification was (keys at hand): no promise on the common path.
    if (!isPromise(outcome)) {
      attach(req, outcome, authenticator);
      return next();
    }
    outcome.then((auth) => {
      attach(req, auth, authenticator);
      next();
    }, next);
  };
}

/**
 * A middleware that enforces rules on `req.auth`: 403 when they fail, 401 when an optional route was
 * called without credentials. Use it after {@link authenticate}; without one it fails closed (500).
 *
 * @example app.delete('/items/:id', authenticate({ verifier }), guard(requireScopes('delete:items'), claimEquals('org', 'acme')));
 */
export function guard<Claims extends JwtPayload = LatchkeyClaims>(...rules: Array<Rule<NoInfer<Claims>>>): RequestHandler {
  const checked = checkedRules(rules, 'guard()');
  return (req, _res, next) => {
    const authenticator = authenticatorOf<RequestAuthenticator<JwtPayload, Request>>(req);
    let pending: void | Promise<void>;
    try {
      if (authenticator === undefined) throw notAuthenticated();
      pending = authenticator.enforce(checked as never, req.auth, req);
    } catch (error) {
      return next(error);
    }
    if (pending === undefined) return next();
    pending.then(() => next(), next);
  };
}

/**
 * An error middleware that answers Latchkey errors with their status, the `WWW-Authenticate` challenge and
 * a small JSON body (`{ error, error_description }`; simplejwt's bodies with `{ body: 'simplejwt' }`), and passes every other error on. Register it after
 * your routes. Without it, Express's default handler sends the status and header with an HTML page that
 * carries the stack trace outside production, and logs a stack per refusal.
 */
export function authErrorHandler(options?: AuthErrorHandlerOptions): ErrorRequestHandler {
  const render = authErrorRenderer(options, 'authErrorHandler');
  return (err, _req, res, next) => {
    if (!isLatchkeyError(err) || res.headersSent) return next(err);
    const rendered = render(err);
    // The body is JSON whatever an earlier middleware set (`res.type('html')`): res.json() keeps a set type.
    res.status(rendered.status).set(rendered.headers).type('application/json').json(rendered.body);
  };
}
