/** `redisStore`: the `IssuerStore` on Redis (single server or Cluster), each state change one atomic script. */
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import {
  DEFAULT_MAX_SESSIONS_PER_USER,
  type FamilyRecord,
  type IssuerStore,
  type NewFamily,
  type RevocationReason,
  type RotateOutcome,
  type SessionEndReason,
  type Successor,
  type TouchOutcome,
} from '@latchkey/issuer';
import { checkClient, runScript, type RedisClientLike } from './client.js';
import { DEFAULT_KEY_PREFIX, keyNames } from './keys.js';
import { commandTimeout, positiveInteger } from './options.js';
import { CREATE_FAMILY, DENY_TOKEN, LIST_FAMILIES, REVOKE_FAMILY, REVOKE_USER, ROTATE, TOUCH, type Script } from './scripts.js';
import { withTimeout } from './timeout.js';

/** Default most time one store call waits for Redis: 1,000 ms. Past it the call fails as unavailable (503). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** An existing ioredis `Redis` or `Cluster` (or an adapter): shared, never one connection per request. Required. */
  client: RedisClientLike;
  /** Prefix of every key and of the pub/sub channel; no `{` or `}` (they would move the hash tag). Default {@link DEFAULT_KEY_PREFIX} (`latchkey:`). */
  keyPrefix?: string;
  /** Milliseconds a call waits for Redis before failing with `StoreUnavailableError`. Default {@link DEFAULT_COMMAND_TIMEOUT_MS}. */
  commandTimeoutMs?: number;
  /** Most live sessions per user; a login past it revokes the oldest (reason `limit`). Default `DEFAULT_MAX_SESSIONS_PER_USER` (100). */
  maxSessionsPerUser?: number;
}

const OPTION_NAMES = ['client', 'keyPrefix', 'commandTimeoutMs', 'maxSessionsPerUser'] as const;

/**
 * Checks times (ms since the epoch) and durations before any script runs. Redis does not roll back a script
 * that fails halfway, and a fraction or NaN would fail at its PEXPIREAT after the writes before it: refused
 * here, nothing is written. The issuer always passes whole milliseconds.
 */
function wholeMs(method: string, values: Record<string, number | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && !Number.isSafeInteger(value)) throw new TypeError(`redisStore.${method}: "${name}" must be a whole number of milliseconds`);
  }
}

const optionalNumber = (fields: Record<string, string>, name: string): number | undefined => (fields[name] === undefined ? undefined : Number(fields[name]));

/** A family record from HGETALL's fields. */
function recordOf(familyId: string, fields: Record<string, string>): FamilyRecord {
  return Object.freeze({
    familyId,
    userId: fields.userId ?? '',
    currentHash: fields.currentHash ?? '',
    previousHash: fields.previousHash,
    generation: Number(fields.generation ?? 0),
    createdAt: Number(fields.createdAt),
    lastUsedAt: Number(fields.lastUsedAt),
    expiresAt: Number(fields.expiresAt),
    revokedAt: optionalNumber(fields, 'revokedAt'),
    revokedReason: fields.revokedReason as RevocationReason | undefined,
    graceUntil: optionalNumber(fields, 'graceUntil'),
    sealedSuccessor: fields.sealedSuccessor,
    userAgent: fields.userAgent,
    clientAddress: fields.clientAddress,
    sessionExpiresAt: optionalNumber(fields, 'sessionExpiresAt'),
    idleTimeoutMs: optionalNumber(fields, 'idleTimeoutMs'),
  });
}

function pairs(flat: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(flat)) return fields;
  for (let index = 0; index + 1 < flat.length; index += 2) fields[String(flat[index])] = String(flat[index + 1]);
  return fields;
}

type Reply = [string, ...unknown[]];

/** A rotate/touch reply as the store interface's outcome (`ended` carries its reason before the fields). */
function outcomeOf(familyId: string, reply: Reply): { status: string; reason?: SessionEndReason; record?: FamilyRecord } {
  const [status] = reply;
  if (status === 'missing') return { status };
  if (status === 'ended') return { status, reason: reply[1] as SessionEndReason, record: recordOf(familyId, pairs(reply[2])) };
  return { status, record: recordOf(familyId, pairs(reply[1])) };
}

/**
 * The issuer's store on Redis (a single server or a Cluster). Every state change is one Lua script, so
 * it is atomic and either fully applied or not at all; reuse revokes the family inside the rotation script;
 * keys expire with what they describe (PEXPIREAT); no request path scans keys (the per-user session index
 * is bounded). Unreachable or slow Redis -> `StoreUnavailableError` (the issuer answers 503 with
 * `Retry-After`); Redis out of memory -> `StoreCapacityError` (fail closed, also 503).
 *
 * @example
 * import { Redis } from 'ioredis';
 * const client = new Redis({ enableOfflineQueue: false });
 * const issuer = createIssuer({ ...options, store: redisStore({ client }) });
 */
export function redisStore(options: RedisStoreOptions): IssuerStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('redisStore: options must be an object');
  refuseUnknownKeys(options, OPTION_NAMES, 'redisStore options');
  const { client } = options;
  checkClient('redisStore', client);
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof prefix !== 'string' || /[{}]/.test(prefix))
    throw new TypeError('redisStore: "keyPrefix" must be a string without "{" or "}" (they would change the Cluster hash tag)');
  const timeoutMs = commandTimeout('redisStore', options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);
  const maxSessions = positiveInteger('redisStore', 'maxSessionsPerUser', options.maxSessionsPerUser, DEFAULT_MAX_SESSIONS_PER_USER);
  const keys = keyNames(prefix);

  const call = <T>(work: () => Promise<T>): Promise<T> => withTimeout(work, timeoutMs);
  const run = (script: Script, scriptKeys: string[], args: (string | number)[]): Promise<unknown> => call(() => runScript(client, script, scriptKeys, args));
  // A family's keys, all in its user's slot.
  const familyKeys = (userId: string, familyId: string): string[] => [
    keys.family(userId, familyId),
    keys.epoch(userId),
    keys.sessions(userId),
    keys.revoked(userId),
  ];
  // What a script that may revoke needs to keep the user's revoked families bounded.
  const bound = (userId: string): (string | number)[] => [maxSessions, keys.familyPrefix(userId)];

  return {
    async createFamily(family: NewFamily) {
      const { createdAt, sessionExpiresAt, idleTimeoutMs } = family;
      wholeMs('createFamily', { createdAt, expiresAt: family.expiresAt, sessionExpiresAt, idleTimeoutMs });
      const expiresAt = Math.min(family.expiresAt, family.sessionExpiresAt ?? Infinity);
      const fields: (string | number)[] = [
        'userId',
        family.userId,
        'currentHash',
        family.currentHash,
        'generation',
        0,
        'createdAt',
        family.createdAt,
        'lastUsedAt',
        family.createdAt,
        'expiresAt',
        expiresAt,
      ];
      if (family.userAgent !== undefined) fields.push('userAgent', family.userAgent);
      if (family.clientAddress !== undefined) fields.push('clientAddress', family.clientAddress);
      if (family.sessionExpiresAt !== undefined) fields.push('sessionExpiresAt', family.sessionExpiresAt);
      if (family.idleTimeoutMs !== undefined) fields.push('idleTimeoutMs', family.idleTimeoutMs);
      const created = await run(
        CREATE_FAMILY,
        [keys.family(family.userId, family.familyId), keys.sessions(family.userId), keys.revoked(family.userId)],
        [expiresAt, family.familyId, family.createdAt, maxSessions, keys.familyPrefix(family.userId), keys.channel, family.currentHash, ...fields],
      );
      if (created !== 1) throw new Error('redisStore: a family with this id exists already');
    },
    async getFamily(userId, familyId) {
      const fields = await call(() => client.hgetall(keys.family(userId, familyId)));
      return fields.currentHash === undefined ? undefined : recordOf(familyId, fields);
    },
    async rotate(userId: string, familyId: string, expectedCurrentHash: string, successor: Successor): Promise<RotateOutcome> {
      wholeMs('rotate', { expiresAt: successor.expiresAt, usedAt: successor.usedAt, graceUntil: successor.graceUntil });
      const reply = (await run(ROTATE, familyKeys(userId, familyId), [
        expectedCurrentHash,
        successor.currentHash,
        successor.expiresAt,
        successor.usedAt,
        successor.graceUntil ?? '',
        successor.sealedSuccessor ?? '',
        keys.channel,
        familyId,
        ...bound(userId),
      ])) as Reply;
      const outcome = outcomeOf(familyId, reply);
      if (!['missing', 'rotated', 'stale', 'reused', 'revoked', 'ended'].includes(outcome.status)) throw new Error('redisStore: unexpected rotate reply');
      return outcome as RotateOutcome;
    },
    async touch(userId, familyId, usedAt): Promise<TouchOutcome> {
      wholeMs('touch', { usedAt });
      const outcome = outcomeOf(familyId, (await run(TOUCH, familyKeys(userId, familyId), [usedAt, familyId, ...bound(userId)])) as Reply);
      if (!['missing', 'touched', 'revoked', 'ended'].includes(outcome.status)) throw new Error('redisStore: unexpected touch reply');
      return outcome as TouchOutcome;
    },
    async revokeFamily(userId: string, familyId: string, reason: RevocationReason, at: number) {
      wholeMs('revokeFamily', { at });
      return (
        (await run(
          REVOKE_FAMILY,
          [keys.family(userId, familyId), keys.sessions(userId), keys.revoked(userId)],
          [reason, at, keys.channel, familyId, ...bound(userId)],
        )) === 1
      );
    },
    async denyToken(jti, expiresAt) {
      wholeMs('denyToken', { expiresAt });
      // SET ... PXAT in the past would be refused; a token past its exp needs no denylist entry.
      if (expiresAt <= Date.now()) return;
      await run(DENY_TOKEN, [keys.denied(jti)], [expiresAt, keys.channel, `jti:${jti}`]);
    },
    async isTokenDenied(jti) {
      return (await call(() => client.exists(keys.denied(jti)))) === 1;
    },
    async revokeUser(userId, at, keepUntil) {
      wholeMs('revokeUser', { at, keepUntil });
      const marked = await run(
        REVOKE_USER,
        [keys.epoch(userId), keys.sessions(userId), keys.revoked(userId)],
        [at, keepUntil, keys.channel, `user:${at}:${userId}`, keys.familyPrefix(userId), maxSessions],
      );
      return Number(marked);
    },
    async getUserEpoch(userId) {
      const epoch = await call(() => client.get(keys.epoch(userId)));
      return epoch === null ? undefined : Number(epoch);
    },
    async listFamilies(userId, limit) {
      const flat = (await run(
        LIST_FAMILIES,
        [keys.sessions(userId), keys.epoch(userId)],
        [Date.now(), Math.max(0, Math.min(limit, maxSessions)), keys.familyPrefix(userId)],
      )) as unknown[];
      const records: FamilyRecord[] = [];
      for (let index = 0; index + 1 < flat.length; index += 2) records.push(recordOf(String(flat[index]), pairs(flat[index + 1])));
      return records;
    },
  };
}
