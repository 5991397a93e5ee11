/**
 * An instance SIGKILLed under load: nginx routes around it (the connection error makes it try the next
 * instance; then it leaves the dead one out for fail_timeout), and no request hangs past its deadline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PROXY_NEXT_UPSTREAM_TIMEOUT_SECONDS } from '../src/stack/nginx-config.js';
import { backInRotationMs } from '../src/stack/stack.js';
import { login, startTestStack, type TestStack } from './fixture.js';
import { sleep, startLoad } from './load.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ instances: 2 });
});
afterAll(async () => {
  await stack?.dispose();
});

it('routes around a killed instance: every request answered 200, none slower than the retry bound', async () => {
  const { access } = await login(stack.url);
  const deadPort = stack.instancePorts[0]!;
  const load = startLoad({ url: stack.url, access, concurrency: 8, maxRequests: 40_000, timeoutMs: 10_000 });
  await sleep(800);
  await stack.killInstance(0);
  // Past fail_timeout, so nginx tries the dead instance again at least once (and fails over again).
  await sleep(backInRotationMs(stack.failTimeoutSeconds) + 500);
  const result = await load.stop();

  expect(result.errors).toEqual([]);
  expect([...result.statuses.keys()]).toEqual([200]);
  expect(result.maxMs).toBeLessThan(PROXY_NEXT_UPSTREAM_TIMEOUT_SECONDS * 1000);
  // nginx's access log shows requests that went to the dead instance first and were answered by the other.
  const log = readFileSync(join(stack.runDir, 'logs', 'nginx-access.log'), 'utf8');
  const failedOver = log.split('\n').filter((line) => line.includes(`upstream=[127.0.0.1:${deadPort}, 127.0.0.1:${stack.instancePorts[1]}]`));
  expect(failedOver.length).toBeGreaterThan(0);
  console.log(`kill: ${result.sent} requests, all 200, ${failedOver.length} failed over, slowest ${result.maxMs.toFixed(0)} ms`);

  // Started again, it is back in rotation once fail_timeout has passed.
  await stack.startInstance(0);
  await sleep(backInRotationMs(stack.failTimeoutSeconds));
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${stack.url}/api/me`, { headers: { authorization: `Bearer ${access}` } });
    seen.add(((await response.json()) as { instance: string }).instance);
  }
  expect(seen).toEqual(new Set(['instance-1', 'instance-2']));
});
