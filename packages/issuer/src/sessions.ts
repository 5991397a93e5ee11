/** A user's live sessions as the session API shows them (from the stored families). */
import type { FamilyRecord } from './store/types.js';

/** One live session of a user (a refresh-token family), as `issuer.listSessions` returns it. Times in ms since the epoch. */
export interface SessionInfo {
  /** The session id: the `fam` claim of its tokens; what `issuer.revokeSession` takes. */
  readonly sessionId: string;
  /** The login. */
  readonly createdAt: number;
  /** The last login or refresh. */
  readonly lastUsedAt: number;
  /** When its current refresh token expires (never after the absolute session end). */
  readonly expiresAt: number;
  /** The `User-Agent` of the login. */
  readonly userAgent: string | undefined;
  /** The client address of the login (the framework's trusted-proxy view). */
  readonly clientAddress: string | undefined;
}

/** The public view of a family: no token hashes, no sealed successor. */
export function sessionInfo(record: FamilyRecord): SessionInfo {
  return Object.freeze({
    sessionId: record.familyId,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    expiresAt: record.expiresAt,
    userAgent: record.userAgent,
    clientAddress: record.clientAddress,
  });
}
