/**
 * Processes of the stack, tracked by PID files: started detached (they outlive `pnpm start`), logs in the
 * run directory, stopped by PID only — after checking the PID still runs the program we started, since
 * a PID can be reused once its process is gone.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Tracked {
  readonly name: string;
  readonly pid: number;
  /** Exit code (`null` when a signal ended it), when this process started it. */
  readonly exited?: Promise<number | null>;
}

export interface SpawnInput {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly runDir: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const pidFile = (runDir: string, name: string) => join(runDir, 'pids', `${name}.pid`);

export function spawnTracked(input: SpawnInput): Tracked {
  mkdirSync(join(input.runDir, 'pids'), { recursive: true });
  mkdirSync(join(input.runDir, 'logs'), { recursive: true });
  const log = openSync(join(input.runDir, 'logs', `${input.name}.log`), 'a');
  try {
    const child = spawn(input.command, input.args, { cwd: input.cwd, env: input.env ?? process.env, detached: true, stdio: ['ignore', log, log] });
    if (child.pid === undefined) throw new Error(`${input.name}: could not start ${input.command}`);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.unref();
    writeFileSync(pidFile(input.runDir, input.name), `${child.pid}\n`);
    return { name: input.name, pid: child.pid, exited };
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A child that exited but was not reaped yet still answers signal 0.
  try {
    return !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The tracked process of this name, if its PID file exists and the PID still runs what we started. */
export function tracked(runDir: string, name: string, expect: RegExp): Tracked | undefined {
  const file = pidFile(runDir, name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid < 2 || !isAlive(pid)) return undefined;
  try {
    if (!expect.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))) return undefined;
  } catch {
    // No /proc (not Linux): trust the PID file.
  }
  return { name, pid };
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/** Sends `signal`, waits up to `graceMs`, then SIGKILL. Resolves once the process is gone. */
export async function stopProcess(runDir: string, proc: Tracked, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  try {
    process.kill(proc.pid, signal);
  } catch {
    // Already gone.
  }
  if (!(await waitForExit(proc.pid, graceMs))) {
    // The whole process group (each is started detached, its own group leader): an nginx master killed
    // alone would leave its worker running, re-parented to init.
    for (const target of [-proc.pid, proc.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // No such group (not started by us as a leader), or gone meanwhile.
      }
    }
    await waitForExit(proc.pid, 5000);
  }
  rmSync(pidFile(runDir, proc.name), { force: true });
}
