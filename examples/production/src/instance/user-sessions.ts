/**
 * "Log out everywhere" on the store API that `main` has today (`revokeFamily` per family, no per-user
 * revocation yet): the store is wrapped so that every login also adds its family id to a per-user Redis
 * set, and revoking a user revokes each family in that set. The set lives as long as the user's newest
 * refresh token (PEXPIREAT NX then GT), so it is bounded by the live sessions, and no path ever scans keys.
 *
 * When the issuer's per-user revocation (`revokeUser`, a user epoch checked inside `rotate`) is available,
 * it replaces this module: an epoch also covers a login racing the logout, which a set read here cannot.
 */
import type { FamilyRecord, IssuerStore, NewFamily, RotateOutcome, Successor } from '@latchkey/issuer';
import type { Redis } from 'ioredis';

export interface UserSessions {
  /** The issuer's store, recording each new family under its user. */
  readonly store: IssuerStore;
  /** Revokes every live family of the user (reason `user`); resolves how many this call revoked. */
  revokeAll(userId: string): Promise<number>;
}

export function userSessions(inner: IssuerStore, client: Redis, keyPrefix = 'example:user-families:'): UserSessions {
  const keyOf = (userId: string) => `${keyPrefix}{${userId}}`;
  const store: IssuerStore = {
    async createFamily(family: NewFamily): Promise<void> {
      await inner.createFamily(family);
      const key = keyOf(family.userId);
      // NX sets the first expiry, GT only ever extends it: the set outlives none of its families by much.
      await client.multi().sadd(key, family.familyId).pexpireat(key, family.expiresAt, 'NX').pexpireat(key, family.expiresAt, 'GT').exec();
    },
    getFamily: (familyId: string): Promise<FamilyRecord | undefined> => inner.getFamily(familyId),
    async rotate(familyId: string, expectedCurrentHash: string, successor: Successor): Promise<RotateOutcome> {
      const outcome = await inner.rotate(familyId, expectedCurrentHash, successor);
      if (outcome.status === 'rotated') await client.pexpireat(keyOf(outcome.record.userId), successor.expiresAt, 'GT');
      return outcome;
    },
    touch: (familyId: string, usedAt: number) => inner.touch(familyId, usedAt),
    revokeFamily: (familyId, reason, at) => inner.revokeFamily(familyId, reason, at),
    denyToken: (jti: string, expiresAt: number) => inner.denyToken(jti, expiresAt),
    isTokenDenied: (jti: string) => inner.isTokenDenied(jti),
  };
  return {
    store,
    async revokeAll(userId) {
      const key = keyOf(userId);
      const families = await client.smembers(key);
      const now = Date.now();
      let revoked = 0;
      // Each revocation is one store script that also publishes it: every instance's cache hears it.
      for (const familyId of families) if (await inner.revokeFamily(familyId, 'user', now)) revoked += 1;
      await client.srem(key, ...(families.length > 0 ? families : ['']));
      return revoked;
    },
  };
}
