/**
 * The whole stack on 127.0.0.1, started and stopped as one: Redis (AOF) -> N instances -> nginx in front
 * of the built SPA. Used by `pnpm start` / `pnpm stop` (cli.ts) and by the tests, which also restart and
 * kill instances. Every process is tracked by a PID file under the run directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxConfig } from './nginx-config.js';
import { portInUse, type RedisAuth, waitForHttp, waitForRedis } from './probes.js';

export { freePort } from './probes.js';
import { isAlive, spawnTracked, stopProcess, tracked, type Tracked } from './processes.js';
import { redisConfig } from './redis-config.js';
import { localSecrets } from './secrets.js';
import { readRedisPassword, REDIS_USERNAME } from '../instance/config.js';

export const EXAMPLE_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const NGINX = process.env.LATCHKEY_NGINX ?? '/usr/sbin/nginx';

export interface StackOptions {
  /** Where PID files, logs, generated config, local secrets and Redis data go. Default `<example>/run`. */
  runDir?: string;
  /** nginx's port. Default 8080. */
  httpPort?: number;
  /** One instance per port (at least two). Default 3101, 3102. */
  instancePorts?: readonly number[];
  /** Default 6391. */
  redisPort?: number;
  /** Access token lifetime of every instance. Default 300 (the tests use 3). */
  accessTokenLifetimeSeconds?: number;
  /** nginx's `fail_timeout`: how long a failed instance is left out. Default 2. */
  failTimeoutSeconds?: number;
  /** Build the SPA first (Vite). Default true. */
  buildSpa?: boolean;
  log?: (message: string) => void;
}

export interface Stack {
  readonly url: string;
  readonly runDir: string;
  readonly redisPort: number;
  /** The instances' Redis account (the default user is off): for tests and tools that talk to Redis. */
  readonly redisAuth: RedisAuth;
  readonly instancePorts: readonly number[];
  readonly failTimeoutSeconds: number;
  /** The base URL of instance `index`, bypassing nginx. */
  instanceUrl(index: number): string;
  /** PID of instance `index` while it runs. */
  instancePid(index: number): number | undefined;
  /** Starts instance `index` and waits for its /readyz. */
  startInstance(index: number): Promise<void>;
  /** SIGTERM (graceful), wait for exit 0, start again, wait for /readyz. Resolves the exit code. */
  restartInstance(index: number): Promise<number | null>;
  /** Each instance in turn; after each, waits until nginx will route to it again (fail_timeout). */
  rollingRestart(): Promise<void>;
  /** SIGKILL: a crash. */
  killInstance(index: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * How long after an instance is ready again before nginx surely routes to it. nginx left it out after a
 * refused connection while it was down, for `fail_timeout`, counted in whole seconds of its clock (the
 * check is `now - checked <= fail_timeout`): up to one second more. Moving on to the next instance sooner
 * could leave nginx with no instance it considers alive ("no live upstreams", a 502).
 */
export const backInRotationMs = (failTimeoutSeconds: number) => (failTimeoutSeconds + 1) * 1000 + 500;

const INSTANCE = /instance\/main\.ts/;
const instanceName = (index: number) => `instance-${index + 1}`;

/** Builds the SPA with Vite into dist/spa. */
export function buildSpa(log: (message: string) => void = console.log): string {
  const outDir = join(EXAMPLE_DIR, 'dist', 'spa');
  log('building the SPA (vite build)');
  const vite = join(EXAMPLE_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', 'spa/vite.config.ts', '--logLevel', 'warn'], { cwd: EXAMPLE_DIR, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
  return outDir;
}

/** Stops whatever the PID files under `runDir` name: nginx first, then the instances, then Redis. */
export async function stopStack(runDir: string = join(EXAMPLE_DIR, 'run')): Promise<string[]> {
  const stopped: string[] = [];
  const nginx = tracked(runDir, 'nginx', /nginx/);
  // SIGQUIT: nginx's graceful stop (finish the requests in progress).
  if (nginx) await stopProcess(runDir, nginx, 'SIGQUIT', 10_000).then(() => stopped.push('nginx'));
  const instances: Tracked[] = [];
  for (let index = 0; index < 64; index++) {
    const found = tracked(runDir, instanceName(index), INSTANCE);
    if (found) instances.push(found);
  }
  await Promise.all(instances.map((instance) => stopProcess(runDir, instance, 'SIGTERM', 15_000).then(() => stopped.push(instance.name))));
  const redis = tracked(runDir, 'redis', /redis-server/);
  // SIGTERM: Redis flushes the AOF and exits.
  if (redis) await stopProcess(runDir, redis, 'SIGTERM', 10_000).then(() => stopped.push('redis'));
  return stopped;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? console.log;
  const runDir = options.runDir ?? join(EXAMPLE_DIR, 'run');
  const httpPort = options.httpPort ?? 8080;
  const instancePorts = options.instancePorts ?? [3101, 3102];
  const redisPort = options.redisPort ?? 6391;
  const failTimeoutSeconds = options.failTimeoutSeconds ?? 2;
  if (instancePorts.length < 2) throw new TypeError('startStack: instancePorts needs at least two ports');
  for (const port of [httpPort, redisPort, ...instancePorts]) {
    if (await portInUse(port)) throw new Error(`port ${port} is in use (a stack still running? pnpm stop)`);
  }
  for (const dir of ['logs', 'pids', 'nginx', 'redis']) mkdirSync(join(runDir, dir), { recursive: true });

  const spaDir = options.buildSpa === false ? join(EXAMPLE_DIR, 'dist', 'spa') : buildSpa(log);
  const secrets = await localSecrets(runDir);
  const redisAuth: RedisAuth = { username: REDIS_USERNAME, password: readRedisPassword(secrets.redisPasswordFile) };
  const instanceEnv = (index: number): NodeJS.ProcessEnv => ({
    ...process.env,
    INSTANCE_NAME: instanceName(index),
    PORT: String(instancePorts[index]),
    REDIS_PORT: String(redisPort),
    LATCHKEY_SIGNING_KEY_FILE: secrets.signingKeyFile,
    LATCHKEY_USERS_FILE: secrets.usersFile,
    LATCHKEY_REDIS_PASSWORD_FILE: secrets.redisPasswordFile,
    LATCHKEY_REDIS_USERNAME: REDIS_USERNAME,
    LATCHKEY_ACCESS_LIFETIME_SECONDS: String(options.accessTokenLifetimeSeconds ?? 300),
  });
  const instanceUrl = (index: number) => `http://127.0.0.1:${instancePorts[index]}`;
  const instancePid = (index: number) => tracked(runDir, instanceName(index), INSTANCE)?.pid;

  // Exit codes of the instances this process started (a rolling restart checks each one exits 0).
  const exits = new Map<number, Promise<number | null>>();
  async function startInstance(index: number): Promise<void> {
    const proc = spawnTracked({
      name: instanceName(index),
      command: process.execPath,
      args: ['--import', 'tsx', 'src/instance/main.ts'],
      cwd: EXAMPLE_DIR,
      env: instanceEnv(index),
      runDir,
    });
    if (proc.exited) exits.set(proc.pid, proc.exited);
    await waitForHttp(`${instanceUrl(index)}/readyz`, 30_000, () => isAlive(proc.pid));
  }

  try {
    writeFileSync(join(runDir, 'redis.conf'), redisConfig({ port: redisPort, dataDir: join(runDir, 'redis'), ...redisAuth }), { mode: 0o600 });
    const redis = spawnTracked({ name: 'redis', command: 'redis-server', args: [join(runDir, 'redis.conf')], runDir });
    await waitForRedis(redisPort, 10_000, () => isAlive(redis.pid), redisAuth);
    log(`redis-server on 127.0.0.1:${redisPort} (AOF, appendfsync always; ACL user ${redisAuth.username}, no anonymous access)`);

    await Promise.all(instancePorts.map((_, index) => startInstance(index)));
    log(`${instancePorts.length} instances on 127.0.0.1:${instancePorts.join(', ')}`);

    const config = join(runDir, 'nginx.conf');
    // Workers run as the starting user, who can read the SPA (as root nginx would pick `nobody`).
    writeFileSync(
      config,
      nginxConfig({
        runDir,
        spaDir,
        listenPort: httpPort,
        upstreamPorts: instancePorts,
        failTimeoutSeconds,
        user: process.getuid?.() === 0 ? userInfo().username : undefined,
      }),
    );
    const nginxArgs = ['-p', runDir, '-c', config, '-e', join(runDir, 'logs', 'nginx-error.log')];
    const test = spawnSync(NGINX, ['-t', '-q', ...nginxArgs], { encoding: 'utf8' });
    if (test.error) throw new Error(`cannot run ${NGINX} (install Debian's nginx): ${test.error.message}`);
    if (test.status !== 0) throw new Error(`nginx -t refused the generated config:\n${test.stderr}`);
    const nginx = spawnTracked({ name: 'nginx', command: NGINX, args: nginxArgs, runDir });
    await waitForHttp(`http://127.0.0.1:${httpPort}/`, 10_000, () => isAlive(nginx.pid));
    writeFileSync(join(runDir, 'stack.json'), `${JSON.stringify({ url: `http://127.0.0.1:${httpPort}`, redisPort, instancePorts }, null, 2)}\n`);
    log(`nginx on http://127.0.0.1:${httpPort} (the SPA, /api/ -> the instances)`);
  } catch (error) {
    await stopStack(runDir);
    throw error;
  }

  const stack: Stack = {
    url: `http://127.0.0.1:${httpPort}`,
    runDir,
    redisPort,
    redisAuth,
    instancePorts,
    failTimeoutSeconds,
    instanceUrl,
    instancePid,
    startInstance,
    async restartInstance(index) {
      const proc = tracked(runDir, instanceName(index), INSTANCE);
      let code: number | null = null;
      if (proc) {
        await stopProcess(runDir, proc, 'SIGTERM', 15_000);
        code = (await exits.get(proc.pid)) ?? null;
      }
      await startInstance(index);
      return code;
    },
    async rollingRestart() {
      for (let index = 0; index < instancePorts.length; index++) {
        const code = await stack.restartInstance(index);
        if (code !== 0) throw new Error(`${instanceName(index)} exited with ${code} on SIGTERM`);
        log(`${instanceName(index)} restarted and ready`);
        await new Promise((resolve) => setTimeout(resolve, backInRotationMs(failTimeoutSeconds)));
      }
    },
    async killInstance(index) {
      const proc = tracked(runDir, instanceName(index), INSTANCE);
      if (proc) await stopProcess(runDir, proc, 'SIGKILL', 5000);
    },
    async stop() {
      await stopStack(runDir);
    },
  };
  return stack;
}

export function readStackFile(runDir: string = join(EXAMPLE_DIR, 'run')): { url: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(runDir, 'stack.json'), 'utf8')) as { url: string };
  } catch {
    return undefined;
  }
}

export function removeRunDir(runDir: string): void {
  rmSync(runDir, { recursive: true, force: true });
}
