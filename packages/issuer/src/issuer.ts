import { claimCheck, createVerifier, type JwtPayload, type Verifier } from '@latchkey/core';
import { issuerEventSink } from './events.js';
import { Flows, type TokenPair } from './flows.js';
import { json, methodNotAllowed, serverError, serviceUnavailable } from './http/responses.js';
import type { IssuerRequest, IssuerResponse } from './http/types.js';
import type { PublishedJwk } from './keys.js';
import { generateDevelopmentKey } from './keyring/development.js';
import { KeyRing, type KeyStatus } from './keyring/ring.js';
import { resolveIssuerOptions, type IssuerOptions, type IssuerPaths, type ResolvedIssuerOptions } from './options.js';
import { memoryStore } from './store/memory.js';
import { isStoreUnavailableError } from './store/errors.js';
import type { IssuerStore } from './store/types.js';
import { ACCESS_TOKEN_TYP, TokenCodec } from './tokens.js';

/** Options of {@link Issuer.verifier}. */
export interface InProcessVerifierOptions {
  /** Also refuse tokens whose family was revoked or whose id is denylisted (one store read per request). Default `false`. */
  checkRevocation?: boolean;
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
  /** A pair for `user`, without credentials (simplejwt's `RefreshToken.for_user`): the caller vouches for the user. */
  issueTokens(user: User): Promise<TokenPair>;
}

const TOKEN_ROUTES = ['obtain', 'refresh', 'verify', 'blacklist'] as const;
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
    if (settings.paths.blacklist !== false) throw new TypeError('createIssuer: "store" is null, so nothing can be blacklisted: set paths.blacklist to false, or give a store');
    if (settings.rotateRefreshTokens) throw new TypeError('createIssuer: "rotateRefreshTokens" needs a store (reuse detection keeps families in it)');
  } else if (typeof store.rotate !== 'function' || typeof store.getFamily !== 'function' || typeof store.revokeFamily !== 'function') {
    throw new TypeError('createIssuer: "store" must implement the IssuerStore interface (createFamily, getFamily, rotate, touch, revokeFamily, denyToken, isTokenDenied)');
  }
  const emit = issuerEventSink(options.onEvent);
  const codec = new TokenCodec({
    ring,
    issuer: settings.issuer,
    audience: settings.audience,
    leewaySeconds: settings.leewaySeconds,
    tokenTypeClaim: settings.tokenTypeClaim,
    jtiClaim: settings.jtiClaim,
  });
  const flows = new Flows<User>({
    settings,
    codec,
    store,
    users: options.users,
    claims: options.claims,
    onLoginSuccess: options.onLoginSuccess,
    onLoginFailure: options.onLoginFailure,
    emit,
  });
  const sliding = settings.tokenStyle === 'sliding';
  const handlers: Record<(typeof TOKEN_ROUTES)[number], (request: IssuerRequest) => Promise<IssuerResponse>> = {
    obtain: (request) => flows.obtain(request),
    refresh: (request) => (sliding ? flows.refreshSliding(request) : flows.refresh(request)),
    verify: (request) => flows.verify(request),
    blacklist: (request) => flows.blacklist(request),
  };
  const routes = new Map<string, (request: IssuerRequest) => Promise<IssuerResponse>>();
  for (const name of TOKEN_ROUTES) {
    const path = settings.paths[name];
    if (path !== false) routes.set(path, handlers[name]);
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
    if (method === 'OPTIONS') return json(200, { name: request.path, renders: ['application/json'], parses: ['application/json', 'application/x-www-form-urlencoded'] }, { allow: POST_ALLOW });
    if (method !== 'POST') return methodNotAllowed(method, POST_ALLOW);
    try {
      return await route(request);
    } catch (error) {
      emit({ type: 'request.failed', path: request.path, error });
      // A store that could not be reached wrote nothing (atomic scripts): the client may simply retry.
      if (isStoreUnavailableError(error)) return serviceUnavailable(error.retryAfterSeconds);
      return serverError();
    }
  }

  const accessKind = sliding ? 'sliding' : 'access';
  return {
    paths: Object.freeze({ ...settings.paths, jwks: jwksPath }),
    store,
    maxBodyBytes: settings.maxBodyBytes,
    handle,
    owns: (path) => routes.has(path) || (jwksPath !== false && path === jwksPath),
    jwks: () => JSON.parse(currentJwks()) as { keys: PublishedJwk[] },
    keyStates: () => ring.statusAt(Date.now()),
    issueTokens: (user) => flows.issuePair(user),
    verifier<Payload extends JwtPayload = JwtPayload>(verifierOptions: InProcessVerifierOptions = {}): Verifier<Payload> {
      const checkRevocation = verifierOptions.checkRevocation === true;
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
        rules: [claimCheck<Payload>((payload) => payload[settings.tokenTypeClaim] === accessKind, `the token is not an ${accessKind} token`, settings.tokenTypeClaim)],
        isRevoked: checkRevocation ? (payload) => flows.isRevoked(payload) : undefined,
      });
    },
  };
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
