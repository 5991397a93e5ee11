/** Ports on 127.0.0.1: waiting for the parts to come up (an HTTP 200, a Redis PONG), finding a free one. */
import { readFileSync } from 'node:fs';
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
 * A port nothing listens on now, for tests and the bench, which start whole stacks side by side and must
 * not collide with a stack left running on the default ports. Picked below the kernel's ephemeral range
 * (`ip_local_port_range`, where the source ports of outgoing connections come from): a port taken from
 * inside it could become the source port of one of the many connections a load test opens (nginx to
 * an instance, for one) while its instance restarts, and the instance could not bind it again.
 */
export async function freePort(): Promise<number> {
  const ephemeralLow = ephemeralRangeStart();
  for (let attempt = 0; ephemeralLow - FIXED_PORTS_LOW > 1000 && attempt < 50; attempt++) {
    const port = FIXED_PORTS_LOW + Math.floor(Math.random() * (ephemeralLow - FIXED_PORTS_LOW));
    // Never the same port twice in one process: callers pick several at once, before binding any.
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  // No room below the range (a tuned host): let the kernel pick one.
  return listenOnce(0);
}

/** Where tests pick ports from: above the usual fixed services. */
const FIXED_PORTS_LOW = 20_000;
const handedOut = new Set<number>();

/** The first port of the ephemeral range (Linux); 32768, Linux's default, elsewhere. */
function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return listenOnce(port).then(
    () => true,
    () => false,
  );
}

/** Listens on 127.0.0.1:`port` (0: any), closes, and returns the port it got. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}
