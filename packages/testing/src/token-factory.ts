/** A token factory that defaults every claim, so a test states only what differs. */
import { randomUUID } from 'node:crypto';
import { types } from 'node:util';
import { CompactSign, type JWTPayload } from 'jose';
import { isAsymmetricAlgorithm, isHmacAlgorithm, type SigningAlgorithm } from './algorithms.js';
import { assertOptions, isRecord, kindOf } from './internal/options.js';
import { assertTokenSigningKey, isHmacSecret, type TokenSigningKey } from './keys.js';

/** Lifetime of a token from {@link TokenFactory.sign}, in seconds: `exp = iat + 300` (5 minutes). */
export const DEFAULT_EXPIRES_IN_SECONDS = 300;
/** The `sub` claim every token carries unless a test says otherwise. */
export const DEFAULT_SUBJECT = 'test-user';
/** The `scope` claim every token carries unless a test says otherwise (space-delimited, RFC 8693 §4.2). */
export const DEFAULT_SCOPE = 'openid';
/** The `typ` header every token carries unless a test says otherwise. */
export const DEFAULT_TYP = 'JWT';

/** The claims of a token: the registered ones typed as RFC 7519 defines them, and anything else. */
export interface TokenClaims extends JWTPayload {
  /** Space-delimited scopes. */
  scope?: string;
}

/**
 * Members of a token's protected header. Each one given here replaces the factory's; `undefined` removes it
 * (`{ kid: undefined }` signs a token without a `kid`). `alg` here or in {@link SignOptions.alg} changes the
 * algorithm, which must still suit the key. A `crit` list is signed as given. jose refuses a mismatched
 * `alg` and `b64: false` in a compact JWT: make those with `signWithHeader`.
 */
export interface TokenHeader {
  alg?: string | undefined;
  kid?: string | undefined;
  typ?: string | undefined;
  cty?: string | undefined;
  jku?: string | undefined;
  x5u?: string | undefined;
  jwk?: Record<string, unknown> | undefined;
  crit?: string[] | undefined;
  b64?: boolean | undefined;
  [parameter: string]: unknown;
}

/** A claim name for {@link SignOptions.omit}: the defaulted ones are suggested, any name is accepted. */
export type ClaimName = 'iss' | 'aud' | 'sub' | 'iat' | 'nbf' | 'exp' | 'jti' | 'scope' | (string & {});

/** Per-token options of {@link TokenFactory.sign} and {@link TokenFactory.claims}. */
export interface SignOptions {
  /** Header members to add, replace or (with `undefined`) remove. */
  header?: TokenHeader;
  /** `exp = iat + expiresInSeconds`. Negative values are allowed. Default: the factory's (300). */
  expiresInSeconds?: number;
  /** Adds `nbf = iat + notBeforeInSeconds` (positive: not yet valid). Default: the factory's (no `nbf`). */
  notBeforeInSeconds?: number;
  /**
   * Issue the token this many seconds in the past: `iat = now - ageSeconds`, and `exp` and `nbf` move with
   * it. `{ ageSeconds: 600 }` makes a token that expired 5 minutes ago. Default: 0.
   */
  ageSeconds?: number;
  /** Claims to leave out, defaulted or not, e.g. `['exp']` for a token that never expires. */
  omit?: readonly ClaimName[];
  /** Sign with this key instead of the factory's (its `kid` and `alg` go in the header). */
  key?: TokenSigningKey;
  /** Sign with this algorithm instead of the key's own; the key must suit it (an RSA key signs RS* and PS*). */
  alg?: SigningAlgorithm;
}

/** Options of {@link createTokenFactory}. */
export interface TokenFactoryOptions {
  /** The `iss` claim of every token. */
  issuer: string;
  /** The `aud` claim of every token: one audience or several. */
  audience: string | readonly string[];
  /** The key tokens are signed with: from `generateSigningKey` or `generateHmacSecret`. */
  key: TokenSigningKey;
  /** Claims every token carries, over the built-in defaults and under each `sign()` call's claims. */
  defaults?: TokenClaims;
  /** Header members every token carries, over `{ alg, kid, typ: "JWT" }`. */
  header?: TokenHeader;
  /** Lifetime of each token, in seconds. Default: {@link DEFAULT_EXPIRES_IN_SECONDS} (300). */
  expiresInSeconds?: number;
  /** When set, each token carries `nbf = iat + notBeforeInSeconds`. Default: no `nbf`. */
  notBeforeInSeconds?: number;
  /**
   * The current time: a fixed `Date`, or a function read at each `sign()`. Default: the system clock, so
   * `vi.useFakeTimers()` / `vi.setSystemTime()` apply.
   */
  now?: Date | (() => Date);
}

/** Makes valid signed tokens with a default for every claim. Built by {@link createTokenFactory}. */
export interface TokenFactory {
  /** The `iss` of every token. */
  readonly issuer: string;
  /** The `aud` of every token. */
  readonly audience: string | readonly string[];
  /** The default signing key. */
  readonly key: TokenSigningKey;
  /**
   * Signs a compact JWS (a JWT) with jose. Claims given here win over the factory's defaults; a claim set to
   * `undefined` is left out.
   *
   * @example
   * ```ts
   * const token = await tokens.sign({ sub: 'alice', scope: 'read:items' });
   * const expired = await tokens.sign({}, { ageSeconds: 600 });
   * const noExp = await tokens.sign({}, { omit: ['exp'] });
   * const atJwt = await tokens.sign({}, { header: { typ: 'at+jwt' } });
   * ```
   */
  sign(claims?: TokenClaims, options?: SignOptions): Promise<string>;
  /** The payload {@link TokenFactory.sign} would sign, without signing it: input for the hostile helpers. */
  claims(claims?: TokenClaims, options?: SignOptions): TokenClaims;
  /** The protected header {@link TokenFactory.sign} would use: input for the hostile helpers. */
  header(options?: SignOptions): TokenHeader;
}

function assertSeconds(value: unknown, where: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new TypeError(`${where} must be a finite number of seconds`);
  }
}

const SIGN_OPTIONS: readonly (keyof SignOptions)[] = ['header', 'expiresInSeconds', 'notBeforeInSeconds', 'ageSeconds', 'omit', 'key', 'alg'];
const FACTORY_OPTIONS: readonly (keyof TokenFactoryOptions)[] = [
  'issuer',
  'audience',
  'key',
  'defaults',
  'header',
  'expiresInSeconds',
  'notBeforeInSeconds',
  'now',
];

/** @internal Checks per-token options; `undefined` stands for none. The mock IdP checks with it before reading them. */
export function assertSignOptions(options: unknown): asserts options is SignOptions | undefined {
  if (options === undefined) return;
  assertOptions(options, SIGN_OPTIONS, 'sign');
  const { header, expiresInSeconds, notBeforeInSeconds, ageSeconds, key, omit, alg } = options as SignOptions;
  // An array or a string spread into the header would sign members named "0", "1"...
  if (header !== undefined && !isRecord(header)) throw new TypeError(`sign: "header" must be an object of header members, got ${kindOf(header)}`);
  assertSeconds(expiresInSeconds, 'sign: "expiresInSeconds"');
  assertSeconds(notBeforeInSeconds, 'sign: "notBeforeInSeconds"');
  assertSeconds(ageSeconds, 'sign: "ageSeconds"');
  if (key !== undefined) assertTokenSigningKey(key, 'sign: "key"');
  if (omit !== undefined && (!Array.isArray(omit) || !omit.every((name) => typeof name === 'string'))) {
    throw new TypeError('sign: "omit" must be an array of claim names');
  }
  if (alg !== undefined && !isHmacAlgorithm(alg) && !isAsymmetricAlgorithm(alg)) {
    throw new TypeError(
      `sign: "alg" must be a signing algorithm (RS*, PS*, ES*, EdDSA, Ed25519, HS*), got ${JSON.stringify(alg)}; for others use signWithHeader`,
    );
  }
}

/** Claims are free-form, but an array would sign members named "0", "1"... */
function assertClaims(claims: unknown, where: string): asserts claims is TokenClaims | undefined {
  if (claims !== undefined && !isRecord(claims)) throw new TypeError(`${where} must be an object of claims, got ${kindOf(claims)}`);
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): T {
  for (const name of Object.keys(record)) if (record[name] === undefined) delete record[name];
  return record;
}

/**
 * Creates a token factory: every token it signs is valid for the given issuer and audience unless a test
 * says otherwise, so each test states only what differs.
 *
 * Defaults: `iss`, `aud`, `sub: "test-user"`, `iat` (now), `exp` (`iat + 300`), `jti` (a random UUID),
 * `scope: "openid"`; header `{ alg, kid, typ: "JWT" }` from the key. Options are checked here, once: a bad
 * one throws a `TypeError` naming it.
 *
 * @example
 * ```ts
 * const key = await generateSigningKey('RS256');
 * const tokens = createTokenFactory({ issuer: 'https://issuer.example', audience: 'https://api.example', key });
 *
 * const res = await fetch(`${baseUrl}/items`, {
 *   headers: { authorization: `Bearer ${await tokens.sign({ scope: 'read:items' })}` },
 * });
 * ```
 */
export function createTokenFactory(options: TokenFactoryOptions): TokenFactory {
  assertOptions(options, FACTORY_OPTIONS, 'createTokenFactory');
  const { issuer, audience, key, defaults = {}, header: headerDefaults = {}, now } = options;
  if (typeof issuer !== 'string' || issuer === '') throw new TypeError('createTokenFactory: "issuer" must be a non-empty string');
  const audienceOk =
    (typeof audience === 'string' && audience !== '') ||
    (Array.isArray(audience) && audience.length > 0 && audience.every((aud) => typeof aud === 'string' && aud !== ''));
  if (!audienceOk) throw new TypeError('createTokenFactory: "audience" must be a non-empty string or array of strings');
  assertTokenSigningKey(key, 'createTokenFactory: "key"');
  assertClaims(defaults, 'createTokenFactory: "defaults"');
  if (!isRecord(headerDefaults)) throw new TypeError(`createTokenFactory: "header" must be an object of header members, got ${kindOf(headerDefaults)}`);
  assertSeconds(options.expiresInSeconds, 'createTokenFactory: "expiresInSeconds"');
  assertSeconds(options.notBeforeInSeconds, 'createTokenFactory: "notBeforeInSeconds"');
  if (now !== undefined && !types.isDate(now) && typeof now !== 'function') {
    throw new TypeError('createTokenFactory: "now" must be a Date or a function returning a Date');
  }
  const expiresInDefault = options.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
  const notBeforeDefault = options.notBeforeInSeconds;
  const audienceClaim = typeof audience === 'string' ? audience : [...audience];

  const nowSeconds = (): number => {
    const date: unknown = now === undefined ? new Date() : typeof now === 'function' ? now() : now;
    // A function's result is only known now: `() => Date.now()` must fail here, naming the option, not
    // later in getTime(). types.isDate rather than instanceof: fake timers replace the global Date.
    if (!types.isDate(date)) throw new TypeError(`createTokenFactory: "now" must return a Date, got ${kindOf(date)}`);
    const ms = date.getTime();
    if (!Number.isFinite(ms)) throw new TypeError('createTokenFactory: "now" gave an invalid Date');
    return Math.floor(ms / 1000);
  };

  const buildClaims = (claims: TokenClaims = {}, signOptions: SignOptions = {}): TokenClaims => {
    assertClaims(claims, 'sign: claims');
    assertSignOptions(signOptions);
    const iat = nowSeconds() - (signOptions.ageSeconds ?? 0);
    const notBefore = signOptions.notBeforeInSeconds ?? notBeforeDefault;
    const payload: TokenClaims = {
      iss: issuer,
      sub: DEFAULT_SUBJECT,
      aud: Array.isArray(audienceClaim) ? [...audienceClaim] : audienceClaim,
      iat,
      ...(notBefore === undefined ? {} : { nbf: iat + notBefore }),
      exp: iat + (signOptions.expiresInSeconds ?? expiresInDefault),
      jti: randomUUID(),
      scope: DEFAULT_SCOPE,
      ...defaults,
      ...claims,
    };
    for (const name of signOptions.omit ?? []) delete payload[name];
    return withoutUndefined(payload);
  };

  const buildHeader = (signOptions: SignOptions = {}): TokenHeader => {
    assertSignOptions(signOptions);
    const signingKey = signOptions.key ?? key;
    return withoutUndefined({
      alg: signOptions.alg ?? signingKey.alg,
      ...(signingKey.kid === undefined ? {} : { kid: signingKey.kid }),
      typ: DEFAULT_TYP,
      ...headerDefaults,
      ...signOptions.header,
      ...(signOptions.alg === undefined ? {} : { alg: signOptions.alg }),
    });
  };

  return Object.freeze({
    issuer,
    audience,
    key,
    claims: buildClaims,
    header: buildHeader,
    async sign(claims?: TokenClaims, signOptions?: SignOptions): Promise<string> {
      const payload = buildClaims(claims, signOptions);
      const protectedHeader = buildHeader(signOptions);
      const signingKey = signOptions?.key ?? key;
      // jose refuses a `crit` it was not told about (RFC 7515 §4.1.11); a test that sets one means it.
      const crit = Array.isArray(protectedHeader.crit) ? Object.fromEntries(protectedHeader.crit.map((name) => [String(name), true])) : undefined;
      const jws = new CompactSign(new TextEncoder().encode(JSON.stringify(payload)));
      // TokenHeader is wider than jose's header type (that is the point of it); jose checks it at runtime.
      jws.setProtectedHeader(protectedHeader as Parameters<CompactSign['setProtectedHeader']>[0]);
      return jws.sign(isHmacSecret(signingKey) ? signingKey.secret : signingKey.privateKey, crit === undefined ? undefined : { crit });
    },
  });
}
