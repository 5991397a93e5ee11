import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createMemoryUsers } from '@latchkey/issuer';
import { pinSelf } from '../common/machine.js';
import { launchServer, stopServer } from '../common/server-process.js';
import { median, sleep } from '../common/stats.js';
import type { Settings } from '../config.js';

const SERVER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'server.ts');

/** The refresh servers: the crypto floor, then the issuer on each framework. */
export const ISSUER_CONTENDERS = ['floor', 'express', 'koa', 'fastify'] as const;
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

export interface IssuerResult {
  readonly refresh: RefreshCell[];
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

/**
 * The issuer phase: `POST /api/token/refresh/` with rotation, each token refreshed once, against the floor
 * (node:http, one ES256 verify and two ES256 signs, nothing else) and the issuer's Express, Koa and Fastify
 * mounts with the memory store; then the cost of one login check with the bundled scrypt user store.
 */
export async function runIssuer(settings: Settings, scratch: string, log: (line: string) => void): Promise<IssuerResult> {
  pinSelf();
  const { rounds, durationSeconds, connections, poolSize, loginSamples } = settings.issuer;
  const cells = new Map<IssuerContender, RefreshCell>(
    ISSUER_CONTENDERS.map((id) => [id, { id, status: 'ok', rps: [], p99: [], vsFloor: [], medianRps: NaN, medianP99: NaN, ratioFloor: NaN }]),
  );
  for (let round = 0; round < rounds; round++) {
    let floorRps = NaN;
    for (const id of ISSUER_CONTENDERS) {
      const cell = cells.get(id)!;
      if (cell.status !== 'ok') continue;
      const poolPath = join(scratch, `issuer-pool-${id}-${round}.json`);
      const started = await launchServer(SERVER_ENTRY, [id, poolPath, String(poolSize)]);
      if (!('port' in started)) {
        cell.status = 'failed';
        cell.note = 'error' in started ? started.error.slice(0, 500) : started.pending;
        log(`issuer ${id}: FAILED to start: ${cell.note.slice(0, 300)}`);
        continue;
      }
      try {
        const pool = JSON.parse(readFileSync(poolPath, 'utf8')) as string[];
        // Warm-up on the first tenth of the pool; the timed run takes the rest (each token once).
        const warm = Math.floor(pool.length / 10);
        await load(started.port, pool.slice(0, warm), Math.max(1, Math.floor(durationSeconds / 3)), connections);
        const result = await load(started.port, pool.slice(warm), durationSeconds, connections);
        if (result.bad > 0) throw new Error(`${result.bad} refreshes failed under load`);
        cell.rps.push(result.rps);
        cell.p99.push(result.p99);
        if (id === 'floor') floorRps = result.rps;
        cell.vsFloor.push(result.rps / floorRps);
        log(`issuer refresh ${id}: ${Math.round(result.rps)} req/s, p99 ${result.p99} ms`);
      } catch (error) {
        cell.status = 'failed';
        cell.note = (error as Error).message;
        log(`issuer ${id}: FAILED ${cell.note}`);
      } finally {
        await stopServer(started.child);
        await sleep(200);
      }
    }
  }
  const refresh = [...cells.values()].map((cell) =>
    cell.status === 'ok'
      ? { ...cell, medianRps: median(cell.rps), medianP99: median(cell.p99), ratioFloor: median(cell.vsFloor.filter(Number.isFinite)) }
      : cell,
  );
  const loginMs = await measureLogin(loginSamples);
  if (!('error' in loginMs)) log(`issuer login: ${loginMs.knownUser.toFixed(0)} ms (known user), ${loginMs.unknownUser.toFixed(0)} ms (unknown user)`);
  return { refresh, loginMs };
}
