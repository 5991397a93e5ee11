/**
 * Test plumbing: a real `redis-server` on 127.0.0.1, on a free port, with a temp dir and AOF on
 * (`appendonly yes`, `appendfsync always`: every write is on disk before the reply, so a kill -9 loses no
 * revocation). Stopped by PID. Also a local three-master Redis Cluster. The one place every Redis test starts
 * and stops servers. Plain module, not a test file.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

/** Spawns one `redis-server` in the foreground and resolves once it accepts connections. */
function spawnRedis(port: number, dir: string, flags: readonly string[]): Promise<ChildProcess> {
  const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', ...AOF_FLAGS, ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<ChildProcess>((resolve, reject) => {
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
        resolve(started);
      }
    });
    // An exit before it was ready (a taken port, a bad flag): say why at once rather than at the timeout.
    // 'close', not 'exit', so that the output read so far is all of it.
    started.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready: ${output}`));
    });
  });
}

/** Attempts at a fresh port: another process may take the free port found between the probe and Redis's bind. */
const PORT_ATTEMPTS = 3;

/** kill -9 by PID, and wait for the exit. */
async function killChild(running: ChildProcess | undefined): Promise<void> {
  if (running?.pid === undefined || running.exitCode !== null || running.signalCode !== null) return;
  const exited = once(running, 'exit');
  process.kill(running.pid, 'SIGKILL');
  await exited;
}

export async function startRedis(extra: string[] = []): Promise<RedisProcess> {
  let port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-redis-'));
  let child: ChildProcess | undefined;

  // A restart after kill() keeps its port: the tests that restart expect the server where it was.
  async function start(): Promise<void> {
    child = await spawnRedis(port, dir, extra);
  }

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    await killChild(running);
  }

  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !(error as Error).message.includes('Address already in use')) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      port = await freePort();
    }
  }
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

/** A local Redis Cluster of three masters (no replicas), each with AOF in its own temp dir. */
export interface RedisCluster {
  readonly ports: readonly number[];
  /** Kills every node by PID and removes their data directories. */
  dispose(): Promise<void>;
}

const execFileAsync = promisify(execFile);

/** A free port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port > 55_000 || taken.has(port)) continue;
    const bus = createServer();
    const free = await new Promise<boolean>((resolve) => {
      bus.once('error', () => resolve(false));
      bus.listen(port + 10_000, '127.0.0.1', () => bus.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/**
 * Starts three `redis-server --cluster-enabled yes` on 127.0.0.1, joins them with
 * `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes`, and waits for `cluster_state:ok` on each.
 */
export async function startCluster(): Promise<RedisCluster> {
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let node = 0; node < 3; node += 1) {
    const port = await freeClusterPort(taken);
    taken.add(port);
    ports.push(port);
  }
  const dirs = ports.map(() => mkdtempSync(join(tmpdir(), 'latchkey-cluster-')));
  const children: ChildProcess[] = [];
  const dispose = async (): Promise<void> => {
    await Promise.all(children.map(killChild));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [index, port] of ports.entries()) {
      children.push(
        await spawnRedis(port, dirs[index]!, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000']),
      );
    }
    await execFileAsync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    const deadline = Date.now() + 30_000;
    for (const port of ports) {
      for (;;) {
        const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), 'cluster', 'info'], { timeout: 5000 });
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${port} did not reach cluster_state:ok`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return { ports, dispose };
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
