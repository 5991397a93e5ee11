/** The events the issuer reports to `onEvent` (logins, refreshes, reuse, revocations, refusals). */
import type { CsrfReason } from './cookies/csrf.js';
import type { LimitScope } from './limits/login-limiter.js';
import type { RevocationReason } from './store/types.js';

/**
 * What the issuer reports. Events never carry tokens, passwords or hashes; a handler that throws is
 * ignored (reported to `console.error` once, by `@latchkey/core`'s `eventSink`), so observability can
 * never break a login or a refresh.
 */
export type IssuerEvent =
  /** A login succeeded and a token pair (or sliding token) was issued. */
  | { type: 'token.issued'; userId: string; familyId: string }
  /** A refresh token (or sliding token) was exchanged; `rotated` when a new refresh token was issued. */
  | { type: 'token.refreshed'; userId: string; familyId: string; rotated: boolean; grace: boolean }
  /** A rotated-away refresh token came back (RFC 9700 §4.14.2): its family is revoked. */
  | { type: 'refresh.reuse_detected'; userId: string; familyId: string; generation: number }
  /** A family was revoked (reuse detection, a blacklist call, revoke-one from a session list). Emitted once per family. */
  | { type: 'family.revoked'; userId: string; familyId: string; reason: RevocationReason }
  /** Logout everywhere: the user's revocation epoch was raised; `sessions` live sessions were marked on the way. */
  | { type: 'user.revoked'; userId: string; sessions: number }
  /** A login failed (bad credentials, unknown or inactive user). The user name is what was sent. */
  | { type: 'login.failed'; username: string; clientAddress: string | undefined }
  /** An application hook (`onLoginSuccess`, `onLoginFailure`) threw; the request went on. */
  | { type: 'hook.failed'; hook: 'onLoginSuccess' | 'onLoginFailure'; error: unknown }
  /** A login was refused with 429 before its password was checked: `scope` names the limit that held. */
  | { type: 'login.rate_limited'; scope: LimitScope; retryAfterSeconds: number; clientAddress: string | undefined }
  /** A cookie-route request failed the CSRF checks (refresh cookie mode) and got 403. */
  | { type: 'csrf.refused'; path: string; reason: CsrfReason }
  /** A handler failed unexpectedly (a user source or store error): the client got a 500. */
  | { type: 'request.failed'; path: string; error: unknown };

/** Receives {@link IssuerEvent}s. */
export type IssuerEventHandler = (event: IssuerEvent) => void;
