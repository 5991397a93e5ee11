import { extractToken, missingCredentials, type TokenCarriers } from './bearer.js';
import { LatchkeyError, isLatchkeyError, withRealm } from './errors.js';
import type { VerifierOptions } from './options.js';
import type { JwtPayload, VerifiedToken } from './types.js';
import { createVerifier, type Verifier } from './verifier.js';

/**
 * What every adapter's middleware accepts. The adapters share this, so `optional`, `getToken`, `realm` and
 * the token locations behave the same in Express, Koa and Fastify.
 */
export interface RequestAuthOptions<Payload extends JwtPayload = JwtPayload, Request = unknown> {
  /**
   * A verifier from `createVerifier` (share one across routes and routers: they then share one JWKS cache),
   * or the options to build one.
   */
  verifier: Verifier<Payload> | VerifierOptions<Payload>;
  /**
   * Let requests without credentials through (with no `auth`), for routes that serve anonymous and
   * signed-in users alike. A token that is present but bad is still refused. Default `false`.
   */
  optional?: boolean;
  /** Read the token from somewhere else (a cookie, a custom header). Replaces the `Authorization` header. */
  getToken?: (request: Request) => string | undefined | null | Promise<string | undefined | null>;
  /** Also accept `access_token` in the query string (RFC 6750 §2.3). Off by default: URLs get logged. */
  allowQueryToken?: boolean;
  /** Also accept `access_token` in a form-encoded body (RFC 6750 §2.2). Off by default. */
  allowBodyToken?: boolean;
  /** The `realm` in `WWW-Authenticate` challenges. Default: none. */
  realm?: string;
}

/** The request-side half of an adapter, built once per middleware. */
export interface RequestAuthenticator<Payload extends JwtPayload = JwtPayload, Request = unknown> {
  readonly verifier: Verifier<Payload>;
  readonly readsQuery: boolean;
  readonly readsBody: boolean;
  /**
   * Finds and verifies the request's token. Resolves to the verified token, or `undefined` when the route
   * is optional and no credentials were sent; rejects with a {@link LatchkeyError} (challenge with the realm).
   */
  authenticate(request: Request, carriers: TokenCarriers): Promise<VerifiedToken<Payload> | undefined>;
  /** Applies the realm to a Latchkey error (e.g. from a guard); other errors pass unchanged. */
  mapError(error: unknown): unknown;
}

function isVerifier(value: unknown): value is Verifier<never> {
  return typeof value === 'object' && value !== null && typeof (value as Verifier).verify === 'function';
}

/** Builds the request authenticator that the adapters wrap. Validates options at once (start-up). */
export function createRequestAuthenticator<Payload extends JwtPayload = JwtPayload, Request = unknown>(
  options: RequestAuthOptions<Payload, Request>,
): RequestAuthenticator<Payload, Request> {
  if (typeof options !== 'object' || options === null || options.verifier === undefined) {
    throw new TypeError('latchkey: "verifier" is required (a verifier from createVerifier, or its options)');
  }
  const verifier = isVerifier(options.verifier) ? (options.verifier as Verifier<Payload>) : createVerifier(options.verifier as VerifierOptions<Payload>);
  if (options.getToken !== undefined && typeof options.getToken !== 'function') throw new TypeError('latchkey: "getToken" must be a function');
  if (options.realm !== undefined && typeof options.realm !== 'string') throw new TypeError('latchkey: "realm" must be a string');
  const { optional = false, getToken, realm } = options;
  const readsQuery = options.allowQueryToken === true;
  const readsBody = options.allowBodyToken === true;

  const mapError = (error: unknown): unknown => (realm !== undefined && isLatchkeyError(error) ? withRealm(error, realm) : error);

  const fail = (error: unknown): Promise<never> => Promise.reject(mapError(error));

  function verified(token: string | undefined): Promise<VerifiedToken<Payload> | undefined> {
    if (token === undefined) return optional ? Promise.resolve(undefined) : fail(missingCredentials());
    const pending = verifier.verify(token);
    // Without a realm there is nothing to map: hand back the verifier's own promise (no extra hop).
    return realm === undefined ? pending : pending.catch(fail);
  }

  async function fromGetter(request: Request): Promise<string | undefined> {
    const got = await getToken!(request);
    if (got !== undefined && got !== null && typeof got !== 'string') throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the token is malformed');
    return got === null || got === '' ? undefined : got;
  }

  // Not an async function: on the common path (a header, a verifier with keys at hand) no promise is made
  // here beyond the verifier's own.
  function authenticate(request: Request, carriers: TokenCarriers): Promise<VerifiedToken<Payload> | undefined> {
    try {
      if (getToken !== undefined) return fromGetter(request).then(verified, fail);
      return verified(
        extractToken({
          authorization: carriers.authorization,
          query: readsQuery ? carriers.query : undefined,
          body: readsBody ? carriers.body : undefined,
        }),
      );
    } catch (error) {
      return fail(error);
    }
  }

  return { verifier, readsQuery, readsBody, authenticate, mapError };
}
