import { refuseUnknownKeys } from '@latchkey/core/adapter';
import { type FamilyRecord, type IssuerStore, type NewFamily, type RevocationReason, type RotateOutcome, type Successor } from '@latchkey/issuer';
import { runScript, type RedisClientLike } from './client.js';
import { DEFAULT_KEY_PREFIX, keyNames } from './keys.js';
import { CREATE_FAMILY, DENY_TOKEN, REVOKE_FAMILY, ROTATE, TOUCH, type Script } from './scripts.js';
import { withTimeout } from './timeout.js';

/** Default most time one store call waits for Redis: 1,000 ms. Past it the call fails as unavailable (503). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** An existing ioredis `Redis` or `Cluster` (or an adapter): shared, never one connection per request. Required. */
  client: RedisClientLike;
  /** Prefix of every key and of the pub/sub channel. Default {@link DEFAULT_KEY_PREFIX} (`latchkey:`). */
  keyPrefix?: string;
  /** Milliseconds a call waits for Redis before failing with `StoreUnavailableError`. Default {@link DEFAULT_COMMAND_TIMEOUT_MS}. */
  commandTimeoutMs?: number;
}

const OPTION_NAMES = ['client', 'keyPrefix', 'commandTimeoutMs'] as const;

const optionalNumber = (fields: Record<string, string>, name: string): number | undefined => (fields[name] === undefined ? undefined : Number(fields[name]));

/** A family record from HGETALL's flat reply or object. */
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
  });
}

function pairs(flat: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(flat)) return fields;
  for (let index = 0; index + 1 < flat.length; index += 2) fields[String(flat[index])] = String(flat[index + 1]);
  return fields;
}

/**
 * The issuer's store on Redis (a single server or a Cluster). Every state change is one Lua script, so
 * it is atomic and either fully applied or not at all; keys expire with the tokens they describe
 * (PEXPIREAT); no request path scans keys. Unreachable or slow Redis -> `StoreUnavailableError` (the
 * issuer answers 503 with `Retry-After`).
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
  if (typeof client !== 'object' || client === null || typeof client.evalsha !== 'function') throw new TypeError('redisStore: "client" must be an ioredis Redis or Cluster');
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof prefix !== 'string') throw new TypeError('redisStore: "keyPrefix" must be a string');
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new TypeError('redisStore: "commandTimeoutMs" must be an integer ≥ 1');
  const keys = keyNames(prefix);

  const call = <T>(work: () => Promise<T>): Promise<T> => withTimeout(work, timeoutMs);
  const run = (script: Script, key: string, args: (string | number)[]): Promise<unknown> => call(() => runScript(client, script, [key], args));

  return {
    async createFamily(family: NewFamily) {
      const fields: (string | number)[] = ['userId', family.userId, 'currentHash', family.currentHash, 'generation', 0, 'createdAt', family.createdAt, 'lastUsedAt', family.createdAt, 'expiresAt', family.expiresAt];
      if (family.userAgent !== undefined) fields.push('userAgent', family.userAgent);
      if (family.clientAddress !== undefined) fields.push('clientAddress', family.clientAddress);
      const created = await run(CREATE_FAMILY, keys.family(family.familyId), [family.expiresAt, ...fields]);
      if (created !== 1) throw new Error('redisStore: a family with this id exists already');
    },
    async getFamily(familyId) {
      const fields = await call(() => client.hgetall(keys.family(familyId)));
      return fields.currentHash === undefined ? undefined : recordOf(familyId, fields);
    },
    async rotate(familyId: string, expectedCurrentHash: string, successor: Successor): Promise<RotateOutcome> {
      const reply = (await run(ROTATE, keys.family(familyId), [
        expectedCurrentHash,
        successor.currentHash,
        successor.expiresAt,
        successor.usedAt,
        successor.graceUntil ?? '',
        successor.sealedSuccessor ?? '',
      ])) as [string, unknown?];
      const status = reply[0];
      if (status === 'missing') return { status: 'missing' };
      if (status !== 'rotated' && status !== 'stale' && status !== 'revoked') throw new Error('redisStore: unexpected rotate reply');
      return { status, record: recordOf(familyId, pairs(reply[1])) };
    },
    async touch(familyId, usedAt) {
      await run(TOUCH, keys.family(familyId), [usedAt]);
    },
    async revokeFamily(familyId: string, reason: RevocationReason, at: number) {
      return (await run(REVOKE_FAMILY, keys.family(familyId), [reason, at, keys.channel, `fam:${familyId}`])) === 1;
    },
    async denyToken(jti, expiresAt) {
      // SET ... PXAT in the past would be refused; a token past its exp needs no denylist entry.
      if (expiresAt <= Date.now()) return;
      await run(DENY_TOKEN, keys.denied(jti), [expiresAt, keys.channel, `jti:${jti}`]);
    },
    async isTokenDenied(jti) {
      return (await call(() => client.exists(keys.denied(jti)))) === 1;
    },
  };
}

