/**
 * `@latchkey/core`: verify JWT bearer tokens (keys, verifier, rules, errors, events). Framework adapters
 * are built on `@latchkey/core/adapter`.
 *
 * @packageDocumentation
 */
export { createVerifier, type Verifier } from './verifier.js';
export { createMultiIssuerVerifier, type IssuerOptions, type MultiIssuerOptions } from './multi-issuer.js';
export {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_CANDIDATE_KEYS,
  DEFAULT_MAX_TOKEN_BYTES,
  DEFAULT_TOKEN_CACHE_BYTES,
  DEFAULT_TOKEN_CACHE_ENTRIES,
  DEFAULT_TOKEN_CACHE_TTL_SECONDS,
  type TokenCacheOptions,
  type VerifierOptions,
} from './options.js';
export type { JwtHeader, JwtPayload, VerifiedToken } from './types.js';
export {
  LATCHKEY_ERROR_CODES,
  LatchkeyError,
  bearerChallenge,
  isLatchkeyError,
  type BearerErrorCode,
  type ChallengeErrorCode,
  type ChallengeParameters,
  type ChallengeSchemes,
  type DpopErrorCode,
  type LatchkeyErrorHeaders,
  type LatchkeyErrorCode,
  type LatchkeyErrorOptions,
} from './errors.js';
export { SUPPORTED_ALGORITHMS, type JwsAlgorithm } from './algorithms.js';
export type { KeyLookup, KeySource } from './key-source.js';
export type { PreparedKey } from './keys.js';
export { hmacSecrets, staticKeys, type StaticKeyEntry, type StaticKeysInput } from './static-keys.js';
export type { EventHandler, LatchkeyEvent, RefusalStage, RequestInfo } from './events.js';
export { levelOf, logEvent, logEvents, type LogEventsOptions, type LoggerLike, type LogLevel } from './logger.js';
export { remoteJwks } from './jwks/remote-jwks.js';
export { oidcDiscovery, type DiscoveryOptions } from './jwks/discovery.js';
export {
  DEFAULT_JWKS_CACHE_MAX_AGE_MS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_MAX_CACHE_AGE_MS,
  DEFAULT_JWKS_MAX_KEYS,
  DEFAULT_JWKS_MAX_RESPONSE_BYTES,
  DEFAULT_JWKS_MIN_CACHE_AGE_MS,
  DEFAULT_JWKS_STALE_IF_ERROR_MS,
  DEFAULT_JWKS_TIMEOUT_MS,
  type RemoteJwksOptions,
} from './jwks/options.js';
export { RemoteDocumentError, type FetchInit, type FetchLike, type FetchResponse, type RemoteDocumentFailure } from './jwks/fetch-json.js';
export {
  claimCheck,
  claimEquals,
  claimIncludes,
  enforceRules,
  grantedScopes,
  requireAnyScope,
  requireScopes,
  type ClaimRule,
  type Rule,
  type RulePlacement,
  type ScopeRule,
} from './rules.js';
export { extractBearerToken } from './bearer.js';
export type { RequestAuthOptions } from './request-auth.js';
export { DEFAULT_DPOP_ALGORITHMS, DEFAULT_DPOP_IAT_WINDOW_SECONDS } from './dpop/proof.js';
export { DEFAULT_DPOP_NONCE_ROTATE_SECONDS } from './dpop/nonce.js';
export type { DpopMode, DpopNonceOptions, DpopOptions } from './dpop/options.js';
export { DEFAULT_REPLAY_STORE_ENTRIES, ReplayStoreFullError, createMemoryReplayStore, type DpopReplayStore } from './dpop/replay-store.js';
export type { MtlsOptions } from './mtls.js';
export {
  simplejwtErrorResponse,
  type AuthErrorHandlerOptions,
  type ErrorBodyProfile,
  type SimplejwtErrorBody,
  type SimplejwtErrorResponse,
} from './simplejwt-errors.js';
