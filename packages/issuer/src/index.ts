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
  type IssuerOptions,
  type IssuerPaths,
} from './options.js';
export type { TokenPair } from './flows.js';
export { SIGNING_ALGORITHMS, thumbprint, type JWK, type PublishedJwk, type SigningAlgorithm, type SigningKeyInput } from './keys.js';
export { inProcessSigner, isSigner, type AsymmetricSigningAlgorithm, type Signer } from './keyring/signer.js';
export type { KeyRingEntry, KeyRingOptions, KeyStatus } from './keyring/ring.js';
export { DEFAULT_RETIRE_MARGIN_SECONDS, keyStatesAt, scheduleKeys, type KeyState, type ScheduledKey, type ScheduleInput, type ScheduleSettings } from './keyring/schedule.js';
export { keyRingFromFile, parseKeyRing, type KeyRingDocument, type KeyRingFileEntry } from './keyring/ring-file.js';
export { DEVELOPMENT_KEYS_WARNING } from './keyring/development.js';
export { ACCESS_TOKEN_TYP, REFRESH_TOKEN_TYP, type TokenKind } from './tokens.js';
export type { IssuerEvent, IssuerEventHandler } from './events.js';
export type { IssuerRequest, IssuerResponse } from './http/types.js';
export type { FamilyRecord, IssuerStore, NewFamily, RevocationReason, RotateOutcome, Successor } from './store/types.js';
export { DEFAULT_STORE_RETRY_AFTER_SECONDS, isStoreUnavailableError, StoreUnavailableError } from './store/errors.js';
export { DEFAULT_MEMORY_STORE_MAX_DENIED, DEFAULT_MEMORY_STORE_MAX_FAMILIES, memoryStore, type MemoryStore, type MemoryStoreOptions } from './store/memory.js';
export type { IssuerRequestInfo, UserSource } from './users/types.js';
export { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword, type ScryptCost } from './users/password-hash.js';
export { createMemoryUsers, type MemoryUser, type MemoryUserInput, type MemoryUsers, type MemoryUsersOptions } from './users/memory-users.js';
export { readBody } from './mounts/read-body.js';
