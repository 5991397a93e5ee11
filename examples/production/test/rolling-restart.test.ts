/**
 * Rolling restart under load: every instance gets SIGTERM in turn (each started again and ready before
 * the next), while a bounded load runs through nginx. Not one request may fail or see a 5xx.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
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
    const load = startLoad({ url: stack.url, access, concurrency: 8, maxRequests: 40_000, timeoutMs: 10_000 });
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
