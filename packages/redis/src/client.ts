/** The minimal Redis client interface this package needs, and running a Lua script by SHA with an EVAL fallback. */
import type { Script } from './scripts.js';

/**
 * The part of a Redis client this package uses. ioredis's `Redis` and `Cluster` satisfy it as they are
 * (ioredis was chosen: one client type for single server and Cluster, with Cluster slot routing by the
 * first key; see the README). Another client can be adapted by implementing these five methods.
 */
export interface RedisClientLike {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
  get(key: string): Promise<string | null>;
  exists(...keys: string[]): Promise<number>;
}

const CLIENT_METHODS = ['evalsha', 'eval', 'hgetall', 'get', 'exists'] as const;

/**
 * Checks at construction that `client` has the five methods, so an adapter missing one fails at start-up
 * with its name, not at its first use as a `TypeError` read as "Redis unavailable" (503).
 */
export function checkClient(where: string, client: unknown): asserts client is RedisClientLike {
  const missing = CLIENT_METHODS.filter((name) => typeof (client as Record<string, unknown> | null)?.[name] !== 'function');
  if (typeof client !== 'object' || client === null || missing.length > 0)
    throw new TypeError(
      `${where}: "client" must be an ioredis Redis or Cluster${missing.length > 0 && typeof client === 'object' && client !== null ? ` (it has no ${missing.join(', ')})` : ''}`,
    );
}

/**
 * Runs a script by its SHA1 (EVALSHA: the body is not resent on every call) and falls back to EVAL when the
 * server does not know it yet (NOSCRIPT: first call, a restart, a fresh Cluster node). EVAL caches it.
 */
export async function runScript(client: RedisClientLike, script: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return client.eval(script.source, keys.length, ...keys, ...args);
    throw error;
  }
}
