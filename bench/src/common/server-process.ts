/** Servers in their own processes: started by the bench, announcing their port on stdout, gone when it exits. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './machine.js';

const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const START_TIMEOUT_MS = 30_000;

export interface Running {
  readonly child: ChildProcess;
  readonly port: number;
}

export type Launch = Running | { pending: string } | { error: string };

/**
 * Starts a server entry (`tsx <entry> ...args`) on the server core; resolves once it prints its first line:
 * `{"port":N}`, `{"pending":"..."}` or `{"error":"..."}`. Its stdin stays open for its life: the server
 * exits when it closes, so none outlives the bench.
 */
export function launchServer(entry: string, args: readonly string[]): Promise<Launch> {
  const command = [...pinnedCommand(), process.execPath, '--import', 'tsx', entry, ...args];
  const child = spawn(command[0]!, command.slice(1), { cwd: benchRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      void stopServer(child);
      resolve({ error: `no answer in ${START_TIMEOUT_MS / 1000} s. ${stderr}` });
    }, START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      let message: { port?: number; pending?: string; error?: string };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        message = { error: `unexpected output: ${line}` };
      }
      if (typeof message.port === 'number') resolve({ child, port: message.port });
      else {
        void stopServer(child);
        resolve(message.pending !== undefined ? { pending: message.pending } : { error: `${message.error ?? 'unknown'} ${stderr}`.trim() });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ error: `exited with ${code}. ${stderr}` });
    });
  });
}

/** Ends a server this run started, by its PID (SIGTERM, then SIGKILL after 2 s). */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/**
 * The body of a server entry: starts it, prints the one line the parent waits for (`{"port":N}`,
 * `{"pending":"..."}` or `{"error":"..."}`), then lives exactly as long as the parent holds its stdin open.
 */
export async function serveForParent(start: () => Promise<{ port: number; note?: string } | { pending: string }>): Promise<void> {
  const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  try {
    const started = await start();
    say(started);
    if ('pending' in started) process.exit(0);
  } catch (error) {
    say({ error: (error as Error).stack ?? String(error) });
    process.exit(1);
  }
  // Never outlive the bench: it holds our stdin open, and it closes when the bench ends, however it ends.
  process.stdin.on('close', () => process.exit(0));
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
