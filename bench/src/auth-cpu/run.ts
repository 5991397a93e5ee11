/**
 * Issue 15: the auth CPU of a repeated token per request with default options, per framework, timed inside
 * the framework's own dispatch (worker.mjs says how). The worker runs in a process of its own, pinned to
 * one core where taskset exists, so that nothing of the bench's own (its fixture, its other phases) shares
 * its heap or its core.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../config.js';
import { pinnedCommand } from '../common/machine.js';

export type AuthCpuFramework = 'express' | 'koa' | 'fastify';

export interface AuthCpuFigures {
  /** µs per request between the timers with the no-op step (the framework's dispatch of one layer). */
  readonly noopUs: number;
  /** The same with Latchkey's adapter, default options, one repeated token. */
  readonly latchkeyUs: number;
  /** Median over rounds of (Latchkey − no-op): the adapter's auth CPU per request. */
  readonly addedUs: number;
  /** First and third quartile of that difference over the rounds. */
  readonly quartiles: readonly [number, number];
}

export type AuthCpuResult =
  | { readonly status: 'ok'; readonly requests: number; readonly rounds: number; readonly frameworks: Record<AuthCpuFramework, AuthCpuFigures> }
  | { readonly status: 'failed'; readonly note: string };

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));

export function runAuthCpu(settings: Settings, log: (line: string) => void): Promise<AuthCpuResult> {
  const { requests, rounds } = settings.authCpu;
  log(`auth-cpu: ${rounds} rounds of ${requests} requests per app, express, koa, fastify`);
  const [command, ...args] = [...pinnedCommand(), process.execPath, WORKER, String(requests), String(rounds)];
  return new Promise((resolve) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Bounded: a worker that hangs is stopped (by its PID) and the phase reports the failure.
    const timer = setTimeout(() => child.kill('SIGKILL'), settings.authCpu.maxMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(stderr.trim().slice(-500) || `exit ${code}`);
        const parsed = JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<Extract<AuthCpuResult, { status: 'ok' }>, 'status'>;
        for (const [framework, figures] of Object.entries(parsed.frameworks))
          log(
            `auth-cpu ${framework}: ${figures.addedUs.toFixed(2)} µs per request above a no-op step (${figures.latchkeyUs.toFixed(2)} vs ${figures.noopUs.toFixed(2)})`,
          );
        resolve({ status: 'ok', ...parsed });
      } catch (error) {
        log(`auth-cpu: FAILED ${(error as Error).message}`);
        resolve({ status: 'failed', note: (error as Error).message.slice(0, 500) });
      }
    });
  });
}
