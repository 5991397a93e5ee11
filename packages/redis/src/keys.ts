/** Default key prefix: `latchkey:`. */
export const DEFAULT_KEY_PREFIX = 'latchkey:';
/** Default pub/sub channel name suffix (after the prefix): `revocations`. */
export const REVOCATION_CHANNEL = 'revocations';

/**
 * Key names. Everything of one user sits under one Redis Cluster hash tag, `{<user id>}`: only the tag
 * is hashed to pick the slot, so a user's families, revocation epoch and session index live on one node
 * and one script may read and write them together (rotate checks the epoch; logout everywhere marks the
 * families). The user id is URI-encoded, so no `{`, `}` or `:` of its own can move the tag or make two
 * users' keys meet; a family id follows the tag and cannot change it.
 */
export interface KeyNames {
  family(userId: string, familyId: string): string;
  /** What a family id is appended to (scripts derive family keys from the session index with it). */
  familyPrefix(userId: string): string;
  epoch(userId: string): string;
  sessions(userId: string): string;
  /** The user's revoked families still kept (bounded: see `scripts.ts`). */
  revoked(userId: string): string;
  denied(jti: string): string;
  readonly channel: string;
}

// A UTF-16 surrogate half with no partner: a string holding one is not well-formed Unicode.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` holds a lone surrogate half (which UTF-8 cannot carry, and `encodeURIComponent` refuses). */
export const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text);

/**
 * A user id as it appears in keys: percent-encoded (no brace can end the Cluster hash tag early, no two ids
 * alike). `encodeURIComponent` throws on a lone surrogate half, which a JavaScript string may hold; such a
 * half is written `%uXXXX` instead, a form `encodeURIComponent` never writes, so ids stay apart.
 */
export function encodeUserId(userId: string): string {
  if (!hasLoneSurrogate(userId)) return encodeURIComponent(userId);
  return Array.from(userId, (unit) => (hasLoneSurrogate(unit) ? `%u${unit.charCodeAt(0).toString(16).toUpperCase()}` : encodeURIComponent(unit))).join('');
}

/** The key names under `prefix` (e.g. {@link DEFAULT_KEY_PREFIX}), as described at {@link KeyNames}. */
export function keyNames(prefix: string): KeyNames {
  const user = (userId: string): string => `${prefix}u:{${encodeUserId(userId)}}`;
  return {
    family: (userId, familyId) => `${user(userId)}:fam:${familyId}`,
    familyPrefix: (userId) => `${user(userId)}:fam:`,
    epoch: (userId) => `${user(userId)}:epoch`,
    sessions: (userId) => `${user(userId)}:sessions`,
    revoked: (userId) => `${user(userId)}:revoked`,
    denied: (jti) => `${prefix}deny:{${jti}}`,
    channel: `${prefix}${REVOCATION_CHANNEL}`,
  };
}
