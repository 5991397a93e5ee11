/** The `memory` phase: Latchkey's memory while verifying many distinct tokens (the token cache's bound), in a worker process. */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../config.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface MemoryResult {
  readonly tokens: number;
  readonly requested: number;
  readonly failures: number;
  readonly seconds: number;
  readonly before: { rss: number; heapUsed: number };
  readonly after: { rss: number; heapUsed: number };
  readonly samples: Array<{ tokens: number; rss: number; heapUsed: number }>;
  readonly cacheBound: number;
  readonly gc: boolean;
  /** The verifier still answered after the last measurement (it was alive when measured). */
  readonly stillCached: boolean;
}

/** Runs the memory worker in a fresh process (its RSS is Latchkey's alone), bounded in time. */
export async function runMemory(settings: Settings, log: (line: string) => void): Promise<MemoryResult | { error: string }> {
  const { tokens, maxMs } = settings.memory;
  log(`memory: ${tokens.toLocaleString('en-US')} distinct HS256 tokens through latchkey with tokenCache on`);
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'worker.ts'), String(tokens), String(maxMs)], {
    cwd: join(here, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const killer = setTimeout(() => child.kill('SIGKILL'), maxMs + 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
  try {
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as MemoryResult;
    log(
      `memory: RSS ${(result.before.rss / 2 ** 20).toFixed(1)} → ${(result.after.rss / 2 ** 20).toFixed(1)} MiB after ${result.tokens} tokens (${result.failures} failures, ${result.seconds.toFixed(1)} s)`,
    );
    return result;
  } catch {
    return { error: `the memory worker exited with ${code}: ${stderr}` };
  }
}
