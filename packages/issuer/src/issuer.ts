/** `createIssuer`: the issuer object that routes neutral requests to the flows and exposes its admin API. */
import { CookieDelivery, type CookieRoute, type Presented } from './cookies/delivery.js';
import { claimCheck, createVerifier, type JwtPayload, type Verifier } from '@latchkey/core';
import { eventSink, refuseUnknownKeys } from '@latchkey/core/adapter';
import type { IssuerEvent } from './events.js';
import { Flows, type TokenPair } from './flows.js';
import { json, methodNotAllowed, serverError, serviceUnavailable } from './http/responses.js';
import type { IssuerRequest, IssuerResponse } from './http/types.js';
import { LoginLimiter } from './limits/login-limiter.js';
import { openApiDocument } from './openapi.js';
import type { PublishedJwk } from './keys.js';
import { generateDevelopmentKey } from './keyring/development.js';
import { KeyRing, type KeyStatus } from './keyring/ring.js';
import { resolveIssuerOptions, type IssuerOptions, type IssuerPaths, type ResolvedIssuerOptions } from './options.js';
import { memoryStore } from './store/memory.js';
import { SessionRoutes } from './http/session-routes.js';
import { CachedRevocationCheck, type RevocationCheck, type RevocationCheckOptions } from './revocation.js';
import { WeakCollection } from './internal/weak-collection.js';
import type { SessionInfo } from './sessions.js';
import type { IssuerStore } from './store/types.js';
import { ACCESS_TOKEN_TYP, TokenCodec } from './tokens.js';

/** Options of {@link Issuer.verifier}. */
export interface InProcessVerifierOptions {
  /**
   * Also refuse revoked tokens (denylisted id; session revoked, over, or logged out everywhere), through
   * {@link Issuer.revocationCheck}: `true` for its defaults, or its options. Default `false`.
   */
  checkRevocation?: boolean | RevocationCheckOptions;
}

/** The issuer: framework-neutral handlers, built once at start-up. */
export interface Issuer<User = unknown> {
  /** The paths served (after defaults). */
  readonly paths: Readonly<IssuerPaths>;
  /** The store in use (`undefined` when stateless: `store: null`). */
  readonly store: IssuerStore | undefined;
  /** Largest body the mounts read, in bytes. */
  readonly maxBodyBytes: number;
  /**
   * Answers a request for one of {@link paths}, or resolves `undefined` when the path is not the
   * issuer's (the mount passes it on). Never rejects: unexpected failures become a 500 and an event.
   */
  handle(request: IssuerRequest): Promise<IssuerResponse | undefined>;
  /** True when `path` (without query) is one of the issuer's. */
  owns(path: string): boolean;
  /** The public keys as a JWK Set (RFC 7517 §5), now: next, active and retiring keys. Empty for HMAC: secrets are never published. */
  jwks(): { keys: PublishedJwk[] };
  /** Every key of the ring with its state now (`next`, `active`, `retiring`, `retired`) and times: public data only. */
  keyStates(): KeyStatus[];
  /**
   * An in-process `@latchkey/core` verifier for the issuer's access tokens (`typ: at+jwt`, access — or
   * sliding, in sliding mode — `token_type`): an API in the same process needs no HTTP to check them.
   */
  verifier<Payload extends JwtPayload = JwtPayload>(options?: InProcessVerifierOptions): Verifier<Payload>;
  /**
   * The OpenAPI 3.1 document of the endpoints as this issuer serves them (its paths, token style, cookie
   * mode, limits). For the defaults it equals the shipped `@latchkey/issuer/openapi.json`.
   */
  openapi(): Record<string, unknown>;
  /** A pair for `user`, without credentials (simplejwt's `RefreshToken.for_user`): the caller vouches for the user. */
  issueTokens(user: User): Promise<TokenPair>;
  /**
   * An `isRevoked` for `@latchkey/core`'s `createVerifier`, with a bounded local cache: refuses access tokens
   * whose `jti` is denylisted or whose session (`sub` + `fam`) is revoked, over, or from before the user's
   * revocation epoch. This issuer's own revocations reach it at once; for many instances use
   * `@latchkey/redis`'s `redisRevocationCheck`.
   */
  revocationCheck(options?: RevocationCheckOptions): RevocationCheck;
  /** Logout everywhere for a user (e.g. after a password change): every session until now. Resolves how many live sessions were marked. */
  revokeUser(userId: string): Promise<number>;
  /** A user's live sessions, newest first (created, last used, user agent, client address). */
  listSessions(userId: string): Promise<SessionInfo[]>;
  /** Revokes one session of a user; `false` when the user has no such session. Idempotent. */
  revokeSession(userId: string, sessionId: string): Promise<boolean>;
  /** Denylists one access token (its verified payload) until its `exp`, leaving its session alive. */
  denyAccessToken(payload: JwtPayload): Promise<void>;
}

const TOKEN_ROUTES = ['obtain', 'refresh', 'verify', 'blacklist'] as const;
const SESSION_ROUTES = ['sessions', 'sessionRevoke', 'logoutAll'] as const;
const COOKIE_ROUTES: ReadonlySet<string> = new Set<CookieRoute>(['obtain', 'refresh', 'blacklist']);
const isCookieRoute = (name: string): name is CookieRoute => COOKIE_ROUTES.has(name);
const POST_ALLOW = 'POST, OPTIONS';
const JWKS_ALLOW = 'GET, HEAD, OPTIONS';

/**
 * Builds the issuer. Options are validated and keys prepared now: a misconfiguration throws a `TypeError`
 * naming the option, at start-up, never per request.
 *
 * @example
 * const issuer = createIssuer({ signingKey: process.env.JWT_SECRET!, users, rotateRefreshTokens: true });
 * app.use(issuerRoutes(issuer)); // from '@latchkey/issuer/express'
 */
export function createIssuer<User = unknown>(options: IssuerOptions<User>): Issuer<User> {
  const settings = resolveIssuerOptions(options);
  const ring = signingRing(options, settings);
  const explicitStore = options.store as IssuerStore | null | undefined;
  const store = explicitStore === null ? undefined : (explicitStore ?? memoryStore());
  if (store === undefined) {
    // simplejwt answers 200 and blacklists nothing without its blacklist app; here that is a start-up error.
    if (settings.paths.blacklist !== false)
      throw new TypeError('createIssuer: "store" is null, so nothing can be blacklisted: set paths.blacklist to false, or give a store');
    if (settings.rotateRefreshTokens) throw new TypeError('createIssuer: "rotateRefreshTokens" needs a store (reuse detection keeps families in it)');
    for (const name of SESSION_ROUTES)
      if (settings.paths[name] !== false) throw new TypeError(`createIssuer: "paths.${name}" needs a store (sessions live in it)`);
  } else if (typeof store.rotate !== 'function' || typeof store.getFamily !== 'function' || typeof store.revokeFamily !== 'function') {
    throw new TypeError(
      'createIssuer: "store" must implement the IssuerStore interface (createFamily, getFamily, rotate, touch, revokeFamily, denyToken, isTokenDenied)',
    );
  }
  const sink = eventSink<IssuerEvent>(options.onEvent, 'latchkey/issuer');
  const emit = (event: IssuerEvent): void => sink.emit(event);
  const codec = new TokenCodec({
    ring,
    issuer: settings.issuer,
    audience: settings.audience,
    leewaySeconds: settings.leewaySeconds,
    tokenTypeClaim: settings.tokenTypeClaim,
    jtiClaim: settings.jtiClaim,
  });
  const revocationChecks = new WeakCollection<CachedRevocationCheck>();
  const flows = new Flows<User>({
    revocationChecks,
    settings,
    codec,
    store,
    users: options.users,
    claims: options.claims,
    onLoginSuccess: options.onLoginSuccess,
    onLoginFailure: options.onLoginFailure,
    emit,
    limiter: settings.loginLimits === undefined ? undefined : new LoginLimiter(settings.loginLimits),
  });
  const sliding = settings.tokenStyle === 'sliding';
  const handlers: Record<(typeof TOKEN_ROUTES)[number], (request: IssuerRequest, presented: Presented) => Promise<IssuerResponse>> = {
    obtain: (request) => flows.obtain(request),
    refresh: (request, presented) => (sliding ? flows.refreshSliding(request) : flows.refresh(request, presented.token)),
    verify: (request) => flows.verify(request),
    blacklist: (request, presented) => flows.blacklist(request, presented.token),
  };
  const cookies =
    settings.refreshCookie === undefined
      ? undefined
      : new CookieDelivery(settings.refreshCookie, settings.realm, settings.refreshTokenLifetimeSeconds, (path, reason) =>
          emit({ type: 'csrf.refused', path, reason }),
        );
  const routes = new Map<
    string,
    { name: (typeof TOKEN_ROUTES)[number] | (typeof SESSION_ROUTES)[number]; run: (request: IssuerRequest) => Promise<IssuerResponse> }
  >();
  for (const name of TOKEN_ROUTES) {
    const path = settings.paths[name];
    if (path === false) continue;
    const handler = handlers[name];
    const cookieRoute = cookies !== undefined && isCookieRoute(name) ? name : undefined;
    routes.set(path, {
      name,
      run:
        cookieRoute === undefined
          ? (request) => handler(request, {})
          : (request) => cookies!.run(cookieRoute, request, (presented) => handler(request, presented)),
    });
  }
  // The opt-in session routes: GET for the list, POST for the rest, each behind an access token.
  const sessionMethods = new Map<string, { allow: string; method: string }>();
  const accessKind = sliding ? 'sliding' : 'access';
  function revocationCheck(checkOptions?: RevocationCheckOptions): RevocationCheck {
    if (store === undefined) throw new TypeError('revocationCheck: the issuer has no store ("store: null"), so nothing is ever revoked');
    const check = new CachedRevocationCheck(store, settings.jtiClaim, checkOptions);
    revocationChecks.add(check);
    return check;
  }
  function verifier<Payload extends JwtPayload = JwtPayload>(verifierOptions: InProcessVerifierOptions = {}): Verifier<Payload> {
    // A misspelt "checkRevocation" would otherwise build a verifier that accepts revoked tokens.
    if (typeof verifierOptions !== 'object' || verifierOptions === null) throw new TypeError('issuer.verifier: options must be an object');
    refuseUnknownKeys(verifierOptions, ['checkRevocation'], 'issuer.verifier options');
    const checkRevocation = verifierOptions.checkRevocation;
    const check = checkRevocation === undefined || checkRevocation === false ? undefined : revocationCheck(checkRevocation === true ? {} : checkRevocation);
    return createVerifier<Payload>({
      keys: ring.keySource,
      algorithms: ring.algorithms,
      issuer: settings.issuer ?? null,
      audience: settings.audience ?? null,
      typ: ACCESS_TOKEN_TYP,
      clockToleranceSeconds: settings.leewaySeconds,
      maxCandidateKeys: Math.max(3, ring.size),
      // simplejwt's order: id, then type, then the user (so the simplejwt error profile names the same failure).
      requiredClaims: [settings.jtiClaim, settings.tokenTypeClaim, 'sub'],
      // The header says at+jwt; the claim must agree (a sliding token is not an access token in pair mode).
      rules: [
        claimCheck<Payload>((payload) => payload[settings.tokenTypeClaim] === accessKind, `the token is not an ${accessKind} token`, settings.tokenTypeClaim),
      ],
      isRevoked: check === undefined ? undefined : (payload) => check.isRevoked(payload),
    });
  }
  if (SESSION_ROUTES.some((name) => settings.paths[name] !== false)) {
    const sessionRoutes = new SessionRoutes(flows, verifier({ checkRevocation: true }), settings.realm, settings.dpopOptions);
    const sessionHandlers = { sessions: sessionRoutes.list, sessionRevoke: sessionRoutes.revoke, logoutAll: sessionRoutes.logoutAll };
    for (const name of SESSION_ROUTES) {
      const path = settings.paths[name];
      if (path === false) continue;
      routes.set(path, { name, run: (request) => sessionHandlers[name].call(sessionRoutes, request) });
      sessionMethods.set(path, name === 'sessions' ? { allow: 'GET, OPTIONS', method: 'GET' } : { allow: POST_ALLOW, method: 'POST' });
    }
  }
  const jwksPath = ring.symmetric ? false : settings.paths.jwks;
  // The body changes only when a key changes state: serialised once per ring view.
  let jwksBody = { view: undefined as unknown, body: '' };
  function currentJwks(): string {
    const view = ring.viewAt(Date.now());
    if (jwksBody.view !== view) jwksBody = { view, body: JSON.stringify({ keys: view.published }) };
    return jwksBody.body;
  }

  function jwksResponse(method: string): IssuerResponse {
    if (method === 'OPTIONS') return { status: 200, headers: { allow: JWKS_ALLOW }, body: '' };
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(method, JWKS_ALLOW);
    return {
      status: 200,
      headers: { 'content-type': 'application/jwk-set+json', 'cache-control': `public, max-age=${settings.jwksMaxAgeSeconds}` },
      body: method === 'HEAD' ? '' : currentJwks(),
    };
  }

  async function handle(request: IssuerRequest): Promise<IssuerResponse | undefined> {
    const method = request.method.toUpperCase();
    if (jwksPath !== false && request.path === jwksPath) return jwksResponse(method);
    const route = routes.get(request.path);
    if (route === undefined) return undefined;
    const { allow, method: expected } = sessionMethods.get(request.path) ?? { allow: POST_ALLOW, method: 'POST' };
    // Only the cookie routes answer a CORS preflight: the session routes send no CORS headers, so a preflight
    // they passed would let a page send a request whose answer it could not read.
    if (method === 'OPTIONS' && cookies !== undefined && isCookieRoute(route.name)) {
      const answer = cookies.preflight(request);
      if (answer !== undefined) return answer;
    }
    if (method === 'OPTIONS')
      return json(200, { name: request.path, renders: ['application/json'], parses: ['application/json', 'application/x-www-form-urlencoded'] }, { allow });
    if (method !== expected) return methodNotAllowed(method, allow);
    try {
      return await route.run(request);
    } catch (error) {
      emit({ type: 'request.failed', path: request.path, error });
      // Whatever says it is a 503 — a store that could not be reached (it wrote nothing), a full denylist or
      // epoch table (fail closed), core's full DPoP replay store — is one, with its Retry-After: the client may retry.
      const retryAfter = retryAfterOf503(error);
      return retryAfter === undefined ? serverError() : serviceUnavailable(retryAfter);
    }
  }

  return {
    paths: Object.freeze({ ...settings.paths, jwks: jwksPath }),
    store,
    maxBodyBytes: settings.maxBodyBytes,
    handle,
    owns: (path) => routes.has(path) || (jwksPath !== false && path === jwksPath),
    jwks: () => JSON.parse(currentJwks()) as { keys: PublishedJwk[] },
    keyStates: () => ring.statusAt(Date.now()),
    openapi: () =>
      openApiDocument({
        paths: settings.paths,
        tokenStyle: settings.tokenStyle,
        usernameField: settings.usernameField,
        refreshCookie:
          settings.refreshCookie === undefined ? undefined : { name: settings.refreshCookie.name, csrfHeader: settings.refreshCookie.csrfHeaderDisplay },
        loginLimits: settings.loginLimits !== undefined,
        jwks: jwksPath !== false,
      }),
    issueTokens: (user) => flows.issuePair(user),
    verifier,
    revocationCheck,
    revokeUser: (userId) => flows.revokeUser(needsStore(userId, 'revokeUser')),
    listSessions: (userId) => flows.listSessions(needsStore(userId, 'listSessions')),
    revokeSession: (userId, sessionId) => flows.revokeSession(needsStore(userId, 'revokeSession'), sessionId),
    denyAccessToken: (payload) => flows.denyAccessToken(payload),
  };

  function needsStore(userId: string, what: string): string {
    if (store === undefined) throw new TypeError(`${what}: the issuer has no store ("store: null")`);
    if (typeof userId !== 'string' || userId === '') throw new TypeError(`${what}: the user id must be a non-empty string (the tokens' "sub")`);
    return userId;
  }
}

/** The ring from whichever key option was given (exactly one is: checked by the options). */
function signingRing<User>(options: IssuerOptions<User>, settings: ResolvedIssuerOptions<User>): KeyRing {
  if (options.keyRing !== undefined) {
    const ring = KeyRing.fromOptions(options.keyRing, settings.algorithm, settings.maxTokenLifetimeSeconds);
    warnOfEarlyActivation(ring, settings.jwksMaxAgeSeconds);
    return ring;
  }
  if (options.developmentKeys === true) return KeyRing.single(settings.algorithm, generateDevelopmentKey(settings.algorithm));
  return KeyRing.single(settings.algorithm, options.signingKey!);
}

/**
 * A resource server may serve the JWKS it fetched up to `max-age` ago: a next key that activates sooner than
 * that after this instance started may be unknown to it (a refetch on the unknown `kid` usually saves the
 * day, a shared cache in front of the JWKS does not). Said once, at start-up.
 */
function warnOfEarlyActivation(ring: KeyRing, jwksMaxAgeSeconds: number): void {
  const now = Date.now();
  for (const status of ring.statusAt(now)) {
    if (status.state === 'next' && Date.parse(status.activateAt) - now < jwksMaxAgeSeconds * 1000) {
      process.emitWarning(
        `@latchkey/issuer: key ${status.kid ?? '(HMAC)'} activates at ${status.activateAt}, less than the JWKS max-age (${jwksMaxAgeSeconds} s) from now; ` +
          'resource servers that cached the JWKS before it was published may not know it yet. Publish next keys at least that long before they sign.',
        { code: 'LATCHKEY_KEY_ACTIVATES_SOON' },
      );
    }
  }
}

/** For an error that carries status 503 (and maybe a `retry-after` header, in seconds): the seconds to wait (default 1). */
function retryAfterOf503(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || (error as { status?: unknown }).status !== 503) return undefined;
  const header = (error as { headers?: Record<string, unknown> }).headers?.['retry-after'];
  const seconds = typeof header === 'string' && /^\d{1,6}$/.test(header) ? Number(header) : 1;
  return Math.max(1, seconds);
}
