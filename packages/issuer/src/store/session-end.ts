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
