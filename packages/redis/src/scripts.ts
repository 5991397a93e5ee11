import { createHash } from 'node:crypto';

/**
 * The Lua scripts behind every state change. A script runs atomically on the server (no other command
 * interleaves), so rotation is one compare-and-swap in one round trip. MULTI/WATCH would need a read, a
 * client-side decision and an optimistic retry loop: under 100 concurrent refreshes every loser retries,
 * and a retry after a lost connection could half-apply nothing but cost a second round trip. Each script
 * touches the keys it is given only (KEYS[...]), so it runs unchanged on Redis Cluster.
 *
 * Family hash fields: currentHash, previousHash, generation, userId, createdAt, lastUsedAt, expiresAt,
 * revokedAt, revokedReason, graceUntil, sealedSuccessor, userAgent, clientAddress. Absent field = undefined.
 */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/** KEYS[1] family; ARGV: expiresAt, then field/value pairs. 1 when created, 0 when the id exists. */
export const CREATE_FAMILY = script(
  'createFamily',
  `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1`,
);

/**
 * KEYS[1] family; ARGV: expectedHash, newHash, expiresAt, usedAt, graceUntil ('' = none), sealed ('' = none).
 * Returns {status, HGETALL...}. The family key expires with its newest token (PEXPIREAT).
 */
export const ROTATE = script(
  'rotate',
  `if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
if redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return {'revoked', redis.call('HGETALL', KEYS[1])} end
local current = redis.call('HGET', KEYS[1], 'currentHash')
if current ~= ARGV[1] then return {'stale', redis.call('HGETALL', KEYS[1])} end
redis.call('HSET', KEYS[1], 'previousHash', current, 'currentHash', ARGV[2], 'expiresAt', ARGV[3], 'lastUsedAt', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'generation', 1)
if ARGV[5] == '' then redis.call('HDEL', KEYS[1], 'graceUntil') else redis.call('HSET', KEYS[1], 'graceUntil', ARGV[5]) end
if ARGV[6] == '' then redis.call('HDEL', KEYS[1], 'sealedSuccessor') else redis.call('HSET', KEYS[1], 'sealedSuccessor', ARGV[6]) end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return {'rotated', redis.call('HGETALL', KEYS[1])}`,
);

/** KEYS[1] family; ARGV: usedAt. Sets lastUsedAt of a live family. */
export const TOUCH = script(
  'touch',
  `if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return 1`,
);

/**
 * KEYS[1] family; ARGV: reason, at, channel. Revokes once (1), else 0; the family keeps its expiry so its
 * tokens stay refused until they would have expired anyway. Publishes `fam:<id>` for local caches.
 */
export const REVOKE_FAMILY = script(
  'revokeFamily',
  `if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'revokedAt', ARGV[2], 'revokedReason', ARGV[1])
redis.call('HDEL', KEYS[1], 'sealedSuccessor', 'graceUntil')
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`,
);

/** KEYS[1] denylist entry; ARGV: expiresAt, channel, message. Denies until the token's own exp. */
export const DENY_TOKEN = script(
  'denyToken',
  `redis.call('SET', KEYS[1], '1', 'PXAT', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`,
);
