/**
 * Test plumbing: a real `redis-server` on 127.0.0.1, on a free port, with a temp dir and AOF on
 * (`appendonly yes`, `appendfsync always`: every write is on disk before the reply, so a kill -9 loses no
 * revocation). Stopped by PID. Plain module, not a test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisProcess {
  readonly port: number;
  /** kill -9 (a crash): only what AOF has on disk survives. */
  kill(): Promise<void>;
  /** Starts again on the same port and data directory. */
  start(): Promise<void>;
  /** Kills it and removes the data directory. */
  dispose(): Promise<void>;
}

/** The AOF settings the README recommends, as command-line flags. */
export const AOF_FLAGS = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];

export async function startRedis(extra: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-redis-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', ...AOF_FLAGS, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
      started.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot run redis-server (install the Debian package redis-server): ${error.message}`));
      });
      started.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (running?.pid === undefined || running.exitCode !== null) return;
    const exited = once(running, 'exit');
    process.kill(running.pid, 'SIGKILL');
    await exited;
  }

  await start();
  return {
    port,
    kill,
    start,
    async dispose() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A redis-server and a connected ioredis client (offline queue off) for one test file: started in beforeAll, stopped after. */
export function redisPerFile(): { readonly server: RedisProcess; readonly client: Redis } {
  let server: RedisProcess | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis({ host: '127.0.0.1', port: server.port, enableOfflineQueue: false, lazyConnect: true });
    await client.connect();
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.dispose();
  });
  return {
    get server() {
      return server!;
    },
    get client() {
      return client!;
    },
  };
}
