/**
 * @latchkey/issuer: log users in and hand out JWTs with djangorestframework-simplejwt's wire format
 * (obtain, refresh, verify, blacklist, sliding), refresh-token families with reuse detection (RFC 9700
 * §4.14.2), `at+jwt` access tokens, and a JWKS for any verifier. Framework mounts are the subpaths
 * `@latchkey/issuer/express`, `/koa` and `/fastify`; the store contract suite is `@latchkey/issuer/contract`.
 *
 * @packageDocumentation
 */
export { createIssuer, type InProcessVerifierOptions, type Issuer } from './issuer.js';
export {
  DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
  DEFAULT_JWKS_MAX_AGE_SECONDS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PATHS,
  DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS,
  DEFAULT_SLIDING_TOKEN_LIFETIME_SECONDS,
  DEFAULT_SLIDING_TOKEN_REFRESH_LIFETIME_SECONDS,
  SESSION_PATHS,
  type IssuerOptions,
  type IssuerPaths,
} from './options.js';
export type { TokenPair } from './flows.js';
export {
  CachedRevocationCheck,
  DEFAULT_REVOCATION_CHECK_MAX_ENTRIES,
  MAX_REVOCATION_CHECK_ENTRIES,
  DEFAULT_REVOCATION_CHECK_TTL_MS,
  type RevocationCheck,
  type RevocationCheckOptions,
  type RevocationSource,
} from './revocation.js';
export type { SessionInfo } from './sessions.js';
export { DEFAULT_CSRF_HEADER, DEFAULT_REFRESH_COOKIE_NAME, type RefreshCookieOptions } from './cookies/options.js';
export type { CsrfReason } from './cookies/csrf.js';
export { DEFAULT_ACCOUNT_ADDRESS_LIMIT, DEFAULT_ADDRESS_LIMIT, type LimitOptions, type LoginLimitsOptions } from './limits/options.js';
export { memoryLimiterStore, type LimiterSettings, type LimiterStore } from './limits/store.js';
export type { LimitScope } from './limits/login-limiter.js';
export { SIGNING_ALGORITHMS, thumbprint, type JWK, type PublishedJwk, type SigningAlgorithm, type SigningKeyInput } from './keys.js';
export { inProcessSigner, isSigner, type AsymmetricSigningAlgorithm, type Signer } from './keyring/signer.js';
export type { KeyRingEntry, KeyRingOptions, KeyStatus } from './keyring/ring.js';
export {
  DEFAULT_RETIRE_MARGIN_SECONDS,
  keyStatesAt,
  scheduleKeys,
  type KeyState,
  type ScheduledKey,
  type ScheduleInput,
  type ScheduleSettings,
} from './keyring/schedule.js';
export { keyRingFromFile, parseKeyRing, type KeyRingDocument, type KeyRingFileEntry } from './keyring/ring-file.js';
export { DEVELOPMENT_KEYS_WARNING } from './keyring/development.js';
export { ACCESS_TOKEN_TYP, REFRESH_TOKEN_TYP, type TokenKind } from './tokens.js';
export type { IssuerEvent, IssuerEventHandler } from './events.js';
export type { IssuerRequest, IssuerResponse } from './http/types.js';
export type { FamilyRecord, IssuerStore, NewFamily, RevocationReason, RotateOutcome, SessionEndReason, Successor, TouchOutcome } from './store/types.js';
export { DEFAULT_STORE_RETRY_AFTER_SECONDS, isStoreUnavailableError, StoreCapacityError, StoreUnavailableError } from './store/errors.js';
export { DEFAULT_MAX_SESSIONS_PER_USER, sessionEnd, withinGrace } from './store/session-end.js';
export {
  DEFAULT_MEMORY_STORE_MAX_DENIED,
  DEFAULT_MEMORY_STORE_MAX_FAMILIES,
  DEFAULT_MEMORY_STORE_MAX_EPOCHS,
  memoryStore,
  type MemoryStore,
  type MemoryStoreOptions,
} from './store/memory.js';
export type { IssuerRequestInfo, UserSource } from './users/types.js';
export { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword, type ScryptCost } from './users/password-hash.js';
export { createMemoryUsers, type MemoryUser, type MemoryUserInput, type MemoryUsers, type MemoryUsersOptions } from './users/memory-users.js';
export { readBody } from './mounts/read-body.js';
