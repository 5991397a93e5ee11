import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createMemoryUsers } from '@latchkey/issuer';
import { HAS_TASKSET, REDIS_CORE, pinSelf } from '../common/machine.js';
import { redisServerInstalled, startRedisServer, type RedisPersistence, type RedisServer } from '../common/redis-server.js';
import { loadPool, type PoolLoad } from '../common/pool-load.js';
import { launchServer, stopServer, type Running } from '../common/server-process.js';
import { median, sleep } from '../common/stats.js';
import { describeUnserved, unservedCount } from '../common/unserved.js';
import type { Settings } from '../config.js';

const SERVER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'server.ts');

/** The frameworks the issuer mounts on; each runs with the memory store and with `redisStore`. */
export const ISSUER_FRAMEWORKS = ['express', 'koa', 'fastify'] as const;
export type IssuerFramework = (typeof ISSUER_FRAMEWORKS)[number];

/** The refresh servers: the crypto floor, then the issuer on each framework with each store. */
export const ISSUER_CONTENDERS = ['floor', ...ISSUER_FRAMEWORKS, ...ISSUER_FRAMEWORKS.map((f) => `${f}-redis` as const)] as const;
export type IssuerContender = (typeof ISSUER_CONTENDERS)[number];

export interface RefreshCell {
  readonly id: IssuerContender;
  status: 'ok' | 'failed';
  note?: string;
  readonly rps: number[];
  readonly p99: number[];
  readonly vsFloor: number[];
  medianRps: number;
  medianP99: number;
  ratioFloor: number;
}

/** Issue 12's figure for one framework: refresh req/s with `redisStore` over the memory store. */
export interface RedisRatio {
  readonly framework: IssuerFramework;
  /** `pending`: no redis-server here; `failed`: a side failed or Redis did not start. */
  status: 'ok' | 'failed' | 'pending';
  note?: string;
  /** Redis/memory of each round where both ran. */
  readonly perRound: number[];
  median: number;
  /** Script calls (EVALSHA/EVAL) Redis counted per refresh, warm-up and timed run together: 1 = one round trip. */
  readonly scriptsPerRefresh: number[];
}

export interface IssuerResult {
  readonly refresh: RefreshCell[];
  readonly redisVsMemory: RedisRatio[];
  /** How the Redis contenders' redis-server ran (for the report), or why it did not. */
  readonly redis: { readonly persistence: RedisPersistence; readonly core: string } | { readonly note: string };
  /** Median ms of one login check with the bundled user store at its default scrypt cost. */
  readonly loginMs: { readonly knownUser: number; readonly unknownUser: number; readonly samples: number } | { readonly error: string };
}

/** Refreshes each token once (rotation spends it): bounded by their count and by `seconds`. */
function load(port: number, tokens: readonly string[], seconds: number, connections: number): Promise<PoolLoad> {
  return loadPool({
    url: `http://127.0.0.1:${port}/api/token/refresh/`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    pool: tokens,
    carry: (request, token) => ({ ...request, body: JSON.stringify({ refresh: token }) }),
    seconds,
    connections,
  });
}

async function measureLogin(samples: number): Promise<IssuerResult['loginMs']> {
  try {
    const users = await createMemoryUsers([{ id: '1', username: 'alice', password: 'wonderland' }]);
    const request = { method: 'POST', path: '/api/token/', headers: {}, clientAddress: undefined, userAgent: undefined };
    const time = async (username: string, password: string): Promise<number> => {
      const started = performance.now();
      await users.authenticate({ username, password }, request);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let index = 0; index < samples; index++) {
      known.push(await time('alice', 'wonderland'));
      unknown.push(await time('nobody', 'wonderland'));
    }
    return { knownUser: median(known), unknownUser: median(unknown), samples };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Turns each server of a memory/Redis pair takes; each turn spends an equal share of its pool. */
export const PAIR_SLICES = 6;

/** See the README: the AOF write path stays in the measurement, the disk's fsync latency does not. */
const REDIS_PERSISTENCE: RedisPersistence = 'aof-everysec';

async function startRedisForBench(scratch: string, log: (line: string) => void): Promise<RedisServer | { note: string }> {
  if (!redisServerInstalled()) return { note: 'redis-server not installed' };
  try {
    const redis = await startRedisServer(join(scratch, 'issuer-redis'), REDIS_PERSISTENCE);
    log(`issuer: redis-server on 127.0.0.1:${redis.port} (pid ${redis.pid}, ${REDIS_PERSISTENCE}, core ${HAS_TASKSET ? REDIS_CORE : 'unpinned'})`);
    return redis;
  } catch (error) {
    return { note: `redis-server did not start: ${(error as Error).message}` };
  }
}

/**
 * The issuer phase: `POST /api/token/refresh/` with rotation, each token refreshed once, against the floor
 * (node:http, one ES256 verify and two ES256 signs, nothing else) and the issuer's Express, Koa and Fastify
 * mounts with the memory store and with `redisStore` on a redis-server started here; then the cost of one
 * login check with the bundled scrypt user store.
 */
export async function runIssuer(settings: Settings, scratch: string, log: (line: string) => void): Promise<IssuerResult> {
  pinSelf();
  const { rounds, durationSeconds, connections, poolSize, loginSamples } = settings.issuer;
  const redis = await startRedisForBench(scratch, log);
  const redisNote = 'note' in redis ? redis.note : undefined;
  if (redisNote !== undefined) log(`issuer: no Redis contenders (${redisNote})`);
  const cells = new Map<IssuerContender, RefreshCell>(
    ISSUER_CONTENDERS.filter((id) => redisNote === undefined || !id.endsWith('-redis')).map((id) => [
      id,
      { id, status: 'ok', rps: [], p99: [], vsFloor: [], medianRps: NaN, medianP99: NaN, ratioFloor: NaN },
    ]),
  );
  const ratios = ISSUER_FRAMEWORKS.map((framework): RedisRatio =>
    redisNote === undefined
      ? { framework, status: 'ok', perRound: [], median: NaN, scriptsPerRefresh: [] }
      : {
          framework,
          status: redisNote === 'redis-server not installed' ? 'pending' : 'failed',
          note: redisNote,
          perRound: [],
          median: NaN,
          scriptsPerRefresh: [],
        },
  );

  interface Server {
    readonly id: IssuerContender;
    readonly cell: RefreshCell;
    readonly child: Running['child'];
    readonly port: number;
    readonly pool: readonly string[];
    readonly redis: RedisServer | undefined;
    /** The next unspent token. */
    offset: number;
  }

  const fail = (cell: RefreshCell, note: string): undefined => {
    cell.status = 'failed';
    cell.note = note;
    log(`issuer ${cell.id}: FAILED ${note.slice(0, 300)}`);
    return undefined;
  };

  /** Starts one server fresh (an empty Redis for a Redis one) and warms it on the first tenth of its pool. */
  async function start(id: IssuerContender, round: number): Promise<Server | undefined> {
    const cell = cells.get(id);
    if (cell === undefined || cell.status !== 'ok') return undefined;
    const poolPath = join(scratch, `issuer-pool-${id}-${round}.json`);
    const args = [id, poolPath, String(poolSize)];
    const onRedis = id.endsWith('-redis') && !('note' in redis) ? redis : undefined;
    if (onRedis !== undefined) {
      await onRedis.flush();
      args.push(String(onRedis.port));
    }
    const started = await launchServer(SERVER_ENTRY, args);
    if (!('port' in started)) return fail(cell, `to start: ${'error' in started ? started.error.slice(0, 500) : started.pending}`);
    const server: Server = {
      id,
      cell,
      child: started.child,
      port: started.port,
      pool: JSON.parse(readFileSync(poolPath, 'utf8')) as string[],
      redis: onRedis,
      offset: 0,
    };
    try {
      // The logins are behind us: from here Redis counts the refreshes' scripts only.
      await onRedis?.resetStats();
      const warm = await load(
        server.port,
        server.pool.slice(0, Math.floor(server.pool.length / 10)),
        Math.max(1, Math.floor(durationSeconds / 3)),
        connections,
      );
      if (unservedCount(warm.unserved) > 0) throw new Error(`in the warm-up: ${describeUnserved(warm.unserved, 'refreshes')}`);
      server.offset = warm.sent;
      return server;
    } catch (error) {
      await stop(server);
      return fail(cell, (error as Error).message);
    }
  }

  async function stop(server: Server): Promise<void> {
    await stopServer(server.child);
    await sleep(200);
  }

  /**
   * Timed slices, taking turns in `turns` order: each slice of a server spends the next `1 / slices` of
   * its unspent pool, or less if `durationSeconds` runs out first (`loadPool`). Per server,
   * req/s over its slices together. Servers that failed get no figure.
   */
  async function timed(servers: readonly Server[], turns: readonly (readonly number[])[]): Promise<Map<IssuerContender, number>> {
    const perSlice = servers.map((server, index) => Math.floor((server.pool.length - server.offset) / turns.filter((turn) => turn.includes(index)).length));
    const totals = servers.map(() => ({ total: 0, seconds: 0, p99: [] as number[] }));
    for (const turn of turns)
      for (const index of turn) {
        const server = servers[index]!;
        if (server.cell.status !== 'ok') continue;
        try {
          // autocannon takes an amount of 0 as no bound at all.
          if (perSlice[index]! < 1) throw new Error('the token pool ran out: raise issuer.poolSize');
          const result = await load(server.port, server.pool.slice(server.offset, server.offset + perSlice[index]!), durationSeconds, connections);
          if (unservedCount(result.unserved) > 0) throw new Error(describeUnserved(result.unserved, 'refreshes'));
          server.offset += result.sent;
          totals[index]!.total += result.total;
          totals[index]!.seconds += result.seconds;
          totals[index]!.p99.push(result.p99);
        } catch (error) {
          fail(server.cell, (error as Error).message);
        }
      }
    const rps = new Map<IssuerContender, number>();
    for (const [index, server] of servers.entries()) {
      if (server.cell.status !== 'ok') continue;
      const figure = totals[index]!.total / totals[index]!.seconds;
      server.cell.rps.push(figure);
      server.cell.p99.push(median(totals[index]!.p99));
      rps.set(server.id, figure);
      if (server.redis !== undefined)
        ratios.find((ratio) => server.id === `${ratio.framework}-redis`)?.scriptsPerRefresh.push((await server.redis.scriptCalls()) / server.offset);
      log(`issuer refresh ${server.id}: ${Math.round(figure)} req/s, p99 ${median(totals[index]!.p99)} ms`);
    }
    return rps;
  }

  try {
    for (let round = 0; round < rounds; round++) {
      const floor = await start('floor', round);
      const floorRps = floor === undefined ? NaN : (await timed([floor], [[0]])).get('floor');
      if (floor !== undefined) await stop(floor);
      cells.get('floor')?.vsFloor.push(1);
      for (const ratio of ratios) {
        const ids: IssuerContender[] = [ratio.framework, `${ratio.framework}-redis`];
        // Both servers up at once (idle while the other is loaded), memory and Redis taking turns in
        // slices, A B B A ...: a burst of load from elsewhere on the machine hits both.
        const servers: Server[] = [];
        for (const id of round % 2 === 0 ? ids : [...ids].reverse()) {
          const server = await start(id, round);
          if (server !== undefined) servers.push(server);
        }
        const turns = Array.from({ length: PAIR_SLICES }, (_, slice) => (slice % 2 === 0 ? [0, 1] : [1, 0]).filter((index) => index < servers.length));
        const rps = await timed(servers, turns);
        for (const server of servers) await stop(server);
        for (const [id, figure] of rps) cells.get(id)!.vsFloor.push(figure / (floorRps ?? NaN));
        const memory = rps.get(ratio.framework);
        const onRedis = rps.get(`${ratio.framework}-redis`);
        if (memory !== undefined && onRedis !== undefined) ratio.perRound.push(onRedis / memory);
      }
    }
  } finally {
    if (!('note' in redis)) await redis.stop();
  }
  const refresh = [...cells.values()].map((cell) =>
    cell.status === 'ok'
      ? { ...cell, medianRps: median(cell.rps), medianP99: median(cell.p99), ratioFloor: median(cell.vsFloor.filter(Number.isFinite)) }
      : cell,
  );
  for (const ratio of ratios) {
    if (ratio.status !== 'ok') continue;
    const failed = [cells.get(ratio.framework), cells.get(`${ratio.framework}-redis`)].find((cell) => cell?.status !== 'ok');
    if (failed !== undefined) Object.assign(ratio, { status: 'failed', note: `${failed.id}: ${failed.note ?? 'failed'}` });
    else ratio.median = median(ratio.perRound);
  }
  const loginMs = await measureLogin(loginSamples);
  if (!('error' in loginMs)) log(`issuer login: ${loginMs.knownUser.toFixed(0)} ms (known user), ${loginMs.unknownUser.toFixed(0)} ms (unknown user)`);
  return {
    refresh,
    redisVsMemory: ratios,
    redis: 'note' in redis ? { note: redis.note } : { persistence: REDIS_PERSISTENCE, core: HAS_TASKSET ? String(REDIS_CORE) : 'unpinned' },
    loginMs,
  };
}
