/**
 * The `production` phase: the examples/production stack (nginx -> Latchkey instances -> Redis with AOF),
 * measured with autocannon on loopback. Protected route (`GET /api/me`) directly on one instance, through
 * nginx with two instances, then with one; the per-request cost nginx adds (mean latency at one
 * connection, through nginx minus direct); and `POST /api/token/refresh/` through nginx on Redis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, startStack, type Stack } from '@latchkey/example-production/stack';
import { median, sleep } from '../common/stats.js';
import type { Settings } from '../config.js';

export interface ProductionCell {
  readonly id: 'direct' | 'nginx-two' | 'nginx-one' | 'refresh-nginx';
  readonly rps: number;
  readonly p99Ms: number;
  readonly non2xx: number;
}

export interface ProductionResult {
  readonly cells: ProductionCell[];
  /** Mean latency at one connection, ms: direct, through nginx (one instance). */
  readonly latencyDirectMs: number;
  readonly latencyNginxMs: number;
}

type Result = autocannon.Result;
const run = (options: autocannon.Options): Promise<Result> => autocannon(options) as unknown as Promise<Result>;

async function measure(
  url: string,
  access: string,
  connections: number,
  seconds: number,
  rounds: number,
): Promise<{ rps: number; p99Ms: number; meanMs: number; non2xx: number }> {
  const results: Result[] = [];
  for (let round = 0; round < rounds; round++) {
    results.push(await run({ url: `${url}/api/me`, connections, duration: seconds, headers: { authorization: `Bearer ${access}` } }));
  }
  return {
    rps: median(results.map((r) => r.requests.average)),
    p99Ms: median(results.map((r) => r.latency.p99)),
    meanMs: median(results.map((r) => r.latency.mean)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
  };
}

async function login(url: string): Promise<{ access: string; refresh: string }> {
  const response = await fetch(`${url}/api/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
  });
  if (response.status !== 200) throw new Error(`login answered ${response.status}`);
  return (await response.json()) as { access: string; refresh: string };
}

/**
 * Refresh chains: a queue of current refresh tokens, one per connection. A request takes one, its answer
 * puts the successor back (rotation spends the presented token, so no token is ever sent twice).
 */
async function measureRefresh(url: string, connections: number, seconds: number): Promise<{ rps: number; p99Ms: number; non2xx: number }> {
  const current: string[] = [];
  for (let i = 0; i < connections; i++) current.push((await login(url)).refresh);
  const result = await run({
    url: `${url}/api/token/refresh/`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ refresh: current.shift() ?? '' }) }),
        onResponse: (status, body) => {
          if (status === 200) current.push((JSON.parse(body) as { refresh: string }).refresh);
        },
      },
    ],
  });
  return { rps: result.requests.average, p99Ms: result.latency.p99, non2xx: result.non2xx + result.errors };
}

export async function runProduction(settings: Settings, log: (line: string) => void): Promise<ProductionResult> {
  const s = settings.production;
  const runDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-production-'));
  const [httpPort, redisPort, a, b] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  let stack: Stack | undefined;
  try {
    stack = await startStack({ runDir, httpPort: httpPort!, redisPort: redisPort!, instancePorts: [a!, b!], log });
    const { access } = await login(stack.url);
    const cells: ProductionCell[] = [];
    log('production: warm-up');
    await measure(stack.url, access, s.connections, s.warmupSeconds, 1);
    const direct = await measure(stack.instanceUrl(0), access, s.connections, s.durationSeconds, s.rounds);
    cells.push({ id: 'direct', ...direct });
    const two = await measure(stack.url, access, s.connections, s.durationSeconds, s.rounds);
    cells.push({ id: 'nginx-two', ...two });
    const latencyDirect = await measure(stack.instanceUrl(0), access, 1, s.durationSeconds, s.rounds);
    // One instance: the second killed; nginx leaves it out after the first refused connection (and retries
    // it once per fail_timeout, a refused connect on loopback).
    await stack.killInstance(1);
    await sleep(500);
    const one = await measure(stack.url, access, s.connections, s.durationSeconds, s.rounds);
    cells.push({ id: 'nginx-one', ...one });
    const latencyNginx = await measure(stack.url, access, 1, s.durationSeconds, s.rounds);
    await stack.startInstance(1);
    await sleep(3500);
    const refresh = await measureRefresh(stack.url, s.refreshConnections, s.durationSeconds);
    cells.push({ id: 'refresh-nginx', ...refresh });
    log(
      `production: direct ${direct.rps.toFixed(0)} req/s, nginx two ${two.rps.toFixed(0)}, nginx one ${one.rps.toFixed(0)}, refresh ${refresh.rps.toFixed(0)}`,
    );
    return { cells, latencyDirectMs: latencyDirect.meanMs, latencyNginxMs: latencyNginx.meanMs };
  } finally {
    await stack?.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}
