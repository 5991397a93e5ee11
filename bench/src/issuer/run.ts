import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createMemoryUsers } from '@latchkey/issuer';
import { HAS_TASKSET, REDIS_CORE, pinSelf } from '../common/machine.js';
import { redisServerInstalled, startRedisServer, type RedisPersistence, type RedisServer } from '../common/redis-server.js';
import { launchServer, stopServer } from '../common/server-process.js';
import { median, sleep } from '../common/stats.js';
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

/** Refreshes each pool token once (rotation spends it); bounded by the pool and by `seconds`. */
function load(port: number, tokens: readonly string[], seconds: number, connections: number): Promise<{ rps: number; p99: number; bad: number }> {
  let next = 0;
  const started = performance.now();
  let last = started;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/api/token/refresh/`,
        connections,
        duration: seconds,
        amount: tokens.length,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: JSON.stringify({ refresh: tokens[next++ % tokens.length] }) }),
            onResponse: () => {
              last = performance.now();
            },
          },
        ],
      },
      // Total over the time to the last response, timed here: the run ends when the pool does, and autocannon
      // only notices on its one-second tick, so its own averages and duration would be off by up to a second.
      (error, result) =>
        error
          ? reject(error)
          : resolve({ rps: result.requests.total / ((last - started) / 1000), p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts }),
    );
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

/** See the README: the AOF write path stays in the measurement, the disk's fsync latency does not. */
const REDIS_PERSISTENCE: RedisPersistence = 'aof-everysec';

/** Memory before Redis in even rounds, Redis first in odd ones: a drift of the machine hits both sides. */
function roundOrder(round: number): IssuerContender[] {
  const order: IssuerContender[] = ['floor'];
  for (const framework of ISSUER_FRAMEWORKS) {
    const pair: IssuerContender[] = [framework, `${framework}-redis`];
    order.push(...(round % 2 === 0 ? pair : pair.reverse()));
  }
  return order;
}

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

  /** One server, started fresh, warmed and loaded; its req/s, or undefined when it failed. */
  async function measure(id: IssuerContender, round: number, floorRps: number): Promise<number | undefined> {
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
    if (!('port' in started)) {
      cell.status = 'failed';
      cell.note = 'error' in started ? started.error.slice(0, 500) : started.pending;
      log(`issuer ${id}: FAILED to start: ${cell.note.slice(0, 300)}`);
      return undefined;
    }
    try {
      const pool = JSON.parse(readFileSync(poolPath, 'utf8')) as string[];
      // Warm-up on the first tenth of the pool; the timed run takes the rest (each token once).
      const warm = Math.floor(pool.length / 10);
      // The logins are behind us: from here Redis counts the refreshes' scripts only.
      await onRedis?.resetStats();
      await load(started.port, pool.slice(0, warm), Math.max(1, Math.floor(durationSeconds / 3)), connections);
      const result = await load(started.port, pool.slice(warm), durationSeconds, connections);
      if (result.bad > 0) throw new Error(`${result.bad} refreshes failed under load`);
      if (onRedis !== undefined) ratios.find((ratio) => id === `${ratio.framework}-redis`)?.scriptsPerRefresh.push((await onRedis.scriptCalls()) / pool.length);
      cell.rps.push(result.rps);
      cell.p99.push(result.p99);
      cell.vsFloor.push(id === 'floor' ? 1 : result.rps / floorRps);
      log(`issuer refresh ${id}: ${Math.round(result.rps)} req/s, p99 ${result.p99} ms`);
      return result.rps;
    } catch (error) {
      cell.status = 'failed';
      cell.note = (error as Error).message;
      log(`issuer ${id}: FAILED ${cell.note}`);
      return undefined;
    } finally {
      await stopServer(started.child);
      await sleep(200);
    }
  }

  try {
    for (let round = 0; round < rounds; round++) {
      const measured = new Map<IssuerContender, number>();
      for (const id of roundOrder(round)) {
        const rps = await measure(id, round, measured.get('floor') ?? NaN);
        if (rps !== undefined) measured.set(id, rps);
      }
      for (const ratio of ratios) {
        const memory = measured.get(ratio.framework);
        const onRedis = measured.get(`${ratio.framework}-redis`);
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
