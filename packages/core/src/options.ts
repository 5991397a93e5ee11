/** The verifier's options: their defaults, their unknown-key check, and their validation into a resolved policy. */
import { ALGORITHMS, isSupportedAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { matcherFor, type ClaimPolicy } from './claims.js';
import type { EventHandler } from './events.js';
import type { HeaderPolicy } from './header-policy.js';
import { normaliseType } from './header-policy.js';
import { refuseUnknownKeys } from './internal/strict-options.js';
import { isKeySource, type KeySource } from './key-source.js';
import { checkRules, type Rule } from './rules.js';
import type { JwtHeader, JwtPayload } from './types.js';

/** Default clock tolerance for `exp`, `nbf` and `iat`: 5 seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/**
 * Default maximum token size: 32 KiB. Checked before any decoding. Real access tokens that carry many group
 * claims reach 10 KB; Node's default HTTP header limit (16 KiB) is lower still.
 */
export const DEFAULT_MAX_TOKEN_BYTES = 32 * 1024;
/** Default verified-token cache size: 10,000 entries. */
export const DEFAULT_TOKEN_CACHE_ENTRIES = 10_000;
/**
 * Default verified-token cache budget: 16 MiB, counted as {@link tokenCacheEntryBytes} per entry (the
 * token, its parsed payload, the entry: about 1,400 bytes for a typical RS256 access token, so 10,000 of
 * them fit). Whichever bound is reached first evicts.
 */
export const DEFAULT_TOKEN_CACHE_BYTES = 16 * 1024 * 1024;
/** Default longest time a verified token is served from the cache: 10 minutes (never past its `exp`). */
export const DEFAULT_TOKEN_CACHE_TTL_SECONDS = 600;
/** Default most candidate keys one token's signature is checked against: 3. */
export const DEFAULT_MAX_CANDIDATE_KEYS = 3;

/** The verified-token cache (on by default; `tokenCache: false` turns it off). */
export interface TokenCacheOptions {
  /** Most entries kept (least recently used evicted). Default {@link DEFAULT_TOKEN_CACHE_ENTRIES} (10,000). */
  maxEntries?: number;
  /** Most bytes the entries may take, estimated per entry (least recently used evicted). Default {@link DEFAULT_TOKEN_CACHE_BYTES} (16 MiB). */
  maxBytes?: number;
  /** Longest an entry is served, in seconds; never past the token's `exp`. Default {@link DEFAULT_TOKEN_CACHE_TTL_SECONDS} (600). */
  maxTtlSeconds?: number;
}

/** Options of {@link createVerifier}. Validated once, at construction; errors name the option. */
export interface VerifierOptions<Payload extends JwtPayload = JwtPayload> {
  /** Where keys come from: `remoteJwks(url)`, `oidcDiscovery(issuer)`, `staticKeys(...)` or `hmacSecrets(...)`. Required. */
  keys: KeySource;
  /**
   * The accepted `alg` values. Required and never taken from a token (RFC 8725 §3.1). HMAC algorithms
   * require `hmacSecrets`; asymmetric ones an asymmetric source. `none` is not an algorithm here.
   */
  algorithms: readonly JwsAlgorithm[];
  /** The accepted `iss` (one or a list). Required; pass `null` to skip the check explicitly. */
  issuer: string | readonly string[] | null;
  /** The accepted `aud` (one or a list; the token's may be a string or an array). Required; `null` to skip explicitly. */
  audience: string | readonly string[] | null;
  /** Accepted `typ` header values, e.g. `'at+jwt'` for RFC 9068 access tokens (`application/` optional, case-insensitive). Default: any. */
  typ?: string | readonly string[];
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. Default {@link DEFAULT_CLOCK_TOLERANCE_SECONDS} (5). */
  clockToleranceSeconds?: number;
  /** Refuse tokens whose `iat` is older than this many seconds (requires `iat`). Default: no limit. */
  maxTokenAgeSeconds?: number;
  /** Require `exp`. Default `true`; turning it off accepts tokens that never expire. */
  requireExpiration?: boolean;
  /** Claims that must be present. Default none. */
  requiredClaims?: readonly string[];
  /** The accepted `sub`. Default: any. */
  subject?: string;
  /** Rules every token must pass (claim failures: 401 `invalid_token`; scope failures: 403). Default none. */
  rules?: ReadonlyArray<Rule<Payload>>;
  /** Called for every token that passed all checks; resolve `true` to reject it as revoked. Its own errors propagate unchanged. */
  isRevoked?: (payload: Payload, header: JwtHeader) => boolean | Promise<boolean>;
  /** Largest accepted token, in bytes, checked before any decoding. Default {@link DEFAULT_MAX_TOKEN_BYTES} (32 KiB). */
  maxTokenBytes?: number;
  /**
   * Cache verified tokens (keyed by the whole token, never past `exp`, dropped when their key rotates out or
   * its key set stops being trusted; rules and `isRevoked` still run on every request). Default on, with
   * {@link DEFAULT_TOKEN_CACHE_ENTRIES} entries and {@link DEFAULT_TOKEN_CACHE_BYTES} bytes; `false` turns it off.
   */
  tokenCache?: boolean | TokenCacheOptions;
  /** Observability: key fetches, failures, unknown kids, rejected tokens. Must not throw (if it does, it is ignored). */
  onEvent?: EventHandler;
  /**
   * Most keys one token's signature is checked against, when several could verify it (a token without
   * `kid`, or several keys with one `kid`). Keys whose `kid` and declared `alg` match exactly are tried
   * first. Bounds what one request can cost. Default {@link DEFAULT_MAX_CANDIDATE_KEYS} (3).
   */
  maxCandidateKeys?: number;
}

// Typed as a record of every option, so adding an option without listing it here fails to compile.
const VERIFIER_OPTION_NAMES: Record<keyof VerifierOptions, true> = {
  keys: true,
  algorithms: true,
  issuer: true,
  audience: true,
  typ: true,
  clockToleranceSeconds: true,
  maxTokenAgeSeconds: true,
  requireExpiration: true,
  requiredClaims: true,
  subject: true,
  rules: true,
  isRevoked: true,
  maxTokenBytes: true,
  tokenCache: true,
  maxCandidateKeys: true,
  onEvent: true,
};
/** Every key {@link VerifierOptions} knows. */
export const VERIFIER_OPTIONS: readonly string[] = Object.freeze(Object.keys(VERIFIER_OPTION_NAMES));
const TOKEN_CACHE_OPTIONS: readonly string[] = Object.keys({ maxEntries: true, maxBytes: true, maxTtlSeconds: true } satisfies Record<
  keyof TokenCacheOptions,
  true
>);

/** Options after validation. */
export interface ResolvedOptions {
  readonly keys: KeySource;
  readonly header: HeaderPolicy;
  readonly claims: ClaimPolicy;
  readonly maxTokenBytes: number;
  readonly tokenCache: Required<TokenCacheOptions> | undefined;
  readonly maxCandidateKeys: number;
}

function fail(option: string, problem: string): never {
  throw new TypeError(`createVerifier: "${option}" ${problem}`);
}

function nonNegative(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(option, 'must be a finite number ≥ 0');
  return value;
}

function positiveInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(option, 'must be an integer ≥ 1');
  return value;
}

function stringSet(option: string, value: unknown, normalise: (value: string) => string = (v) => v): ReadonlySet<string> | undefined {
  if (value === null) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    fail(
      option,
      'must be a non-empty string or a non-empty array of strings' +
        (option === 'issuer' || option === 'audience' ? ' (or null to skip the check explicitly)' : ''),
    );
  }
  return new Set(list.map(normalise));
}

function optionalMatcher(accepted: ReadonlySet<string> | undefined): ClaimPolicy['issuers'] {
  return accepted === undefined ? undefined : matcherFor([...accepted]);
}

/** Validates options once, at start-up. Throws a `TypeError` naming the option. */
export function resolveOptions(
  options: VerifierOptions<never>,
  known: readonly string[] = VERIFIER_OPTIONS,
  where = 'createVerifier options',
): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createVerifier: options are required');
  refuseUnknownKeys(options, known, where);
  if (!isKeySource(options.keys)) fail('keys', 'must be a key source: remoteJwks(url), oidcDiscovery(issuer), staticKeys(...) or hmacSecrets(...)');
  const algorithms = options.algorithms as unknown;
  if (!Array.isArray(algorithms) || algorithms.length === 0) fail('algorithms', 'must list the accepted algorithms, e.g. ["RS256"]');
  for (const alg of algorithms) {
    if (!isSupportedAlgorithm(alg)) fail('algorithms', `has an unsupported algorithm ${JSON.stringify(alg)}`);
    const symmetric = ALGORITHMS[alg].family === 'HMAC';
    if (symmetric && !options.keys.symmetric) fail('algorithms', `has ${alg}, which needs hmacSecrets(...) as "keys"`);
    if (!symmetric && options.keys.symmetric) fail('algorithms', `has ${alg}, but "keys" holds HMAC secrets`);
  }
  if (options.issuer === undefined) fail('issuer', 'is required (pass null to skip the check explicitly)');
  if (options.audience === undefined) fail('audience', 'is required (pass null to skip the check explicitly)');
  if (options.requiredClaims !== undefined && (!Array.isArray(options.requiredClaims) || !options.requiredClaims.every((c) => typeof c === 'string'))) {
    fail('requiredClaims', 'must be an array of claim names');
  }
  if (options.subject !== undefined && typeof options.subject !== 'string') fail('subject', 'must be a string');
  if (options.rules !== undefined) checkRules(options.rules, 'createVerifier: "rules"');
  if (options.isRevoked !== undefined && typeof options.isRevoked !== 'function') fail('isRevoked', 'must be a function');
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') fail('onEvent', 'must be a function');
  if (options.requireExpiration !== undefined && typeof options.requireExpiration !== 'boolean') fail('requireExpiration', 'must be a boolean');
  const maxTokenAgeSeconds = options.maxTokenAgeSeconds === undefined ? undefined : nonNegative('maxTokenAgeSeconds', options.maxTokenAgeSeconds, 0);

  let tokenCache: Required<TokenCacheOptions> | undefined;
  const cacheOption = options.tokenCache as unknown;
  // On unless explicitly `false` (issue 15): with canonical encodings (token.ts) a token has one spelling,
  // so the whole-token key cannot be sidestepped, and a repeated token costs a lookup instead of a verify.
  if (cacheOption === undefined || cacheOption === true || (typeof cacheOption === 'object' && cacheOption !== null)) {
    const given = cacheOption === undefined || cacheOption === true ? {} : (cacheOption as TokenCacheOptions);
    refuseUnknownKeys(given, TOKEN_CACHE_OPTIONS, 'createVerifier options.tokenCache');
    tokenCache = {
      maxEntries: positiveInteger('tokenCache.maxEntries', given.maxEntries, DEFAULT_TOKEN_CACHE_ENTRIES),
      maxBytes: positiveInteger('tokenCache.maxBytes', given.maxBytes, DEFAULT_TOKEN_CACHE_BYTES),
      maxTtlSeconds: nonNegative('tokenCache.maxTtlSeconds', given.maxTtlSeconds, DEFAULT_TOKEN_CACHE_TTL_SECONDS),
    };
  } else if (cacheOption !== false) {
    fail('tokenCache', 'must be a boolean or { maxEntries, maxBytes, maxTtlSeconds }');
  }

  const issuers = stringSet('issuer', options.issuer);
  const audiences = stringSet('audience', options.audience);
  return {
    keys: options.keys,
    header: {
      algorithms: new Set(algorithms as JwsAlgorithm[]),
      types: options.typ === undefined ? undefined : stringSet('typ', options.typ, normaliseType),
    },
    claims: {
      issuers: optionalMatcher(issuers),
      audiences: optionalMatcher(audiences),
      expectedIssuers: issuers === undefined ? undefined : Object.freeze([...issuers]),
      expectedAudiences: audiences === undefined ? undefined : Object.freeze([...audiences]),
      clockToleranceSeconds: nonNegative('clockToleranceSeconds', options.clockToleranceSeconds, DEFAULT_CLOCK_TOLERANCE_SECONDS),
      maxTokenAgeSeconds,
      requireExpiration: options.requireExpiration ?? true,
      requiredClaims: Object.freeze([...(options.requiredClaims ?? [])]),
      subject: options.subject,
    },
    maxTokenBytes: positiveInteger('maxTokenBytes', options.maxTokenBytes, DEFAULT_MAX_TOKEN_BYTES),
    tokenCache,
    maxCandidateKeys: positiveInteger('maxCandidateKeys', options.maxCandidateKeys, DEFAULT_MAX_CANDIDATE_KEYS),
  };
}
