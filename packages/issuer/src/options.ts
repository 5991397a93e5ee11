/** `createIssuer`'s options: their defaults (simplejwt's), the documented option types, and their checking. */
import type { IssuerEventHandler } from './events.js';
import { resolveLoginLimits, type LoginLimitsOptions, type ResolvedLoginLimits } from './limits/options.js';
import { resolveRefreshCookie, type RefreshCookieOptions, type ResolvedRefreshCookie } from './cookies/options.js';
import { createDpopProofChecker, refuseUnknownKeys, type DpopProofChecker } from '@latchkey/core/adapter';
import type { DpopOptions } from '@latchkey/core';
import { SIGNING_ALGORITHMS, type SigningAlgorithm, type SigningKeyInput } from './keys.js';
import type { KeyRingOptions } from './keyring/ring.js';
import type { IssuerStore } from './store/types.js';
import type { IssuerRequestInfo, UserSource } from './users/types.js';

/** simplejwt's `ACCESS_TOKEN_LIFETIME`: 5 minutes. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 300;
/** simplejwt's `REFRESH_TOKEN_LIFETIME`: 1 day. */
export const DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS = 86_400;
/** simplejwt's `SLIDING_TOKEN_LIFETIME`: 5 minutes. */
export const DEFAULT_SLIDING_TOKEN_LIFETIME_SECONDS = 300;
/** simplejwt's `SLIDING_TOKEN_REFRESH_LIFETIME`: 1 day. */
export const DEFAULT_SLIDING_TOKEN_REFRESH_LIFETIME_SECONDS = 86_400;
/** Largest accepted request body: 16 KiB (a login or a refresh token needs well under 2 KiB). */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
/** `Cache-Control: max-age` of the JWKS: 5 minutes. */
export const DEFAULT_JWKS_MAX_AGE_SECONDS = 300;
/** simplejwt's defaults for the routes (`docs/getting_started.rst`) and the usual JWKS location. */
export const DEFAULT_PATHS: Readonly<IssuerPaths> = Object.freeze({
  obtain: '/api/token/',
  refresh: '/api/token/refresh/',
  verify: '/api/token/verify/',
  blacklist: '/api/token/blacklist/',
  jwks: '/.well-known/jwks.json',
  sessions: false,
  sessionRevoke: false,
  logoutAll: false,
});

/**
 * Suggested paths of the opt-in session routes, authenticated by the access token:
 * `paths: { ...SESSION_PATHS }` turns all three on.
 */
export const SESSION_PATHS: Readonly<Pick<IssuerPaths, 'sessions' | 'sessionRevoke' | 'logoutAll'>> = Object.freeze({
  sessions: '/api/token/sessions/',
  sessionRevoke: '/api/token/sessions/revoke/',
  logoutAll: '/api/token/logout-all/',
});

/** Where the endpoints are served. `false` leaves one out. */
export interface IssuerPaths {
  obtain: string;
  refresh: string;
  verify: string | false;
  blacklist: string | false;
  jwks: string | false;
  /** `GET`: the caller's live sessions (access token in `Authorization`). Default `false` (off). */
  sessions: string | false;
  /** `POST {"session"}`: revoke one of the caller's sessions. Default `false` (off). */
  sessionRevoke: string | false;
  /** `POST`: log the caller out everywhere (every session until now). Default `false` (off). */
  logoutAll: string | false;
}

/** Options of `createIssuer`. The simplejwt setting each replaces is named in its TSDoc (and the README). */
export interface IssuerOptions<User = unknown> {
  /**
   * `SIGNING_KEY`: the HMAC secret, or the private key (PEM, JWK, `KeyObject`) for RS/PS/ES/EdDSA: one key
   * that never rotates. Exactly one of `signingKey`, `keyRing` and `developmentKeys` is required.
   */
  signingKey?: SigningKeyInput;
  /**
   * Keys with activation times, the same data on every instance (see `keyRingFromFile`): the active key
   * signs, next keys are published before they sign, retiring keys verify until every token they signed
   * has expired. HMAC secrets rotate the same way (the newest active one signs, all of them verify).
   */
  keyRing?: KeyRingOptions;
  /**
   * Generate a throw-away key for `algorithm` at start-up, with a process warning: for demos and tests only
   * (tokens die with the process, instances refuse each other's). Default `false`: without a key the
   * issuer refuses to start.
   */
  developmentKeys?: boolean;
  /** `ALGORITHM`. Default `'HS256'`. Must fit the key's type; the default of ring keys that name none. */
  algorithm?: SigningAlgorithm;
  /** The application's users (Django's user model and `authenticate()`). Required. */
  users: UserSource<User>;
  /** The blacklist app's tables: families, rotation, denylist. Default: a bounded `memoryStore()`; `null`: stateless (no blacklist, no rotation). */
  store?: IssuerStore | null;
  /** `ACCESS_TOKEN_LIFETIME`, in seconds. Default {@link DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS} (300). */
  accessTokenLifetimeSeconds?: number;
  /** `REFRESH_TOKEN_LIFETIME`, in seconds. Default {@link DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS} (86,400). */
  refreshTokenLifetimeSeconds?: number;
  /** `SLIDING_TOKEN_LIFETIME`, in seconds. Default {@link DEFAULT_SLIDING_TOKEN_LIFETIME_SECONDS} (300). */
  slidingTokenLifetimeSeconds?: number;
  /**
   * Absolute session lifetime from login, in seconds: refreshes stop working this long after the login,
   * however often the refresh token was rotated (rotation never extends it). Default: none (only
   * `refreshTokenLifetimeSeconds` bounds a session, and rotation renews that).
   */
  sessionLifetimeSeconds?: number;
  /** Idle timeout, in seconds: a refresh after a longer pause since the last use is refused. Default: none. */
  idleTimeoutSeconds?: number;
  /** `SLIDING_TOKEN_REFRESH_LIFETIME`, in seconds. Default {@link DEFAULT_SLIDING_TOKEN_REFRESH_LIFETIME_SECONDS} (86,400). */
  slidingTokenRefreshLifetimeSeconds?: number;
  /**
   * `ROTATE_REFRESH_TOKENS`: refresh also returns a new refresh token, and the presented one is spent
   * (one compare-and-swap); presenting a spent one revokes its family. Default `false`, as simplejwt.
   */
  rotateRefreshTokens?: boolean;
  /**
   * Seconds during which a just-rotated refresh token may be presented again and gets the *same* successor
   * (two tabs, a lost response) instead of revoking the family. Default 0 (off).
   */
  reuseGraceSeconds?: number;
  /** `AUDIENCE`: written as `aud` and then required. Default: none. */
  audience?: string | readonly string[];
  /** `ISSUER`: written as `iss` and then required. Default: none. */
  issuer?: string;
  /** `LEEWAY`, in seconds, for `exp`, `nbf` and `iat`. Default 0. */
  leewaySeconds?: number;
  /** `USER_ID_FIELD`: the user property written into tokens (stringified). Default `'id'`. */
  userIdField?: string;
  /** `USER_ID_CLAIM`: the claim holding the user id, beside the standard `sub`. Default `'user_id'`. */
  userIdClaim?: string;
  /** The user model's `USERNAME_FIELD`: the login body's name field. Default `'username'`. */
  usernameField?: string;
  /** `TOKEN_TYPE_CLAIM`. Default `'token_type'`. */
  tokenTypeClaim?: string;
  /** `JTI_CLAIM`. Default `'jti'`. */
  jtiClaim?: string;
  /** `SLIDING_TOKEN_REFRESH_EXP_CLAIM`. Default `'refresh_exp'`. */
  slidingTokenRefreshExpClaim?: string;
  /**
   * Extra claims for a user (a `get_token()` override), computed at login **and at every refresh**, so
   * they are never stale. Registered claims (`sub`, `exp`, `jti`…) cannot be overridden. Default none.
   */
  claims?: (user: User) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** `CHECK_USER_IS_ACTIVE`: refuse users whose `isActive` (or `is_active`) is `false`. Default `true`. */
  checkUserIsActive?: boolean;
  /** `USER_AUTHENTICATION_RULE`: whether a user may have tokens. Default: not null, and active when checked. */
  userAuthenticationRule?: (user: User | null | undefined) => boolean;
  /** `ON_LOGIN_SUCCESS`, called after every successful login (simplejwt: only with `UPDATE_LAST_LOGIN`). Errors are reported, not thrown. */
  onLoginSuccess?: (user: User, request: IssuerRequestInfo) => void | Promise<void>;
  /** `ON_LOGIN_FAILED`, with the password masked. Errors are reported, not thrown. */
  onLoginFailure?: (credentials: Readonly<Record<string, string>>, request: IssuerRequestInfo) => void | Promise<void>;
  /** `'pair'` (obtain pair, refresh) or `'sliding'` (the sliding views on the same paths). Default `'pair'`. */
  tokenStyle?: 'pair' | 'sliding';
  /** The `realm` of `WWW-Authenticate` (simplejwt: `Bearer realm="api"`). Default `'api'`. */
  realm?: string;
  /** Where the endpoints are. Default {@link DEFAULT_PATHS} (simplejwt's). */
  paths?: Partial<IssuerPaths>;
  /** Largest accepted request body, in bytes. Default {@link DEFAULT_MAX_BODY_BYTES} (16 KiB). */
  maxBodyBytes?: number;
  /** `Cache-Control: max-age` of the JWKS, in seconds. Default {@link DEFAULT_JWKS_MAX_AGE_SECONDS} (300). */
  jwksMaxAgeSeconds?: number;
  /** Observability: logins, refreshes, reuse, revocations, failures. Must not throw (ignored if it does). */
  onEvent?: IssuerEventHandler;
  /**
   * Browser delivery, opt-in: the refresh token goes out in an HttpOnly, Secure, SameSite cookie instead
   * of the JSON body, refresh and blacklist read it from there, and those routes (and obtain) get CSRF
   * checks. Default: none (simplejwt's bodies). Not with `tokenStyle: 'sliding'`.
   */
  refreshCookie?: RefreshCookieOptions;
  /**
   * Login limits per account and client address and per address (429 with `Retry-After`). Default: on,
   * counters in memory (see the README's "Login limits"); `false` turns them off.
   */
  loginLimits?: LoginLimitsOptions | false;
  /**
   * DPoP-bound tokens (RFC 9449 §5), for the `pair` style: a login or refresh carrying a `DPoP` proof (made
   * for `publicUrl` + the endpoint's path) gets tokens with `cnf.jkt`, and a bound refresh token then needs
   * a proof from the same key. The adapters' `dpop` options (`mode` aside). Default: off (a proof is refused).
   */
  dpop?: Omit<DpopOptions, 'mode'>;
}

const KNOWN_OPTIONS = [
  'signingKey',
  'keyRing',
  'developmentKeys',
  'algorithm',
  'users',
  'store',
  'accessTokenLifetimeSeconds',
  'refreshTokenLifetimeSeconds',
  'slidingTokenLifetimeSeconds',
  'slidingTokenRefreshLifetimeSeconds',
  'rotateRefreshTokens',
  'reuseGraceSeconds',
  'sessionLifetimeSeconds',
  'idleTimeoutSeconds',
  'audience',
  'issuer',
  'leewaySeconds',
  'userIdField',
  'userIdClaim',
  'usernameField',
  'tokenTypeClaim',
  'jtiClaim',
  'slidingTokenRefreshExpClaim',
  'claims',
  'checkUserIsActive',
  'userAuthenticationRule',
  'onLoginSuccess',
  'onLoginFailure',
  'tokenStyle',
  'realm',
  'paths',
  'maxBodyBytes',
  'jwksMaxAgeSeconds',
  'onEvent',
  'refreshCookie',
  'loginLimits',
  'dpop',
] as const satisfies ReadonlyArray<keyof IssuerOptions>;

// simplejwt's settings, for a port from Django: `ROTATE_REFRESH_TOKENS: true` is told its name here.
const SIMPLEJWT_NAMES: Readonly<Record<string, string>> = {
  SIGNING_KEY: 'signingKey',
  VERIFYING_KEY: 'signingKey',
  ALGORITHM: 'algorithm',
  ACCESS_TOKEN_LIFETIME: 'accessTokenLifetimeSeconds',
  REFRESH_TOKEN_LIFETIME: 'refreshTokenLifetimeSeconds',
  SLIDING_TOKEN_LIFETIME: 'slidingTokenLifetimeSeconds',
  SLIDING_TOKEN_REFRESH_LIFETIME: 'slidingTokenRefreshLifetimeSeconds',
  ROTATE_REFRESH_TOKENS: 'rotateRefreshTokens',
  AUDIENCE: 'audience',
  ISSUER: 'issuer',
  LEEWAY: 'leewaySeconds',
  USER_ID_FIELD: 'userIdField',
  USER_ID_CLAIM: 'userIdClaim',
  TOKEN_TYPE_CLAIM: 'tokenTypeClaim',
  JTI_CLAIM: 'jtiClaim',
  SLIDING_TOKEN_REFRESH_EXP_CLAIM: 'slidingTokenRefreshExpClaim',
  CHECK_USER_IS_ACTIVE: 'checkUserIsActive',
  USER_AUTHENTICATION_RULE: 'userAuthenticationRule',
  ON_LOGIN_SUCCESS: 'onLoginSuccess',
  ON_LOGIN_FAILED: 'onLoginFailure',
  leeway: 'leewaySeconds',
  accessTokenLifetime: 'accessTokenLifetimeSeconds',
  refreshTokenLifetime: 'refreshTokenLifetimeSeconds',
};

/** Options after validation. */
export interface ResolvedIssuerOptions<User> {
  readonly algorithm: SigningAlgorithm;
  readonly accessTokenLifetimeSeconds: number;
  readonly refreshTokenLifetimeSeconds: number;
  readonly slidingTokenLifetimeSeconds: number;
  readonly slidingTokenRefreshLifetimeSeconds: number;
  readonly rotateRefreshTokens: boolean;
  readonly reuseGraceSeconds: number;
  readonly sessionLifetimeSeconds: number | undefined;
  readonly idleTimeoutSeconds: number | undefined;
  readonly audience: string | readonly string[] | undefined;
  readonly issuer: string | undefined;
  readonly leewaySeconds: number;
  readonly userIdField: string;
  readonly userIdClaim: string;
  readonly usernameField: string;
  readonly tokenTypeClaim: string;
  readonly jtiClaim: string;
  readonly slidingTokenRefreshExpClaim: string;
  readonly tokenStyle: 'pair' | 'sliding';
  readonly realm: string;
  readonly paths: IssuerPaths;
  readonly maxBodyBytes: number;
  readonly jwksMaxAgeSeconds: number;
  /** The longest lifetime of any token issued in this style, leeway included: how long a retiring key must still verify. */
  readonly maxTokenLifetimeSeconds: number;
  readonly userAuthenticationRule: (user: User | null | undefined) => boolean;
  readonly refreshCookie: ResolvedRefreshCookie | undefined;
  readonly loginLimits: ResolvedLoginLimits | undefined;
  /** The token endpoints' proof checker, when DPoP is on. */
  readonly dpop: DpopProofChecker | undefined;
  /** The `dpop` option as given (checked), for the session routes' authenticator, which takes DPoP-bound access tokens. */
  readonly dpopOptions: Omit<DpopOptions, 'mode'> | undefined;
}

function fail(option: string, problem: string): never {
  throw new TypeError(`createIssuer: "${option}" ${problem}`);
}

function seconds(option: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(option, `must be a whole number of seconds ≥ ${min}`);
  return value;
}

function claimName(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') fail(option, 'must be a non-empty claim name');
  return value;
}

function optionalFunction(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') fail(option, 'must be a function');
}

function isActive(user: unknown): boolean {
  const record = user as { isActive?: unknown; is_active?: unknown };
  return record.isActive !== false && record.is_active !== false;
}

function resolvePaths(value: unknown): IssuerPaths {
  if (value === undefined) return { ...DEFAULT_PATHS };
  if (typeof value !== 'object' || value === null) fail('paths', 'must be an object');
  refuseUnknownKeys(value, Object.keys(DEFAULT_PATHS), 'createIssuer paths');
  const paths = { ...DEFAULT_PATHS, ...(value as Partial<IssuerPaths>) };
  const seen = new Set<string>();
  for (const [name, path] of Object.entries(paths)) {
    if (path === false && (name === 'obtain' || name === 'refresh')) fail(`paths.${name}`, 'cannot be turned off');
    if (path === false) continue;
    if (typeof path !== 'string' || !path.startsWith('/')) fail(`paths.${name}`, 'must be a path starting with "/" (or false)');
    if (seen.has(path)) fail(`paths.${name}`, `repeats the path ${path}`);
    seen.add(path);
  }
  return paths;
}

/** Validates options once, at start-up. Throws a `TypeError` naming the option. */
export function resolveIssuerOptions<User>(options: IssuerOptions<User>): ResolvedIssuerOptions<User> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createIssuer: options are required');
  for (const key of Object.keys(options)) {
    const ours = (KNOWN_OPTIONS as readonly string[]).includes(key) ? undefined : SIMPLEJWT_NAMES[key];
    if (ours !== undefined)
      throw new TypeError(`latchkey: unknown option ${JSON.stringify(key)} in createIssuer options (simplejwt's name, or no unit); did you mean "${ours}"?`);
  }
  refuseUnknownKeys(options, KNOWN_OPTIONS, 'createIssuer options');
  const keyOptions = (['signingKey', 'keyRing', 'developmentKeys'] as const).filter((name) => options[name] !== undefined && options[name] !== false);
  if (options.developmentKeys !== undefined && typeof options.developmentKeys !== 'boolean') fail('developmentKeys', 'must be a boolean');
  if (keyOptions.length === 0)
    fail('signingKey', 'is required (simplejwt: SIGNING_KEY), or "keyRing"; a generated key only with developmentKeys: true, for demos');
  if (keyOptions.length > 1) fail(keyOptions[1]!, `cannot be combined with "${keyOptions[0]!}": give one source of signing keys`);
  const algorithm = options.algorithm ?? 'HS256';
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(algorithm)) fail('algorithm', `must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  const users = options.users as unknown as Record<string, unknown> | undefined;
  if (typeof users !== 'object' || users === null || typeof users.authenticate !== 'function' || typeof users.getUser !== 'function') {
    fail('users', 'must have authenticate(credentials, request) and getUser(id)');
  }
  for (const name of ['claims', 'userAuthenticationRule', 'onLoginSuccess', 'onLoginFailure', 'onEvent'] as const) optionalFunction(name, options[name]);
  for (const name of ['rotateRefreshTokens', 'checkUserIsActive'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') fail(name, 'must be a boolean');
  }
  if (options.issuer !== undefined && (typeof options.issuer !== 'string' || options.issuer === '')) fail('issuer', 'must be a non-empty string');
  const audience = options.audience as unknown;
  if (
    audience !== undefined &&
    !(typeof audience === 'string' && audience !== '') &&
    !(Array.isArray(audience) && audience.length > 0 && audience.every((item) => typeof item === 'string' && item !== ''))
  ) {
    fail('audience', 'must be a non-empty string or array of strings');
  }
  const tokenStyle = options.tokenStyle ?? 'pair';
  if (tokenStyle !== 'pair' && tokenStyle !== 'sliding') fail('tokenStyle', 'must be "pair" or "sliding"');
  if (options.realm !== undefined && (typeof options.realm !== 'string' || !/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/.test(options.realm))) {
    fail('realm', 'must be a non-empty string of printable ASCII without quotes or backslashes');
  }
  const checkUserIsActive = options.checkUserIsActive ?? true;
  const rotateRefreshTokens = options.rotateRefreshTokens ?? false;
  const reuseGraceSeconds = seconds('reuseGraceSeconds', options.reuseGraceSeconds, 0, 0);
  if (reuseGraceSeconds > 0 && !rotateRefreshTokens) fail('reuseGraceSeconds', 'needs rotateRefreshTokens: true (there is nothing to reuse otherwise)');
  if (reuseGraceSeconds > 60) fail('reuseGraceSeconds', 'must be at most 60: it is a window for concurrent tabs and lost responses, not a lifetime');
  const userIdClaim = claimName('userIdClaim', options.userIdClaim, 'user_id');
  const tokenTypeClaim = claimName('tokenTypeClaim', options.tokenTypeClaim, 'token_type');
  const jtiClaim = claimName('jtiClaim', options.jtiClaim, 'jti');
  const slidingTokenRefreshExpClaim = claimName('slidingTokenRefreshExpClaim', options.slidingTokenRefreshExpClaim, 'refresh_exp');
  const reserved = new Set(['sub', 'exp', 'iat', 'nbf', 'iss', 'aud', 'fam']);
  for (const [name, claim] of Object.entries({ userIdClaim, tokenTypeClaim, jtiClaim, slidingTokenRefreshExpClaim })) {
    if (reserved.has(claim) && !(name === 'jtiClaim' && claim === 'jti')) fail(name, `cannot be the registered claim "${claim}"`);
  }
  const paths = resolvePaths(options.paths);
  let refreshCookie: ResolvedRefreshCookie | undefined;
  if (options.refreshCookie !== undefined) {
    // A sliding token is itself the bearer credential: there is no refresh token to keep out of script.
    if (tokenStyle === 'sliding') fail('refreshCookie', 'needs tokenStyle "pair" (a sliding token is the access token itself)');
    refreshCookie = resolveRefreshCookie(
      options.refreshCookie,
      [paths.refresh, paths.blacklist].filter((path): path is string => path !== false),
    );
  }
  const accessTokenLifetimeSeconds = seconds('accessTokenLifetimeSeconds', options.accessTokenLifetimeSeconds, DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS);
  const refreshTokenLifetimeSeconds = seconds('refreshTokenLifetimeSeconds', options.refreshTokenLifetimeSeconds, DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS);
  const slidingTokenLifetimeSeconds = seconds('slidingTokenLifetimeSeconds', options.slidingTokenLifetimeSeconds, DEFAULT_SLIDING_TOKEN_LIFETIME_SECONDS);
  const leewaySeconds = seconds('leewaySeconds', options.leewaySeconds, 0, 0);
  return {
    algorithm,
    accessTokenLifetimeSeconds,
    refreshTokenLifetimeSeconds,
    slidingTokenLifetimeSeconds,
    slidingTokenRefreshLifetimeSeconds: seconds(
      'slidingTokenRefreshLifetimeSeconds',
      options.slidingTokenRefreshLifetimeSeconds,
      DEFAULT_SLIDING_TOKEN_REFRESH_LIFETIME_SECONDS,
    ),
    rotateRefreshTokens,
    reuseGraceSeconds,
    sessionLifetimeSeconds: options.sessionLifetimeSeconds === undefined ? undefined : seconds('sessionLifetimeSeconds', options.sessionLifetimeSeconds, 0),
    idleTimeoutSeconds: options.idleTimeoutSeconds === undefined ? undefined : seconds('idleTimeoutSeconds', options.idleTimeoutSeconds, 0),
    audience: audience as string | readonly string[] | undefined,
    issuer: options.issuer,
    leewaySeconds,
    userIdField: claimName('userIdField', options.userIdField, 'id'),
    userIdClaim,
    usernameField: claimName('usernameField', options.usernameField, 'username'),
    tokenTypeClaim,
    jtiClaim,
    slidingTokenRefreshExpClaim,
    tokenStyle,
    realm: options.realm ?? 'api',
    paths,
    maxBodyBytes: seconds('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    jwksMaxAgeSeconds: seconds('jwksMaxAgeSeconds', options.jwksMaxAgeSeconds, DEFAULT_JWKS_MAX_AGE_SECONDS, 0),
    // A sliding token is refreshed only while unexpired, so its own lifetime bounds it too.
    maxTokenLifetimeSeconds:
      (tokenStyle === 'sliding' ? slidingTokenLifetimeSeconds : Math.max(accessTokenLifetimeSeconds, refreshTokenLifetimeSeconds)) + leewaySeconds,
    userAuthenticationRule: options.userAuthenticationRule ?? ((user) => user !== null && user !== undefined && (!checkUserIsActive || isActive(user))),
    refreshCookie,
    loginLimits: resolveLoginLimits(options.loginLimits),
    dpop: resolveDpop(options.dpop, tokenStyle),
    dpopOptions: options.dpop,
  };
}

function resolveDpop(option: IssuerOptions<never>['dpop'], tokenStyle: 'pair' | 'sliding'): DpopProofChecker | undefined {
  if (option === undefined) return undefined;
  if (tokenStyle !== 'pair') fail('dpop', 'binds refresh tokens: it needs tokenStyle "pair"');
  if (typeof option === 'object' && option !== null && 'mode' in option) fail('dpop', 'has no "mode" here: a proof binds the tokens it comes with');
  return createDpopProofChecker(option as DpopOptions);
}
