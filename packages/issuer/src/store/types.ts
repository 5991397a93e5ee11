/**
 * The issuer's state, behind one small interface so that the in-memory default and shared stores (Redis,
 * SQL) are interchangeable. Every method is asynchronous; every state change that must be atomic is one
 * method (RFC 9700 §4.14.2: rotation is a compare-and-swap, never a read followed by a write).
 *
 * Stores keep **hashes** of refresh tokens (SHA-256, base64url), never the tokens themselves. Times are
 * milliseconds since the epoch. Any store must pass the contract suite in `@latchkey/issuer/contract`.
 */

/**
 * Why a family was revoked. `reuse`: a rotated-away token came back (RFC 9700 §4.14.2); `logout`: its
 * holder logged out; `user`: logout everywhere (the user's revocation epoch); `admin`: revoked by the
 * application (e.g. revoke one session from a session list); `limit`: the user's oldest session, revoked
 * to keep the per-user session bound.
 */
export type RevocationReason = 'reuse' | 'logout' | 'user' | 'admin' | 'limit';

/** A refresh-token family: one login, all the refresh tokens rotated from it, and their state. */
export interface FamilyRecord {
  /** The family id, the `fam` claim of every refresh token in it. */
  readonly familyId: string;
  /** The user the family belongs to (the `sub` of its tokens). */
  readonly userId: string;
  /** Hash of the one refresh token of the family that may be used now. */
  readonly currentHash: string;
  /** Hash of the token rotated away last, kept for the grace window and for telling reuse from garbage. */
  readonly previousHash: string | undefined;
  /** How many rotations the family has been through (0 after login). */
  readonly generation: number;
  /** When the family was created (the login). Never moves: absolute session lifetimes anchor here. */
  readonly createdAt: number;
  /** When a token of the family was last used (login, refresh). Idle timeouts measure from here. */
  readonly lastUsedAt: number;
  /** When the current refresh token expires; the store may forget the family after this. */
  readonly expiresAt: number;
  /** When the family was revoked; `undefined` while it is alive. */
  readonly revokedAt: number | undefined;
  /** Why it was revoked. */
  readonly revokedReason: RevocationReason | undefined;
  /** Until when the previous token may still be presented and answered with the same successor. */
  readonly graceUntil: number | undefined;
  /** The successor refresh token, encrypted with a key only the previous token yields (base64url). */
  readonly sealedSuccessor: string | undefined;
  /** The `User-Agent` of the login, for session lists. */
  readonly userAgent: string | undefined;
  /** The client address of the login, for session lists. */
  readonly clientAddress: string | undefined;
  /**
   * Absolute end of the session, fixed at login (`createdAt` + the absolute lifetime). Rotation never moves
   * it, and a rotation's `expiresAt` is clamped to it; `undefined` for no absolute lifetime.
   */
  readonly sessionExpiresAt: number | undefined;
  /** Longest pause between two uses (ms); a refresh after a longer pause is refused. `undefined`: none. */
  readonly idleTimeoutMs: number | undefined;
}

/** What the issuer writes at login. */
export interface NewFamily {
  readonly familyId: string;
  readonly userId: string;
  readonly currentHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly userAgent?: string | undefined;
  readonly clientAddress?: string | undefined;
  /** See {@link FamilyRecord.sessionExpiresAt}. */
  readonly sessionExpiresAt?: number | undefined;
  /** See {@link FamilyRecord.idleTimeoutMs}. */
  readonly idleTimeoutMs?: number | undefined;
}

/** What a successful rotation writes. */
export interface Successor {
  /** Hash of the new current token. */
  readonly currentHash: string;
  /** When the new token expires. */
  readonly expiresAt: number;
  /** The time of the rotation (becomes `lastUsedAt`). */
  readonly usedAt: number;
  /** Grace window end for the token being rotated away; `undefined` for none. */
  readonly graceUntil?: number | undefined;
  /** The new token sealed for holders of the old one, when a grace window is on. */
  readonly sealedSuccessor?: string | undefined;
}

/** Why a live family is past its session: `absolute` lifetime from login, or `idle` timeout. */
export type SessionEndReason = 'absolute' | 'idle';

/**
 * The outcome of {@link IssuerStore.rotate} (and of {@link IssuerStore.touch}):
 * - `rotated`: the expected hash was current and has been replaced (the record after the swap);
 * - `stale`: the expected hash is the *previous* one and the grace window (`graceUntil` ≥ `usedAt`, with a
 *   sealed successor) is open: nothing written, the caller may hand over the sealed successor;
 * - `reused`: the expected hash is not current and no grace applies — reuse (RFC 9700 §4.14.2). The store
 *   revoked the family (reason `reuse`) **in the same atomic step** (the record after revocation);
 * - `revoked`: the family was revoked, or its user's revocation epoch is at or after its `createdAt`
 *   (the record; the store marks it revoked with reason `user` on the way);
 * - `ended`: the session is past its absolute lifetime or idle timeout at `usedAt` (nothing written);
 * - `missing`: no such family (never created, expired or evicted).
 *
 * The order of checks is fixed: missing, revoked (family, then user epoch), ended, then stale or reused.
 */
export type RotateOutcome =
  | { readonly status: 'rotated'; readonly record: FamilyRecord }
  | { readonly status: 'stale'; readonly record: FamilyRecord }
  | { readonly status: 'reused'; readonly record: FamilyRecord }
  | { readonly status: 'revoked'; readonly record: FamilyRecord }
  | { readonly status: 'ended'; readonly reason: SessionEndReason; readonly record: FamilyRecord }
  | { readonly status: 'missing' };

/** The outcome of {@link IssuerStore.touch}: like {@link RotateOutcome}, `touched` for success, no `stale`. */
export type TouchOutcome =
  | { readonly status: 'touched'; readonly record: FamilyRecord }
  | { readonly status: 'revoked'; readonly record: FamilyRecord }
  | { readonly status: 'ended'; readonly reason: SessionEndReason; readonly record: FamilyRecord }
  | { readonly status: 'missing' };

export { StoreCapacityError } from './errors.js';

/**
 * The store interface. See the module comment for the rules every implementation follows.
 *
 * A family is addressed by its user **and** its id (both signed into every token: `sub` and `fam`): a
 * shared store keeps everything of one user together (Redis Cluster: one hash slot), so one atomic step can
 * read the family, the user's revocation epoch and the user's session list. A family asked for under
 * another user is `missing`.
 */
export interface IssuerStore {
  /**
   * Records a new family (a login). A family id is never reused. The user's session list is bounded: when
   * it is full, the oldest live family is revoked (reason `limit`) in the same step.
   */
  createFamily(family: NewFamily): Promise<void>;
  /** The family, or `undefined` when unknown, expired or another user's. Revoked families are returned (with `revokedAt`). */
  getFamily(userId: string, familyId: string): Promise<FamilyRecord | undefined>;
  /**
   * Atomically: if the family is alive and its current hash is `expectedCurrentHash`, make `successor`
   * current (the old hash becomes `previousHash`, `generation` + 1). One compare-and-swap, so of many
   * concurrent calls with the same expected hash exactly one sees `rotated`. A hash that is not current
   * (outside the grace window) revokes the family in the same step: `reused`.
   */
  rotate(userId: string, familyId: string, expectedCurrentHash: string, successor: Successor): Promise<RotateOutcome>;
  /**
   * Marks a use without rotating (refresh with rotation off): atomically runs the same checks as
   * {@link IssuerStore.rotate} (revoked, user epoch, absolute lifetime, idle timeout) and, when they pass,
   * sets `lastUsedAt`. Writes nothing otherwise.
   */
  touch(userId: string, familyId: string, usedAt: number): Promise<TouchOutcome>;
  /**
   * Revokes the family (idempotent). Resolves `true` when this call revoked it, `false` when it was already
   * revoked or is unknown. A revoked family is kept until its `expiresAt`, so its tokens stay refused.
   */
  revokeFamily(userId: string, familyId: string, reason: RevocationReason, at: number): Promise<boolean>;
  /**
   * Puts a token id on the denylist until `expiresAt` (the token's own `exp`): no need to keep it longer.
   * Never evicts an unexpired entry to make room: a full store throws {@link StoreCapacityError}.
   */
  denyToken(jti: string, expiresAt: number): Promise<void>;
  /** True while `jti` is on the denylist. */
  isTokenDenied(jti: string): Promise<boolean>;
  /**
   * Logout everywhere: raises the user's revocation epoch to `at` (never lowers it). Every family of the
   * user created at or before the epoch is refused from then on by `rotate` and `touch`; the store keeps
   * the epoch until `keepUntil` (the end of the longest session that could predate it), and throws
   * {@link StoreCapacityError} rather than drop an unexpired epoch. Resolves how many live families it
   * marked revoked (reason `user`) on the way; the epoch, not that count, is what guarantees the refusal.
   */
  revokeUser(userId: string, at: number, keepUntil: number): Promise<number>;
  /** The user's revocation epoch, or `undefined` when none is in force. */
  getUserEpoch(userId: string): Promise<number | undefined>;
  /**
   * The user's live families (not revoked, not expired, not before the user's epoch, not past their
   * session end), newest `createdAt` first, at most `limit` of them. For session lists with revoke-one.
   */
  listFamilies(userId: string, limit: number): Promise<readonly FamilyRecord[]>;
}
