/** Test plumbing: API instances in their own processes (tsx), stopped by PID. Plain module, not a test file. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SECRET = 'a-test-secret-of-at-least-32-bytes-long!';
const fixture = fileURLToPath(new URL('./fixtures/instance.ts', import.meta.url));

export interface Instance {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `fixtures/<name>` (default: the issuer instance) on one Redis (its port) or on a Cluster (the ports of its masters). */
export async function startInstance(redis: number | readonly number[], name = 'instance.ts', env: Record<string, string> = { SECRET }): Promise<Instance> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', name === 'instance.ts' ? fixture : fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        ...process.env,
        ...(typeof redis === 'number' ? { REDIS_PORT: String(redis) } : { REDIS_CLUSTER_PORTS: redis.join(','), COMMAND_TIMEOUT_MS: '2000' }),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start: ${errors}`)), 15_000);
    child.once('exit', (code) => reject(new Error(`instance exited (${code}): ${errors}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGKILL');
      await exited;
    },
  };
}

export async function post(url: string, body: unknown): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

export async function me(url: string, access: string): Promise<number> {
  return (await fetch(`${url}/me`, { headers: { authorization: `Bearer ${access}` } })).status;
}

export async function login(url: string): Promise<{ access: string; refresh: string }> {
  const answer = await post(`${url}/api/token/`, { username: 'alice', password: 'wonderland' });
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status}`);
  return answer.body as { access: string; refresh: string };
}
