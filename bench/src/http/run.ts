/** The `http` phase: requests per second through each framework with each contender, under autocannon. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Alg } from '../common/algs.js';
import { tamperedTokens, writeServerFixture, type Fixture } from '../common/fixture.js';
import type { JwksServer } from '../common/jwks-server.js';
import { pinSelf, processCpuMicros } from '../common/machine.js';
import { launchServer, stopServer, type Launch } from '../common/server-process.js';
import { median, sleep } from '../common/stats.js';
import { describeUnserved, unservedCount, unservedOf, type Unserved } from '../common/unserved.js';
import type { Settings } from '../config.js';
import { FRAMEWORKS, HTTP_CONTENDERS, type Framework, type HttpContender, type HttpKind } from './contenders.js';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER_ENTRY = join(here, 'server.ts');

export type HttpWorkload = 'repeated' | 'distinct';

export interface HttpCell {
  readonly framework: Framework;
  /** `null` for the bare framework (no token is checked). */
  readonly alg: Alg | null;
  readonly workload: HttpWorkload | null;
  readonly id: string;
  readonly label: string;
  readonly kind: HttpKind;
  status: 'ok' | 'n/a' | 'pending' | 'failed';
  note?: string;
  readonly rps: number[];
  readonly p50: number[];
  readonly p99: number[];
  readonly vsFloor: number[];
  readonly vsBare: number[];
  /**
   * The server process's CPU time per request, in µs, per round (its /proc utime + stime over the timed
   * load / requests answered), and the floor server's of the same round over this one's. Steadier than
   * req/s: it does not count the time the server waited on the load generator, which shares the machine.
   */
  readonly cpuUs: number[];
  readonly cpuVsFloor: number[];
  medianCpuUs: number;
  cpuRatioFloor: number;
  medianRps: number;
  medianP50: number;
  medianP99: number;
  ratioFloor: number;
  ratioBare: number;
}

/** Starts one server process on the server core; resolves once it prints its port (or why it cannot). */
function launch(framework: Framework, id: string, alg: Alg, fixturePath: string, tag: string): Promise<Launch> {
  return launchServer(SERVER_ENTRY, [framework, id, alg, fixturePath, tag]);
}

async function status(port: number, authorization: string | undefined): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/hello`, {
    headers: authorization === undefined ? {} : { authorization },
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Valid token → 200; tampered tokens and no token → 401 (the bare framework: 200 either way). */
async function checkServer(port: number, kind: HttpKind, valid: string): Promise<string | undefined> {
  const got = await status(port, `Bearer ${valid}`);
  if (got !== 200) return `a valid token got ${got}`;
  if (kind === 'bare') return undefined;
  for (const [index, bad] of tamperedTokens(valid).entries()) {
    const code = await status(port, `Bearer ${bad}`);
    if (code !== 401) return `a tampered token (${index === 0 ? 'payload' : 'signature'}) got ${code}, expected 401`;
  }
  const none = await status(port, undefined);
  if (none !== 401) return `a request without a token got ${none}, expected 401`;
  return undefined;
}

interface Load {
  readonly rps: number;
  /** Requests answered in the timed window. */
  readonly total: number;
  readonly p50: number;
  readonly p99: number;
  readonly unserved: Unserved;
}

/** One autocannon run, bounded by `seconds` (or, for `amount`, by a request count). */
function load(port: number, tokens: readonly string[], seconds: number, connections: number, amount?: number): Promise<Load> {
  let next = 0;
  const n = tokens.length;
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${port}/hello`,
    connections,
    pipelining: 1,
    duration: seconds,
    ...(amount === undefined ? {} : { amount }),
    headers: { authorization: `Bearer ${tokens[0]}` },
  };
  if (n > 1) {
    options.requests = [
      {
        method: 'GET',
        setupRequest: (request) => {
          request.headers = { ...request.headers, authorization: `Bearer ${tokens[next]}` };
          next = next + 1 === n ? 0 : next + 1;
          return request;
        },
      },
    ];
  }
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => {
      if (error) reject(error);
      else
        resolve({
          rps: result.requests.average,
          total: result.requests.total,
          p50: result.latency.p50,
          p99: result.latency.p99,
          unserved: unservedOf(result),
        });
    });
  });
}

function newCell(framework: Framework, alg: Alg | null, workload: HttpWorkload | null, contender: HttpContender): HttpCell {
  return {
    framework,
    alg,
    workload,
    id: contender.id,
    label: contender.label,
    kind: contender.kind,
    status: 'ok',
    rps: [],
    p50: [],
    p99: [],
    vsFloor: [],
    vsBare: [],
    medianRps: NaN,
    medianP50: NaN,
    medianP99: NaN,
    ratioFloor: NaN,
    ratioBare: NaN,
    cpuUs: [],
    cpuVsFloor: [],
    medianCpuUs: NaN,
    cpuRatioFloor: NaN,
  };
}

/**
 * HTTP: each server runs in its own process pinned to the server core; autocannon runs here, pinned to
 * the other. Per round, per framework: the bare framework once, then per algorithm the floor server
 * first and the rest after it, each with a repeated token and a pool of distinct tokens.
 */
export async function runHttp(
  fixture: Fixture,
  tokensByAlg: Readonly<Record<Alg, readonly string[]>>,
  jwks: JwksServer,
  scratch: string,
  settings: Settings,
  log: (line: string) => void,
): Promise<HttpCell[]> {
  const pinned = pinSelf();
  log(`http: load generator ${pinned ? 'pinned to core 0, servers to core 1' : 'not pinned (no taskset or one core)'}`);
  const fixturePath = join(scratch, 'server-fixture.json');
  writeServerFixture(fixturePath, fixture, jwks.base);
  const { rounds, durationSeconds, warmupSeconds, connections, poolSize } = settings.http;
  const cells = new Map<string, HttpCell>();
  const key = (framework: Framework, alg: Alg | null, workload: HttpWorkload | null, id: string) => `${framework}|${alg}|${workload}|${id}`;

  // For experiments only (bench/README.md): a subset of frameworks, algorithms and contenders. The bare and
  // floor servers always run, since every ratio is taken against them.
  const pick = (name: string): string[] | undefined => process.env[name]?.split(',').filter((value) => value !== '');
  const onlyFrameworks = pick('LATCHKEY_HTTP_FRAMEWORKS');
  const onlyAlgs = pick('LATCHKEY_HTTP_ALGS');
  const onlyContenders = pick('LATCHKEY_HTTP_CONTENDERS');
  const frameworks = FRAMEWORKS.filter((framework) => onlyFrameworks?.includes(framework) ?? true);
  const algs = settings.http.algs.filter((alg) => onlyAlgs?.includes(alg) ?? true);
  if (onlyFrameworks !== undefined || onlyAlgs !== undefined || onlyContenders !== undefined)
    log(`http: subset (experiment): ${frameworks.join(',')} ${algs.join(',')} ${onlyContenders?.join(',') ?? 'all contenders'}`);

  for (let round = 0; round < rounds; round++) {
    for (const framework of frameworks) {
      const contenders = HTTP_CONTENDERS[framework].filter((c) => c.kind === 'bare' || c.kind === 'floor' || (onlyContenders?.includes(c.id) ?? true));
      let bareRps = NaN;
      for (const alg of algs) {
        const floorRps: Partial<Record<HttpWorkload, number>> = {};
        const floorCpuUs: Partial<Record<HttpWorkload, number>> = {};
        const list = alg === algs[0] ? contenders : contenders.filter((c) => c.kind !== 'bare');
        for (const contender of list) {
          const workloads: (HttpWorkload | null)[] = contender.kind === 'bare' ? [null] : round % 2 === 0 ? ['repeated', 'distinct'] : ['distinct', 'repeated'];
          const ownCells = workloads.map((workload) => {
            const k = key(framework, contender.kind === 'bare' ? null : alg, workload, contender.id);
            if (!cells.has(k)) cells.set(k, newCell(framework, contender.kind === 'bare' ? null : alg, workload, contender));
            return cells.get(k)!;
          });
          const reason = contender.unsupported?.(alg);
          if (reason !== undefined) {
            for (const cell of ownCells) Object.assign(cell, { status: 'n/a', note: reason });
            continue;
          }
          if (ownCells.some((cell) => cell.status !== 'ok')) continue;
          const tag = `http-${framework}-${contender.id}-${alg}-r${round}`;
          const started = await launch(framework, contender.id, alg, fixturePath, tag);
          if (!('port' in started)) {
            for (const cell of ownCells) {
              cell.status = 'pending' in started ? 'pending' : 'failed';
              cell.note = 'pending' in started ? started.pending : started.error.slice(0, 500);
            }
            log(`http ${framework} ${contender.id} ${alg}: ${'pending' in started ? started.pending : 'FAILED to start: ' + started.error.slice(0, 300)}`);
            continue;
          }
          try {
            const tokens = tokensByAlg[alg];
            const problem = await checkServer(started.port, contender.kind, tokens[0]!);
            if (problem !== undefined) throw new Error(`check failed: ${problem}`);
            for (const [index, workload] of workloads.entries()) {
              const cell = ownCells[index]!;
              const workloadTokens = workload === 'distinct' ? tokens.slice(0, poolSize) : tokens.slice(0, 1);
              // Warm-up: one full pass over the pool (so caches reach their steady state), then the timed warm-up.
              if (workloadTokens.length > 1) await load(started.port, workloadTokens, 60, connections, workloadTokens.length);
              await load(started.port, workloadTokens, warmupSeconds, connections);
              const cpuBefore = processCpuMicros(started.child.pid);
              const result = await load(started.port, workloadTokens, durationSeconds, connections);
              const cpuAfter = processCpuMicros(started.child.pid);
              if (unservedCount(result.unserved) > 0) throw new Error(describeUnserved(result.unserved));
              const cpuUs = cpuBefore === undefined || cpuAfter === undefined || result.total === 0 ? NaN : (cpuAfter - cpuBefore) / result.total;
              cell.cpuUs.push(cpuUs);
              if (contender.kind === 'floor' && workload !== null) floorCpuUs[workload] = cpuUs;
              if (workload !== null) cell.cpuVsFloor.push((floorCpuUs[workload] ?? NaN) / cpuUs);
              cell.rps.push(result.rps);
              cell.p50.push(result.p50);
              cell.p99.push(result.p99);
              if (contender.kind === 'bare') bareRps = result.rps;
              if (contender.kind === 'floor' && workload !== null) floorRps[workload] = result.rps;
              if (workload !== null) cell.vsFloor.push(result.rps / (floorRps[workload] ?? NaN));
              cell.vsBare.push(result.rps / bareRps);
              log(
                `http ${framework} ${contender.id} ${contender.kind === 'bare' ? '' : alg + ' ' + workload}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, server CPU ${cpuUs.toFixed(1)} µs/req`,
              );
            }
          } catch (error) {
            for (const cell of ownCells) {
              cell.status = 'failed';
              cell.note = (error as Error).message;
            }
            log(`http ${framework} ${contender.id} ${alg}: FAILED ${(error as Error).message}`);
          } finally {
            await stopServer(started.child);
            await sleep(200);
          }
        }
      }
    }
  }
  for (const cell of cells.values()) {
    if (cell.status !== 'ok') continue;
    cell.medianRps = median(cell.rps);
    cell.medianP50 = median(cell.p50);
    cell.medianP99 = median(cell.p99);
    cell.ratioFloor = median(cell.vsFloor.filter(Number.isFinite));
    cell.ratioBare = median(cell.vsBare.filter(Number.isFinite));
    cell.medianCpuUs = median(cell.cpuUs.filter(Number.isFinite));
    cell.cpuRatioFloor = median(cell.cpuVsFloor.filter(Number.isFinite));
  }
  return [...cells.values()];
}
