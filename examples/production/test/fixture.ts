/**
 * Test plumbing (not a test file): a whole stack on free loopback ports in a temporary run directory,
 * stopped by PID afterwards; logging in and calling the API through nginx.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack, type Stack, type StackOptions } from '../src/stack/stack.js';

export interface TestStack extends Stack {
  /** Stops every process and removes the run directory (kept when `keepRunDir`, to read its logs). */
  dispose(keepRunDir?: boolean): Promise<void>;
}

export async function startTestStack(options: Pick<StackOptions, 'accessTokenLifetimeSeconds'> & { instances?: number } = {}): Promise<TestStack> {
  const runDir = mkdtempSync(join(tmpdir(), 'latchkey-production-'));
  const ports = await Promise.all(Array.from({ length: (options.instances ?? 2) + 2 }, freePort));
  const [httpPort, redisPort, ...instancePorts] = ports as [number, number, ...number[]];
  const stack = await startStack({ runDir, httpPort, redisPort, instancePorts, accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds, log: () => {} });
  return Object.assign(stack, {
    async dispose(keepRunDir = false) {
      await stack.stop();
      if (keepRunDir) console.log(`run directory kept: ${runDir}`);
      else rmSync(runDir, { recursive: true, force: true });
    },
  });
}

export async function login(baseUrl: string, headers: Record<string, string> = {}): Promise<{ access: string; refresh: string }> {
  const response = await fetch(`${baseUrl}/api/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
  });
  if (response.status !== 200) throw new Error(`login answered ${response.status}`);
  return (await response.json()) as { access: string; refresh: string };
}

/** The (unverified) payload of a JWT: tests read `fam` and `exp` from tokens they were just given. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}
