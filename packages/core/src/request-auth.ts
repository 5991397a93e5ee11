/**
 * The request authenticator: everything an adapter does per request except attaching the result and
 * handing errors to its framework. It reads the request through a {@link RequestReader}, extracts the
 * token, verifies it, emits the request's events and builds the guards that enforce rules afterwards.
 */
import {
  authorizationHeader,
  extractBearerToken,
  extractCredentials,
  extractToken,
  missingCredentials,
  parseBearer,
  quickBearerToken,
  rawHeaderValues,
  type Credentials,
} from './bearer.js';
import { checkBinding, schemeOf, type BindingPolicy, type Presentation } from './binding.js';
import { resolveDpopOptions, type DpopOptions } from './dpop/options.js';
import { LatchkeyError, isLatchkeyError, rechallenged, withRealm, type ChallengeSchemes } from './errors.js';
import { headerCertificateThumbprint, resolveMtlsOptions, socketCertificateThumbprint, type MtlsOptions } from './mtls.js';
import type { EventSink, LatchkeyEvent, RequestInfo } from './events.js';
import { refuseUnknownKeys } from './internal/strict-options.js';
import { internalsOf, isPromise, refusedEvent } from './internal/verifier-internals.js';
import type { VerifierOptions } from './options.js';
import { authorize, checkRules, type Rule } from './rules.js';
import type { JwtPayload, VerifiedToken } from './types.js';
import { createVerifier, type Verifier } from './verifier.js';

/**
 * What every adapter's `authenticate` accepts. The adapters share this, so `optional`, `getToken`, `realm`
 * and the token locations behave the same in Express, Koa and Fastify.
 */
export interface RequestAuthOptions<Payload extends JwtPayload = JwtPayload, Request = unknown> {
  /**
   * A verifier from `createVerifier` (share one across routes and routers: they then share one JWKS cache),
   * or the options to build one.
   */
  verifier: Verifier<Payload> | VerifierOptions<Payload>;
  /**
   * Let requests without credentials through, with `auth` set to `null`, for routes that serve anonymous
   * and signed-in users alike. A token that is present but bad is still refused. Default `false`.
   */
  optional?: boolean;
  /** Read the token from somewhere else (a cookie, a custom header). Replaces the `Authorization` header. */
  getToken?: (request: Request) => string | undefined | null | Promise<string | undefined | null>;
  /** Also accept `access_token` in the query string (RFC 6750 §2.3). Default `false`: URLs get logged. */
  allowQueryToken?: boolean;
  /** Also accept `access_token` in a form-encoded body (RFC 6750 §2.2). Default `false`. */
  allowBodyToken?: boolean;
  /** The `realm` in `WWW-Authenticate` challenges. Default: none. */
  realm?: string;
  /**
   * Accept DPoP-bound tokens (RFC 9449): `Authorization: DPoP <token>` with one `DPoP` proof header.
   * `{ publicUrl }` is required (the URL a proof names is built from it, never from `Host`). Default: off
   * (`Bearer` only; a DPoP-bound token is refused in every mode when sent as `Bearer`).
   */
  dpop?: DpopOptions;
  /**
   * Accept certificate-bound tokens (RFC 8705 §3: `cnf["x5t#S256"]`), the certificate read from the TLS
   * socket, or `{ certificateHeader }` set by a TLS-terminating proxy. Default: off (such tokens are refused).
   */
  mtls?: boolean | MtlsOptions;
}

/** Every key of {@link RequestAuthOptions}, for adapters that add their own to the unknown-key check. */
export const REQUEST_AUTH_OPTIONS: readonly string[] = Object.freeze(
  Object.keys({
    verifier: true,
    optional: true,
    getToken: true,
    allowQueryToken: true,
    allowBodyToken: true,
    realm: true,
    dpop: true,
    mtls: true,
  } satisfies Record<keyof RequestAuthOptions, true>),
);

/**
 * How the core reads a framework's request: plain functions, written once per adapter (never a closure
 * per request). The core calls them only when it needs them: `method` and `path` for events and DPoP
 * proofs, `query` only with `allowQueryToken`, `body` and `contentType` only with `allowBodyToken`,
 * `socket` only for certificate-bound tokens.
 */
export interface RequestReader<Request> {
  /** Node's `rawHeaders` (name, value, name, …): a repeated `Authorization`, which `headers` hides, is refused. */
  rawHeaders(request: Request): readonly string[];
  method(request: Request): string;
  /** The path without its query string (which may carry a token). */
  path(request: Request): string;
  /** The parsed query string, an object. */
  query?(request: Request): unknown;
  /** The parsed body, an object. */
  body?(request: Request): unknown;
  contentType?(request: Request): string | undefined;
  /** The request's connection (Node's `req.socket`, a `TLSSocket` under HTTPS): where the client certificate is. */
  socket?(request: Request): unknown;
}

/** Per-adapter extras: the names used in error messages, and a per-request event hook (Fastify's `request.log`). */
export interface AdapterSettings<Request> {
  /** How the options object is named in unknown-key errors, e.g. `authenticate() options`. */
  where?: string;
  /** Keys the adapter reads besides {@link REQUEST_AUTH_OPTIONS}. */
  extraOptions?: readonly string[];
  /** Also called with every request event of this authenticator, and the request. Must not throw. */
  onEvent?: (event: LatchkeyEvent, request: Request) => void;
}

/** A guard built for one set of rules: resolves (or returns) when they pass, throws or rejects the mapped error. */
export type RouteGuard<Payload extends JwtPayload, Request> = (auth: VerifiedToken<Payload> | null | undefined, request: Request) => void | Promise<void>;

/** The request-side half of an adapter, built once per middleware (or plugin). */
export interface RequestAuthenticator<Payload extends JwtPayload = JwtPayload, Request = unknown> {
  readonly verifier: Verifier<Payload>;
  /** Whether a request without credentials passes, with `auth` `null`. */
  readonly optional: boolean;
  /** Whether the body is read: Fastify then authenticates after body parsing. */
  readonly readsBody: boolean;
  /**
   * Finds and verifies the request's token. Returns the verified token (synchronously when every step was:
   * no promise on the common path), `null` when the route is optional and no credentials were sent, or a
   * promise of either; throws or rejects with a {@link LatchkeyError} (challenge with the realm).
   */
  authenticate(request: Request): VerifiedToken<Payload> | null | Promise<VerifiedToken<Payload> | null>;
  /** Builds a guard for `rules`, checked now. It applies this authenticator's realm and emits its events. */
  guard(rules: ReadonlyArray<Rule<Payload>>, where?: string): RouteGuard<Payload, Request>;
  /**
   * Enforces rules checked by {@link checkedRules} on `auth`: `undefined` (no authenticate ran) is a plain
   * `Error` (a 500: a wiring bug), `null` (anonymous) a bare 401, a failing rule a 403.
   */
  enforce(rules: CheckedRules<Payload>, auth: VerifiedToken<Payload> | null | undefined, request: Request): void | Promise<void>;
  /** The same authenticator with another `optional` (one verifier, one JWKS cache). */
  withOptional(optional: boolean): RequestAuthenticator<Payload, Request>;
}

/** The error parsing this `Authorization` value gives (a malformed header), or `undefined` when it parses. */
function headerError(authorization: string): unknown {
  try {
    parseBearer(authorization);
    return undefined;
  } catch (error) {
    return error;
  }
}

function isVerifier(value: unknown): value is Verifier<never> {
  return typeof value === 'object' && value !== null && typeof (value as Verifier).verify === 'function';
}

const FORM = /^application\/x-www-form-urlencoded\b/i;

function accessToken(carrier: unknown): unknown {
  return typeof carrier === 'object' && carrier !== null ? (carrier as { access_token?: unknown }).access_token : undefined;
}

function checkBoolean(options: object, name: string): void {
  const value = (options as Record<string, unknown>)[name];
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`latchkey: "${name}" must be a boolean`);
}

/** Builds the request authenticator that an adapter wraps. Validates options at once (start-up). */
export function createRequestAuthenticator<Payload extends JwtPayload = JwtPayload, Request = unknown>(
  options: RequestAuthOptions<Payload, Request>,
  reader: RequestReader<Request>,
  settings: AdapterSettings<Request> = {},
): RequestAuthenticator<Payload, Request> {
  if (typeof options !== 'object' || options === null || options.verifier === undefined) {
    throw new TypeError('latchkey: "verifier" is required (a verifier from createVerifier, or its options)');
  }
  refuseUnknownKeys(options, [...REQUEST_AUTH_OPTIONS, ...(settings.extraOptions ?? [])], settings.where ?? 'authenticate() options');
  for (const name of ['optional', 'allowQueryToken', 'allowBodyToken']) checkBoolean(options, name);
  if (options.getToken !== undefined && typeof options.getToken !== 'function') throw new TypeError('latchkey: "getToken" must be a function');
  if (options.realm !== undefined && typeof options.realm !== 'string') throw new TypeError('latchkey: "realm" must be a string');
  if (options.allowQueryToken === true && reader.query === undefined) throw new TypeError('latchkey: this adapter cannot read the query string');
  if (options.allowBodyToken === true && (reader.body === undefined || reader.contentType === undefined))
    throw new TypeError('latchkey: this adapter cannot read the body');
  const binding: BindingPolicy = { dpop: resolveDpopOptions(options.dpop), mtls: resolveMtlsOptions(options.mtls) };
  if (binding.dpop?.required === true && (options.allowQueryToken === true || options.allowBodyToken === true || options.getToken !== undefined)) {
    throw new TypeError('latchkey: "dpop.mode" "required" takes tokens from the Authorization header only: drop allowQueryToken, allowBodyToken and getToken');
  }
  if (binding.mtls !== undefined && binding.mtls.header === undefined && reader.socket === undefined)
    throw new TypeError('latchkey: this adapter cannot read the TLS socket: set "mtls.certificateHeader"');
  const verifier = isVerifier(options.verifier) ? (options.verifier as Verifier<Payload>) : createVerifier(options.verifier as VerifierOptions<Payload>);
  return build(verifier, options, reader, settings, options.optional === true, binding);
}

function build<Payload extends JwtPayload, Request>(
  verifier: Verifier<Payload>,
  options: RequestAuthOptions<Payload, Request>,
  reader: RequestReader<Request>,
  settings: AdapterSettings<Request>,
  optional: boolean,
  binding: BindingPolicy,
): RequestAuthenticator<Payload, Request> {
  const { getToken, realm } = options;
  const { dpop, mtls } = binding;
  // With DPoP on, every challenge names both schemes (RFC 9449 §7.1), the error in the one the client used.
  const schemes = (used: 'Bearer' | 'DPoP' | undefined): ChallengeSchemes => ({ bearer: dpop?.required !== true, dpopAlgorithms: dpop?.algorithms, used });
  const readsQuery = options.allowQueryToken === true;
  const readsBody = options.allowBodyToken === true;
  const internals = internalsOf<Payload>(verifier);
  // A verifier from elsewhere (a test double, a wrapper) is called through its public verify().
  const check: (token: string) => VerifiedToken<Payload> | Promise<VerifiedToken<Payload>> =
    internals === undefined ? (token) => verifier.verify(token) : internals.check.bind(internals);
  const events = requestSink(internals?.events, settings.onEvent);
  // Decided once: with nobody listening, no clock is read and no request is described.
  const observing = events !== undefined;
  const sink = events!;

  const describe = (request: Request): RequestInfo => ({ method: reader.method(request), path: reader.path(request) });

  /**
   * Emits the refusal and returns the error to throw: with the realm when one is set, and with a challenge
   * per accepted scheme when DPoP is on (`used`: the scheme of the request's credentials).
   */
  function refuse(error: unknown, guard: boolean, request: Request, used?: 'Bearer' | 'DPoP'): unknown {
    if (observing && isLatchkeyError(error)) sink.emit(refusedEvent(error, guard, describe(request)), request);
    if (!isLatchkeyError(error)) return error;
    if (dpop === undefined) return realm !== undefined ? withRealm(error, realm) : error;
    const dpopNonce = error.code === 'ERR_DPOP_NONCE_REQUIRED' ? dpop.nonces?.current() : undefined;
    return rechallenged(error, { realm, challenge: schemes(used), dpopNonce });
  }

  /** {@link refuse} for a failed verification: a header read unparsed gets its own error first, when it has one. */
  function refuseVerification(error: unknown, request: Request, scheme: 'Bearer' | 'DPoP', unparsed: string | undefined): unknown {
    return refuse(unparsed === undefined ? error : (headerError(unparsed) ?? error), false, request, scheme);
  }

  /**
   * The token from the query and form carriers this authenticator reads, and from `authorization` when
   * given (one method only, RFC 6750 §2: a token in two places is refused).
   */
  function carriedToken(request: Request, authorization?: string | string[]): string | undefined {
    return extractToken({
      authorization,
      query: readsQuery ? accessToken(reader.query!(request)) : undefined,
      body: readsBody && FORM.test(reader.contentType!(request) ?? '') ? accessToken(reader.body!(request)) : undefined,
    });
  }

  function extract(request: Request, authorization: string | string[] | undefined): string | undefined {
    if (!readsQuery && !readsBody) return extractBearerToken(authorization);
    return carriedToken(request, authorization);
  }

  /** With DPoP on: the token and its scheme; the proof header is read for `DPoP` only. */
  function extractWithScheme(request: Request): Credentials | undefined {
    const fromHeader = extractCredentials(authorizationHeader(reader.rawHeaders(request)), !dpop!.required);
    if (!readsQuery && !readsBody) return fromHeader;
    const elsewhere = carriedToken(request);
    if (elsewhere === undefined) return fromHeader;
    // RFC 6750 §2: one method only. RFC 9449 tokens travel in the Authorization header alone.
    if (fromHeader !== undefined) throw new LatchkeyError('ERR_BEARER_MALFORMED', 'the token was sent in more than one way');
    return { token: elsewhere, scheme: 'Bearer' };
  }

  /** The request as the binding check reads it: nothing is read until a token needs it. */
  function presentation(request: Request, scheme: 'Bearer' | 'DPoP'): Presentation {
    let proof: string | undefined;
    if (scheme === 'DPoP') {
      const values = rawHeaderValues(reader.rawHeaders(request), 'dpop');
      // RFC 9449 §4.3 step 1: exactly one DPoP header.
      if (Array.isArray(values)) throw new LatchkeyError('ERR_BEARER_MALFORMED', 'more than one DPoP header was sent');
      proof = values;
    }
    return {
      scheme,
      proof,
      method: () => reader.method(request),
      path: () => reader.path(request),
      certificateThumbprint: () => {
        if (mtls === undefined) return undefined;
        if (mtls.header === undefined) return socketCertificateThumbprint(reader.socket!(request));
        return headerCertificateThumbprint(rawHeaderValues(reader.rawHeaders(request), mtls.header));
      },
    };
  }

  /** The verified token once its binding (`cnf`) holds for this request. */
  function bound(result: VerifiedToken<Payload>, request: Request, scheme: 'Bearer' | 'DPoP'): VerifiedToken<Payload> | Promise<VerifiedToken<Payload>> {
    // The common case, a Bearer token without cnf: one own-property read, nothing else.
    if (scheme === 'Bearer' && !Object.hasOwn(result.payload, 'cnf')) return result;
    const pending = checkBinding(result, presentation(request, scheme), binding);
    return pending === undefined ? result : pending.then(() => result);
  }

  /**
   * `unparsed`: the header of a token read by {@link quickBearerToken}, not yet checked as token68. When
   * verification fails, the header's own error (a malformed header) wins over the verifier's, so the
   * answer is the one parsing first would give.
   */
  function verified(
    token: string | undefined,
    request: Request,
    startedMs: number,
    scheme: 'Bearer' | 'DPoP' = 'Bearer',
    unparsed?: string,
  ): VerifiedToken<Payload> | null | Promise<VerifiedToken<Payload> | null> {
    if (token === undefined) {
      if (optional) return null;
      throw refuse(missingCredentials(), false, request);
    }
    let outcome: VerifiedToken<Payload> | Promise<VerifiedToken<Payload>>;
    try {
      // The token first, the proof after: a cached token still needs a fresh, unreplayed proof.
      outcome = check(token);
      outcome = isPromise(outcome) ? outcome.then((result) => bound(result, request, scheme)) : bound(outcome, request, scheme);
    } catch (error) {
      throw refuseVerification(error, request, scheme, unparsed);
    }
    if (isPromise(outcome)) {
      // Without a realm, a listener or DPoP there is nothing to add: the verifier's own promise is returned.
      if (!observing && realm === undefined && dpop === undefined && unparsed === undefined) return outcome;
      return outcome.then(
        (result) => {
          if (observing) sink.emitVerified(startedMs, describe(request), request);
          return result;
        },
        (error: unknown) => {
          throw refuseVerification(error, request, scheme, unparsed);
        },
      );
    }
    if (observing) sink.emitVerified(startedMs, describe(request), request);
    return outcome;
  }

  function fromGetter(request: Request, startedMs: number): Promise<VerifiedToken<Payload> | null> {
    return Promise.resolve(getToken!(request)).then(
      (got) => {
        if (got !== undefined && got !== null && typeof got !== 'string')
          throw refuse(new LatchkeyError('ERR_BEARER_MALFORMED', 'the token is malformed'), false, request);
        return verified(got === null || got === '' ? undefined : got, request, startedMs);
      },
      (error: unknown) => {
        throw refuse(error, false, request);
      },
    );
  }

  function authenticate(request: Request): VerifiedToken<Payload> | null | Promise<VerifiedToken<Payload> | null> {
    const startedMs = observing ? performance.now() : 0;
    if (getToken !== undefined) return fromGetter(request, startedMs);
    if (dpop !== undefined) return authenticateWithScheme(request, startedMs);
    const authorization = authorizationHeader(reader.rawHeaders(request));
    // The common request: `Bearer <token>` and no other carrier, verified before its header is parsed.
    const quick = readsQuery || readsBody ? undefined : quickBearerToken(authorization);
    if (quick !== undefined) return verified(quick, request, startedMs, 'Bearer', authorization as string);
    let token: string | undefined;
    try {
      token = extract(request, authorization);
    } catch (error) {
      throw refuse(error, false, request);
    }
    return verified(token, request, startedMs);
  }

  function authenticateWithScheme(request: Request, startedMs: number): VerifiedToken<Payload> | null | Promise<VerifiedToken<Payload> | null> {
    let credentials: Credentials | undefined;
    try {
      credentials = extractWithScheme(request);
    } catch (error) {
      throw refuse(error, false, request);
    }
    return verified(credentials?.token, request, startedMs, credentials?.scheme);
  }

  function enforce(rules: CheckedRules<Payload>, auth: VerifiedToken<Payload> | null | undefined, request: Request): void | Promise<void> {
    if (auth === undefined) throw notAuthenticated();
    try {
      const pending = authorize(auth, rules);
      if (pending === undefined) return;
      return pending.then(undefined, (error: unknown) => {
        throw refuse(error, true, request, schemeOf(auth));
      });
    } catch (error) {
      throw refuse(error, true, request, schemeOf(auth));
    }
  }

  function guard(rules: ReadonlyArray<Rule<Payload>>, where = 'guard()'): RouteGuard<Payload, Request> {
    const checked = checkedRules(rules, where);
    return (auth, request) => enforce(checked, auth, request);
  }

  const authenticator: RequestAuthenticator<Payload, Request> = Object.freeze({
    verifier,
    optional,
    readsBody,
    authenticate,
    guard,
    enforce,
    withOptional: (other: boolean) => (other === optional ? authenticator : build(verifier, options, reader, settings, other, binding)),
  });
  return authenticator;
}

declare const CHECKED: unique symbol;
/** Rules that passed {@link checkRules}, frozen: what {@link RequestAuthenticator.enforce} takes. */
export type CheckedRules<Payload extends JwtPayload> = ReadonlyArray<Rule<Payload>> & { readonly [CHECKED]: true };

/** Checks `rules` (at least one) once, at start-up, and freezes a copy. `where` prefixes the `TypeError`. */
export function checkedRules<Payload extends JwtPayload>(rules: ReadonlyArray<Rule<Payload>>, where: string): CheckedRules<Payload> {
  checkRules(rules, where, { nonEmpty: true });
  return Object.freeze([...rules]) as unknown as CheckedRules<Payload>;
}

/** The error of a guard that ran where no `authenticate` did: a server bug, never a client's, so not a 401. */
export function notAuthenticated(): Error {
  return new Error('latchkey: a guard ran on a request that no authenticate() handled (register authenticate first)');
}

interface RequestSink<Request> {
  emit(event: LatchkeyEvent, request: Request): void;
  emitVerified(startedMs: number, info: RequestInfo, request: Request): void;
}

/** The verifier's sink and the adapter's hook as one, or `undefined` when neither listens. */
function requestSink<Request>(verifierSink: EventSink | undefined, hook: AdapterSettings<Request>['onEvent']): RequestSink<Request> | undefined {
  const sink = verifierSink?.active === true ? verifierSink : undefined;
  if (sink === undefined && hook === undefined) return undefined;
  let warned = false;
  const emit = (event: LatchkeyEvent, request: Request): void => {
    sink?.emit(event);
    if (hook === undefined) return;
    try {
      hook(event, request);
    } catch (error) {
      // Like the verifier's sink: a logging hook must never break a request.
      if (!warned) {
        warned = true;
        console.error('[latchkey] an adapter event hook threw; further errors from it are ignored', error);
      }
    }
  };
  return {
    emit,
    emitVerified: (startedMs, info, request) => emit({ type: 'token-verified', durationMs: performance.now() - startedMs, request: info }, request),
  };
}
