/** Default key prefix: `latchkey:`. */
export const DEFAULT_KEY_PREFIX = 'latchkey:';
/** Default pub/sub channel name suffix (after the prefix): `revocations`. */
export const REVOCATION_CHANNEL = 'revocations';

/**
 * Key names. The id sits inside `{...}`, a Redis Cluster hash tag: only the tag is hashed to pick the slot,
 * so every key of one family (and any later per-family key) lives on one node and one script may touch them.
 */
export interface KeyNames {
  family(familyId: string): string;
  denied(jti: string): string;
  readonly channel: string;
}

export function keyNames(prefix: string): KeyNames {
  return {
    family: (familyId) => `${prefix}fam:{${familyId}}`,
    denied: (jti) => `${prefix}deny:{${jti}}`,
    channel: `${prefix}${REVOCATION_CHANNEL}`,
  };
}
