/** Ports on 127.0.0.1: waiting for the parts to come up (an HTTP 200, a Redis PONG), finding a free one. */
import { connect, createServer } from 'node:net';

async function until(what: string, timeoutMs: number, attempt: () => Promise<boolean>, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await attempt().catch(() => false)) return;
    if (!alive()) throw new Error(`${what} exited during start-up (see its log in run/logs/)`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function waitForHttp(url: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  return until(url, timeoutMs, async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200, alive);
}

/** Credentials for Redis's AUTH (ACL user and password). */
export interface RedisAuth {
  readonly username: string;
  readonly password: string;
}

/** A command as a RESP array: safe for any bytes in its arguments, unlike an inline command. */
const resp = (...args: string[]) => `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;

/** True when Redis answers PING with PONG, after AUTH when `auth` is given (a refused AUTH is false). */
export function redisPing(port: number, auth?: RedisAuth): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const replies = auth ? 2 : 1;
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write((auth ? resp('AUTH', auth.username, auth.password) : '') + resp('PING')));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      const lines = answer.split('\r\n');
      if (lines.length > replies) done(lines.slice(0, replies).join('\n') === (auth ? '+OK\n+PONG' : '+PONG'));
    });
  });
}

export function waitForRedis(port: number, timeoutMs: number, alive: () => boolean, auth?: RedisAuth): Promise<void> {
  return until(`redis-server on ${port}`, timeoutMs, () => redisPing(port, auth), alive);
}

/** True when something already listens on the port (a stack left running, another program). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * A port nothing listens on now, picked by the OS: for tests and the bench, which start whole stacks
 * side by side and must not collide with a stack left running on the default ports.
 */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
