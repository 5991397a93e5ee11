/**
 * Rolling restart under load: every instance gets SIGTERM in turn (each started again and ready before
 * the next), while a bounded load of GETs and POSTs runs through nginx. Not one request may fail or see a 5xx.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DRAIN_IDLE_GRACE_MS } from '../src/instance/config.js';
import { UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS } from '../src/stack/nginx-config.js';
import { login, startTestStack, type TestStack } from './fixture.js';
import { sleep, startLoad } from './load.js';

let stack: TestStack;
let failed = false;

beforeAll(async () => {
  stack = await startTestStack({ instances: 2 });
});
afterAll(async () => {
  await stack?.dispose(failed);
});

it('restarts both instances one by one under load: zero failed requests, zero 5xx, each exits 0', async () => {
  try {
    const { access } = await login(stack.url);
    const pidsBefore = [stack.instancePid(0), stack.instancePid(1)];
    // Half the loops POST: nginx retries a GET that met a reset on the next instance, never a POST, so a
    // draining instance that closed a pooled socket while nginx wrote onto it showed as a 502 here.
    const routes = [
      { method: 'GET', path: '/api/me' },
      { method: 'POST', path: '/api/ping' },
    ] as const;
    const load = startLoad({ url: stack.url, access, concurrency: 8, maxRequests: 40_000, timeoutMs: 10_000, routes });
    await sleep(500);
    // Throws unless each instance exits 0 on SIGTERM and answers /readyz again.
    await stack.rollingRestart();
    await sleep(500);
    const result = await load.stop();

    expect(result.errors).toEqual([]);
    expect([...result.statuses.keys()]).toEqual([200]);
    expect(result.sent).toBeGreaterThan(200);
    // Both restarted instances took traffic again, with new PIDs.
    expect([stack.instancePid(0), stack.instancePid(1)]).not.toContain(pidsBefore[0]);
    expect([stack.instancePid(0), stack.instancePid(1)]).not.toContain(pidsBefore[1]);
    expect(result.instances.get('instance-1')).toBeGreaterThan(0);
    expect(result.instances.get('instance-2')).toBeGreaterThan(0);
    console.log(`rolling restart: ${result.sent} requests, all 200, slowest ${result.maxMs.toFixed(0)} ms`);
  } catch (error) {
    failed = true;
    throw error;
  }
});

it('a draining instance waits longer than nginx keeps an idle pooled socket, so nginx lets go of each first', () => {
  expect(DRAIN_IDLE_GRACE_MS).toBeGreaterThan(UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS * 1000);
  // The generated configuration carries it inside the upstream block.
  const nginxConf = readFileSync(join(stack.runDir, 'nginx.conf'), 'utf8');
  const upstream = /upstream latchkey \{([^}]*)\}/.exec(nginxConf)?.[1];
  expect(upstream).toContain(`keepalive_timeout ${UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS}s;`);
});

it('finishes a request that is in flight when SIGTERM arrives, exits 0, and comes back ready', async () => {
  const direct = stack.instanceUrl(0);
  // A login takes one scrypt (tens of milliseconds): long enough to be in flight when the signal lands.
  const inFlight = login(direct);
  await sleep(5);
  const restart = stack.restartInstance(0);
  const answered = await inFlight;
  expect(typeof answered.access).toBe('string');
  // The instance exited 0 and came back.
  expect(await restart).toBe(0);
  expect((await fetch(`${direct}/readyz`)).status).toBe(200);
});
