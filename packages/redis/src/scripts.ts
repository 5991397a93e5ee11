/** The Lua scripts of the Redis store, with their SHA-1 for EVALSHA. */
import { createHash } from 'node:crypto';

/**
 * The Lua scripts behind every state change. A script runs atomically on the server (no other command
 * interleaves), so rotation is one compare-and-swap in one round trip, and reuse revokes the family in that
 * same step. MULTI/WATCH would need a read, a client-side decision and an optimistic retry loop: under 100
 * concurrent refreshes every loser retries. Every key a script touches carries the user's hash tag (see
 * `keys.ts`): the declared KEYS and the family keys derived from the session index (`familyPrefix ..
 * familyId`) are in one slot, so each script runs unchanged on Redis Cluster.
 *
 * Family hash fields: currentHash, previousHash, generation, userId, createdAt, lastUsedAt, expiresAt,
 * revokedAt, revokedReason, graceUntil, sealedSuccessor, userAgent, clientAddress, sessionExpiresAt,
 * idleTimeoutMs. Absent field = undefined. Times are ms since the epoch, passed and stored as strings
 * (never recomputed in Lua, whose number formatting could round them).
 *
 * The session index `sessions` is a sorted set of the user's live family ids scored by `createdAt`; a
 * family leaves it when revoked, and it expires with the newest family it lists. The index `revoked` holds
 * the user's revoked families still kept (scored by revocation time), at most `maxSessions`: past that the
 * oldest is deleted, its tokens then refused as missing, so one account's login/logout loop cannot fill
 * Redis. Each script that can revoke gets `revoked`, `maxSessions` and `familyPrefix` (its `bound`).
 *
 * Repeats are harmless: a client that re-sends a command after a lost reply (ioredis does on reconnect)
 * gets the first run's outcome — a family created with this very hash exists, a rotation to this very
 * successor hash was applied — never "exists already" or a reuse that would revoke the session.
 */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Helpers shared by the scripts (prepended: each script stays one self-contained body). */
const PRELUDE = `
local function extend(key, at)
  if redis.call('PTTL', key) == -1 then redis.call('PEXPIREAT', key, at) else redis.call('PEXPIREAT', key, at, 'GT') end
end
-- A revoked family stays (its tokens stay refused by its own record) in the user's bounded revoked index;
-- the oldest ones past bound.max are deleted (never the one revoked now), gone ones dropped first.
local function keepRevoked(bound, member, at, expiresAt)
  redis.call('ZADD', bound.key, at, member)
  if expiresAt then extend(bound.key, expiresAt) end
  if redis.call('ZCARD', bound.key) <= bound.max then return end
  for _, old in ipairs(redis.call('ZRANGE', bound.key, 0, -1)) do
    if redis.call('EXISTS', bound.prefix .. old) == 0 then redis.call('ZREM', bound.key, old) end
  end
  while redis.call('ZCARD', bound.key) > bound.max do
    local oldest = redis.call('ZRANGE', bound.key, 0, 1)
    local victim = oldest[1] == member and oldest[2] or oldest[1]
    redis.call('ZREM', bound.key, victim)
    redis.call('DEL', bound.prefix .. victim)
  end
end
local function revoke(fam, sessions, member, reason, at, bound)
  redis.call('HSET', fam, 'revokedAt', at, 'revokedReason', reason)
  redis.call('HDEL', fam, 'sealedSuccessor', 'graceUntil')
  redis.call('ZREM', sessions, member)
  keepRevoked(bound, member, at, redis.call('HGET', fam, 'expiresAt'))
end
-- The checks rotate and touch share, in the contract's order: missing, revoked (family, user epoch), ended.
local function refuse(fam, epochKey, sessions, member, usedAt, bound)
  if redis.call('EXISTS', fam) == 0 then return {'missing'} end
  if redis.call('HEXISTS', fam, 'revokedAt') == 1 then return {'revoked', redis.call('HGETALL', fam)} end
  local epoch = redis.call('GET', epochKey)
  local f = redis.call('HMGET', fam, 'createdAt', 'sessionExpiresAt', 'idleTimeoutMs', 'lastUsedAt')
  if epoch and tonumber(f[1]) <= tonumber(epoch) then
    revoke(fam, sessions, member, 'user', epoch, bound)
    return {'revoked', redis.call('HGETALL', fam)}
  end
  if f[2] and usedAt >= tonumber(f[2]) then return {'ended', 'absolute', redis.call('HGETALL', fam)} end
  if f[3] and usedAt - tonumber(f[4]) > tonumber(f[3]) then return {'ended', 'idle', redis.call('HGETALL', fam)} end
  return nil
end
`;

/**
 * KEYS: family, sessions, revoked. ARGV: expiresAt, familyId, createdAt, maxSessions, familyPrefix, channel,
 * currentHash, then field/value pairs. 1 when created (or already created by this same call, repeated), 0
 * when the id is another family's. Past `maxSessions` live sessions, expired index entries are dropped,
 * then the oldest sessions revoked (reason `limit`) and published.
 */
export const CREATE_FAMILY = script(
  'createFamily',
  `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 1 then
  local f = redis.call('HMGET', KEYS[1], 'currentHash', 'createdAt')
  if f[1] == ARGV[7] and f[2] == ARGV[3] then return 1 end
  return 0
end
local bound = { key = KEYS[3], max = tonumber(ARGV[4]), prefix = ARGV[5] }
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
extend(KEYS[2], ARGV[1])
local max = tonumber(ARGV[4])
if redis.call('ZCARD', KEYS[2]) > max then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    if redis.call('EXISTS', ARGV[5] .. member) == 0 then redis.call('ZREM', KEYS[2], member) end
  end
  while redis.call('ZCARD', KEYS[2]) > max do
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    revoke(ARGV[5] .. oldest, KEYS[2], oldest, 'limit', ARGV[3], bound)
    redis.call('PUBLISH', ARGV[6], 'fam:' .. oldest)
  end
end
return 1`,
);

/**
 * KEYS: family, epoch, sessions, revoked. ARGV: expectedHash, newHash, expiresAt, usedAt, graceUntil
 * ('' = none), sealed ('' = none), channel, familyId, maxSessions, familyPrefix. Returns
 * {status, [reason,] HGETALL...}. A rotation already applied by this same call (repeated) is `rotated`. A hash that is not current
 * is reuse unless it is the previous one inside the grace window: the family is revoked right here, in the
 * same script as the failed compare-and-swap, and published. The family key expires with its newest token,
 * never after the absolute session end.
 */
export const ROTATE = script(
  'rotate',
  `${PRELUDE}
local usedAt = tonumber(ARGV[4])
local bound = { key = KEYS[4], max = tonumber(ARGV[9]), prefix = ARGV[10] }
local refusal = refuse(KEYS[1], KEYS[2], KEYS[3], ARGV[8], usedAt, bound)
if refusal then return refusal end
local f = redis.call('HMGET', KEYS[1], 'currentHash', 'previousHash', 'graceUntil', 'sealedSuccessor', 'sessionExpiresAt')
if f[1] == ARGV[2] and f[2] == ARGV[1] then return {'rotated', redis.call('HGETALL', KEYS[1])} end
if f[1] ~= ARGV[1] then
  if f[2] == ARGV[1] and f[3] and f[4] and usedAt <= tonumber(f[3]) then return {'stale', redis.call('HGETALL', KEYS[1])} end
  revoke(KEYS[1], KEYS[3], ARGV[8], 'reuse', ARGV[4], bound)
  redis.call('PUBLISH', ARGV[7], 'fam:' .. ARGV[8])
  return {'reused', redis.call('HGETALL', KEYS[1])}
end
local expiresAt = ARGV[3]
if f[5] and tonumber(f[5]) < tonumber(expiresAt) then expiresAt = f[5] end
redis.call('HSET', KEYS[1], 'previousHash', f[1], 'currentHash', ARGV[2], 'expiresAt', expiresAt, 'lastUsedAt', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'generation', 1)
if ARGV[5] == '' then redis.call('HDEL', KEYS[1], 'graceUntil') else redis.call('HSET', KEYS[1], 'graceUntil', ARGV[5]) end
if ARGV[6] == '' then redis.call('HDEL', KEYS[1], 'sealedSuccessor') else redis.call('HSET', KEYS[1], 'sealedSuccessor', ARGV[6]) end
redis.call('PEXPIREAT', KEYS[1], expiresAt)
extend(KEYS[3], expiresAt)
return {'rotated', redis.call('HGETALL', KEYS[1])}`,
);

/** KEYS: family, epoch, sessions, revoked. ARGV: usedAt, familyId, maxSessions, familyPrefix. The checks of rotate; when they pass, sets lastUsedAt. */
export const TOUCH = script(
  'touch',
  `${PRELUDE}
local bound = { key = KEYS[4], max = tonumber(ARGV[3]), prefix = ARGV[4] }
local refusal = refuse(KEYS[1], KEYS[2], KEYS[3], ARGV[2], tonumber(ARGV[1]), bound)
if refusal then return refusal end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1])
return {'touched', redis.call('HGETALL', KEYS[1])}`,
);

/**
 * KEYS: family, sessions, revoked. ARGV: reason, at, channel, familyId, maxSessions, familyPrefix. Revokes
 * once (1), else 0; the family keeps its expiry so its tokens stay refused until they would have expired
 * anyway (or until the user's revoked bound drops it). Publishes `fam:<id>`.
 */
export const REVOKE_FAMILY = script(
  'revokeFamily',
  `${PRELUDE}
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return 0 end
revoke(KEYS[1], KEYS[2], ARGV[4], ARGV[1], ARGV[2], { key = KEYS[3], max = tonumber(ARGV[5]), prefix = ARGV[6] })
redis.call('PUBLISH', ARGV[3], 'fam:' .. ARGV[4])
return 1`,
);

/**
 * KEYS: epoch, sessions, revoked. ARGV: at, keepUntil, channel, message, familyPrefix, maxSessions. Raises the epoch (never
 * lowers it), keeps it until at least keepUntil, marks the indexed live families created at or before `at`
 * (bounded by the per-user session bound: no scan), publishes, and returns how many it marked.
 */
export const REVOKE_USER = script(
  'revokeUser',
  `${PRELUDE}
local current = redis.call('GET', KEYS[1])
if not current or tonumber(current) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL') end
extend(KEYS[1], ARGV[2])
local marked = 0
local bound = { key = KEYS[3], max = tonumber(ARGV[6]), prefix = ARGV[5] }
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local fam = ARGV[5] .. member
  local f = redis.call('HMGET', fam, 'createdAt', 'revokedAt')
  if not f[1] then
    redis.call('ZREM', KEYS[2], member)
  elseif not f[2] and tonumber(f[1]) <= tonumber(ARGV[1]) then
    revoke(fam, KEYS[2], member, 'user', ARGV[1], bound)
    marked = marked + 1
  end
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return marked`,
);

/**
 * KEYS: sessions, epoch. ARGV: now, limit, familyPrefix. The user's live families, newest first: flat
 * {familyId, HGETALL, ...}. Index entries of families gone or revoked are dropped on the way.
 */
export const LIST_FAMILIES = script(
  'listFamilies',
  `local out = {}
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local epoch = redis.call('GET', KEYS[2])
for _, member in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  if #out >= 2 * limit then break end
  local fam = ARGV[3] .. member
  local f = redis.call('HMGET', fam, 'createdAt', 'revokedAt', 'sessionExpiresAt', 'idleTimeoutMs', 'lastUsedAt', 'expiresAt')
  if not f[1] or f[2] then
    redis.call('ZREM', KEYS[1], member)
  elseif epoch and tonumber(f[1]) <= tonumber(epoch) then
  elseif f[3] and now >= tonumber(f[3]) then
  elseif f[4] and now - tonumber(f[5]) > tonumber(f[4]) then
  elseif tonumber(f[6]) <= now then
  else
    table.insert(out, member)
    table.insert(out, redis.call('HGETALL', fam))
  end
end
return out`,
);

/** KEYS[1] denylist entry; ARGV: expiresAt, channel, message. Denies until the token's own exp. */
export const DENY_TOKEN = script(
  'denyToken',
  `redis.call('SET', KEYS[1], '1', 'PXAT', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`,
);
