/**
 * The DPoP phase: req/s of a DPoP-protected `GET /hello` (one repeated access token, a fresh proof per
 * request) through each adapter, against a floor server doing the same two signature checks. Each server
 * runs in its own process (pinned to the server core), fresh per cell, so its memory replay store starts
 * empty; the proofs are made once, before the round, and each is sent once per server.
 */
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pinSelf } from '../common/machine.js';
import { loadPool } from '../common/pool-load.js';
import { launchServer, stopServer } from '../common/server-process.js';
import { median, sleep } from '../common/stats.js';
import { describeUnserved, unservedCount, type Unserved } from '../common/unserved.js';
import type { Settings } from '../config.js';
import type { RefreshCell } from '../issuer/run.js';
import { createDpopMaterial, writeDpopFixture, type DpopMaterial } from './proofs.js';

const SERVER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'server.ts');

/** The floor first in every round, then each adapter with the verified-token cache (default) and without. */
export const DPOP_CONTENDERS = ['floor', 'express', 'koa', 'fastify', 'express-uncached', 'koa-uncached', 'fastify-uncached'] as const;
export type DpopContender = (typeof DPOP_CONTENDERS)[number];
// The most requests per second any contender reaches on this machine, with room: sizes the proof pool.
const MAX_EXPECTED_RPS = 15_000;

/** One server's figures: the issuer phase's cell shape, for another set of servers. */
export type DpopCell = Omit<RefreshCell, 'id'> & { readonly id: DpopContender };

/** Sends each proof of `proofs` at most once, for at most `seconds`; served requests per second to the last response. */
async function load(
  port: number,
  token: string,
  proofs: readonly string[],
  seconds: number,
  connections: number,
): Promise<{ rps: number; p99: number; unserved: Unserved }> {
  const result = await loadPool({
    url: `http://127.0.0.1:${port}/hello`,
    method: 'GET',
    pool: proofs,
    carry: (request, proof) => ({ ...request, headers: { ...request.headers, authorization: `DPoP ${token}`, dpop: proof } }),
    seconds,
    connections,
  });
  return { rps: (result.total - unservedCount(result.unserved)) / result.seconds, p99: result.p99, unserved: result.unserved };
}

/** A fresh proof → 200, the same proof again → 401 (replay), no proof → 401. */
async function checkServer(port: number, material: DpopMaterial, id: DpopContender): Promise<string | undefined> {
  const call = async (headers: Record<string, string>): Promise<number> => {
    const response = await fetch(`http://127.0.0.1:${port}/hello`, { headers, signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    return response.status;
  };
  const proof = material.proof();
  const first = await call({ authorization: `DPoP ${material.token}`, dpop: proof });
  if (first !== 200) return `a fresh proof got ${first}`;
  if ((await call({ authorization: `DPoP ${material.token}` })) !== 401) return 'a request without a proof was not refused';
  // The floor checks signatures only: it has no replay store, by definition of a floor.
  if (id !== 'floor' && (await call({ authorization: `DPoP ${material.token}`, dpop: proof })) !== 401) return 'a replayed proof was not refused';
  return undefined;
}

export async function runDpop(settings: Settings, scratch: string, log: (line: string) => void): Promise<DpopCell[]> {
  pinSelf();
  const { rounds, durationSeconds, warmupSeconds, connections } = settings.http;
  const material = createDpopMaterial();
  const fixturePath = join(scratch, 'dpop-fixture.json');
  const warmupCount = warmupSeconds * MAX_EXPECTED_RPS;
  const timedCount = durationSeconds * MAX_EXPECTED_RPS;
  // Room for every proof of a cell and the check's few.
  writeDpopFixture(fixturePath, { ...material.fixture, replayStoreEntries: warmupCount + timedCount + 16 });
  const t0 = performance.now();
  const proofs = Array.from({ length: warmupCount + timedCount }, () => material.proof());
  log(`dpop: made ${proofs.length} proofs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const cells = DPOP_CONTENDERS.map((id): DpopCell => ({ id, status: 'ok', rps: [], p99: [], vsFloor: [], medianRps: NaN, medianP99: NaN, ratioFloor: NaN }));

  for (let round = 0; round < rounds; round++) {
    let floorRps = NaN;
    for (const cell of cells) {
      if (cell.status !== 'ok') continue;
      const started = await launchServer(SERVER_ENTRY, [cell.id, fixturePath]);
      if (!('port' in started)) {
        cell.status = 'failed';
        cell.note = 'pending' in started ? started.pending : started.error.slice(0, 500);
        log(`dpop ${cell.id}: FAILED to start: ${cell.note.slice(0, 300)}`);
        continue;
      }
      try {
        const problem = await checkServer(started.port, material, cell.id);
        if (problem !== undefined) throw new Error(`check failed: ${problem}`);
        await load(started.port, material.token, proofs.slice(0, warmupCount), warmupSeconds, connections);
        const result = await load(started.port, material.token, proofs.slice(warmupCount), durationSeconds, connections);
        if (unservedCount(result.unserved) > 0) throw new Error(describeUnserved(result.unserved));
        cell.rps.push(result.rps);
        cell.p99.push(result.p99);
        if (cell.id === 'floor') floorRps = result.rps;
        cell.vsFloor.push(result.rps / floorRps);
        log(`dpop ${cell.id}: ${Math.round(result.rps)} req/s, p99 ${result.p99} ms`);
      } catch (error) {
        cell.status = 'failed';
        cell.note = (error as Error).message;
        log(`dpop ${cell.id}: FAILED ${(error as Error).message}`);
      } finally {
        await stopServer(started.child);
        await sleep(200);
      }
    }
  }
  for (const cell of cells) {
    if (cell.status !== 'ok') continue;
    cell.medianRps = median(cell.rps);
    cell.medianP99 = median(cell.p99);
    cell.ratioFloor = median(cell.vsFloor.filter(Number.isFinite));
  }
  return cells;
}
