/**
 * A `redis-server` the bench starts itself: 127.0.0.1, a free port, its data directory under the run's
 * scratch directory, pinned to {@link REDIS_CORE} when the bench pins, stopped by its PID. Bench-local on
 * purpose: the Redis package's test helper is test plumbing, not something the bench may import.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { REDIS_CORE, pinnedCommand } from './machine.js';
import { stopServer } from './server-process.js';

const START_TIMEOUT_MS = 10_000;

/**
 * `none`: no RDB snapshot, no AOF. `aof-everysec`: AOF written on every write, fsynced once a second by a
 * background thread, automatic AOF rewrites off. Both turn off RDB snapshots: Redis's default `save`
 * rules would fork a BGSAVE after 10,000 changes, in the middle of whichever timed run got there.
 */
export type RedisPersistence = 'none' | 'aof-everysec';

const PERSISTENCE_FLAGS: Record<RedisPersistence, readonly string[]> = {
  none: ['--save', '', '--appendonly', 'no'],
  // A rewrite forks and copies the dataset: it would land in one contender's window by chance.
  'aof-everysec': ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '0'],
};

export interface RedisServer {
  readonly port: number;
  readonly pid: number;
  /** FLUSHALL: the next contender starts on an empty database. */
  flush(): Promise<unknown>;
  /** CONFIG RESETSTAT: the command counters start from zero. */
  resetStats(): Promise<unknown>;
  /** Script calls (EVALSHA + EVAL) since the last reset: commands a script runs inside count apart. */
  scriptCalls(): Promise<number>;
  /** SIGTERM by PID, SIGKILL after 2 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** Whether `redis-server` can be run here (the Debian package `redis-server`). */
export function redisServerInstalled(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One command on a short-lived connection of the bench's own (not the server under test's client). */
async function oneCommand<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** Attempts at a port: another process may take the free port found between the probe and Redis's bind. */
const PORT_ATTEMPTS = 3;

/** Starts one `redis-server` in the foreground; resolves once it accepts connections (10 s at most per attempt). */
export async function startRedisServer(dir: string, persistence: RedisPersistence): Promise<RedisServer> {
  mkdirSync(dir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(await freePort(), dir, persistence);
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !(error as Error).message.includes('Address already in use')) throw error;
    }
  }
}

async function startOnPort(port: number, dir: string, persistence: RedisPersistence): Promise<RedisServer> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', ...PERSISTENCE_FLAGS[persistence]];
  // taskset execs redis-server: the PID is the server's own.
  const command = [...pinnedCommand(REDIS_CORE), 'redis-server', ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stopServer(child);
      reject(new Error(`${message} ${output.slice(-500)}`.trim()));
    };
    const timer = setTimeout(() => fail(`redis-server did not start in ${START_TIMEOUT_MS / 1000} s.`), START_TIMEOUT_MS);
    child.once('error', (error) => fail(`cannot run redis-server: ${error.message}`));
    // 'close', not 'exit': by then the pipes are drained, so the message holds Redis's last words.
    child.once('close', (code) => fail(`redis-server exited with ${code}.`));
    // Read for the whole life of the server: an unread pipe would fill and stall its logging.
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (!settled && output.includes('Ready to accept connections')) {
        settled = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
  });
  return {
    port,
    pid: child.pid!,
    flush: () => oneCommand(port, (client) => client.flushall()),
    resetStats: () => oneCommand(port, (client) => client.config('RESETSTAT')),
    async scriptCalls() {
      const stats = await oneCommand(port, (client) => client.info('commandstats'));
      return [...stats.matchAll(/^cmdstat_eval(?:sha)?:calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    },
    stop: () => stopServer(child),
  };
}
