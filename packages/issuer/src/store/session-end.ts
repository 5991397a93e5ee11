/** Session-end rules shared by the stores and the flows: absolute lifetime, idle timeout, grace window, the per-user session cap. */
import type { FamilyRecord, SessionEndReason } from './types.js';

/**
 * Why a live family may not be used at `usedAt`, or `undefined` when it may. Shared by stores and
 * the refresh flow so that both read the absolute lifetime (`>=` its end) and idle timeout (`>` the pause) alike.
 */
export function sessionEnd(record: FamilyRecord, usedAt: number): SessionEndReason | undefined {
  if (record.sessionExpiresAt !== undefined && usedAt >= record.sessionExpiresAt) return 'absolute';
  if (record.idleTimeoutMs !== undefined && usedAt - record.lastUsedAt > record.idleTimeoutMs) return 'idle';
  return undefined;
}

/**
 * True when `expectedHash` is the family's previous token and the grace window is still open at `usedAt`
 * (a sealed successor kept): a rotation that lost a race or a lost response, not reuse.
 */
export function withinGrace(record: FamilyRecord, expectedHash: string, usedAt: number): boolean {
  return record.previousHash === expectedHash && record.sealedSuccessor !== undefined && record.graceUntil !== undefined && usedAt <= record.graceUntil;
}

/** Default most live sessions (families) kept per user: 100. A new login past it revokes the oldest (reason `limit`). */
export const DEFAULT_MAX_SESSIONS_PER_USER = 100;
