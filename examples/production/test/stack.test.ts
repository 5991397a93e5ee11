/**
 * The stack's wiring: the client address the instances see through nginx (never a forged
 * X-Forwarded-For), the probes, and a stop that leaves no process behind.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXAMPLE_DIR, freePort } from '../src/stack/stack.js';
import { isAlive } from '../src/stack/processes.js';
import { redisPing } from '../src/stack/probes.js';
import { login, startTestStack, type TestStack } from './fixture.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.dispose();
});

it('a forged X-Forwarded-For never reaches the instances: they see the address nginx saw', async () => {
  const forged = { 'x-forwarded-for': '203.0.113.9' };
  const { access } = await login(stack.url, forged);
  const me = (await (await fetch(`${stack.url}/api/me`, { headers: { ...forged, authorization: `Bearer ${access}` } })).json()) as { clientAddress: string };
  expect(me.clientAddress).toBe('127.0.0.1');
  // The session recorded at login (what rate limits and session lists key on) has the real address too.
  const sessions = (await (await fetch(`${stack.url}/api/token/sessions/`, { headers: { authorization: `Bearer ${access}` } })).json()) as {
    sessions: Array<{ client_address: string; current: boolean }>;
  };
  expect(sessions.sessions.find((session) => session.current)?.client_address).toBe('127.0.0.1');
});

it('a spelling of a token path that Node reads as another ("/api/token\\#") is rate-limited by nginx and refused by the instance', async () => {
  const { port } = new URL(stack.url);
  /**
   * One raw request: fetch would normalise the path before sending it. Written, not ended: a client that
   * half-closes its side looks to nginx like one that gave up, and nginx drops a proxied request it sees
   * abandoned (499, nothing sent back), which on a fast machine races the instance's answer.
   */
  const raw = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        const body = JSON.stringify({ username: 'alice', password: 'wonderland' });
        socket.write(
          `POST /api/token\\# HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
      });
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      // Connection: close, so nginx ends the connection once it has answered.
      socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
      socket.on('error', reject);
    });
  const statuses = await Promise.all(Array.from({ length: 40 }, raw));
  // Never a login: the instance refuses the spelling (400), and past the burst nginx's login limit answers 429.
  expect(new Set(statuses)).toEqual(new Set([400, 429]));
});

it("keeps the issuer's login counters in Redis, shared by every instance", async () => {
  const redis = new Redis({ host: '127.0.0.1', port: stack.redisPort, ...stack.redisAuth, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past nginx's login burst from the test above
    const failed = await fetch(`${stack.url}/api/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bob', password: 'not-his-password' }),
    });
    expect(failed.status).toBe(401);
    expect((await redis.keys('*')).some((key) => key.includes('login'))).toBe(true);
  } finally {
    redis.disconnect();
  }
});

it("Redis admits only the instances' account, and it cannot run admin commands", async () => {
  const { username, password } = stack.redisAuth;
  // A raw PING: anonymous (the default user is off), as the default user, with a wrong password, and right.
  const answers = await Promise.all([
    redisPing(stack.redisPort),
    redisPing(stack.redisPort, { username: 'default', password }),
    redisPing(stack.redisPort, { username, password: 'guess' }),
    redisPing(stack.redisPort, { username, password }),
  ]);
  expect(answers).toEqual([false, false, false, true]);
  const redis = new Redis({ host: '127.0.0.1', port: stack.redisPort, username, password, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    // Not even the instances' own account can wipe the denylist and epochs or reconfigure the server.
    await expect(redis.flushall()).rejects.toThrow(/NOPERM/);
    await expect(redis.config('SET', 'appendonly', 'no')).rejects.toThrow(/NOPERM/);
    await expect(redis.call('ACL', 'SETUSER', 'default', 'on', 'nopass')).rejects.toThrow(/NOPERM/);
  } finally {
    redis.disconnect();
  }
  // The generated config names the password's SHA-256 only.
  expect(readFileSync(join(stack.runDir, 'redis.conf'), 'utf8')).not.toContain(stack.redisAuth.password);
});

it('an instance is live at once but ready only while Redis answers', async () => {
  // A port the system hands out as free, not one derived from the stack's: that one may be taken.
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/instance/main.ts'], {
    cwd: EXAMPLE_DIR,
    // A Redis port nothing listens on.
    env: {
      ...process.env,
      INSTANCE_NAME: 'probe',
      PORT: String(port),
      REDIS_PORT: '1',
      LATCHKEY_SIGNING_KEY_FILE: join(stack.runDir, 'secrets', 'signing-key.pem'),
      LATCHKEY_USERS_FILE: join(stack.runDir, 'secrets', 'users.json'),
      LATCHKEY_REDIS_PASSWORD_FILE: join(stack.runDir, 'secrets', 'redis-password'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
      child.once('exit', (code) => reject(new Error(`instance exited ${code}: ${errors}`)));
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not ready', instance: 'probe' });
    // It keeps waiting for Redis rather than exiting (and being restarted in a loop)...
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect([child.exitCode, (await fetch(`http://127.0.0.1:${port}/readyz`)).status]).toEqual([null, 503]);
    // ...and still stops on SIGTERM, Redis or not: its connections are dropped, not politely quit forever.
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const started = performance.now();
    const [code] = (await exited) as [number];
    expect(code).toBe(0);
    expect(performance.now() - started).toBeLessThan(8_000);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
});

it('refuses to start without its key file', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/instance/main.ts'], {
    cwd: EXAMPLE_DIR,
    env: { ...process.env, PORT: '1', REDIS_PORT: '1', LATCHKEY_SIGNING_KEY_FILE: '', LATCHKEY_USERS_FILE: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  expect(code).not.toBe(0);
  expect(errors).toContain('LATCHKEY_SIGNING_KEY_FILE is not set');
});

it('stop ends every process of the stack by PID', async () => {
  const pids = [stack.instancePid(0), stack.instancePid(1)];
  expect(pids.every((pid) => pid !== undefined && isAlive(pid))).toBe(true);
  await stack.stop();
  expect(pids.some((pid) => isAlive(pid!))).toBe(false);
  await expect(fetch(`${stack.url}/`)).rejects.toThrow();
});
