import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

/** Whether `taskset` exists and can pin this machine's cores. */
export const HAS_TASKSET = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;

/** The core the load generator (this process) runs on, and the one each server process is pinned to. */
export const LOADGEN_CORE = 0;
export const SERVER_CORE = availableParallelism() > 1 ? 1 : 0;
/**
 * The core a bench-started `redis-server` runs on: the load generator's. Redis stands for a separate
 * machine: on the server core it would take its CPU out of the one core the issuer under test has, so
 * the Redis contender would be charged for the database's work as well as its own. Autocannon leaves
 * room on core 0 (it is not the bottleneck of a refresh run), and Redis's share there is small.
 */
export const REDIS_CORE = LOADGEN_CORE;

/** Pins this process and all its threads to the load-generator core. */
export function pinSelf(): boolean {
  if (!HAS_TASKSET || availableParallelism() < 2) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', String(LOADGEN_CORE), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** Command prefix that starts a child on `core`, the server core by default (empty without taskset). */
export function pinnedCommand(core: number = SERVER_CORE): string[] {
  return HAS_TASKSET && availableParallelism() > 1 ? ['taskset', '-c', String(core)] : [];
}

// Linux reports a process's CPU times in /proc in USER_HZ ticks, which is 100 on every architecture's ABI.
const USER_HZ = 100;

/**
 * The CPU time a process (all its threads) has used so far, in µs: utime + stime from /proc/<pid>/stat
 * (10 ms resolution), or `undefined` where there is no /proc. Over a 10 s load on a saturated core that is
 * 0.1 %: fine enough to compare servers by their CPU per request.
 */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1e6) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU';
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  return `${cpu} · ${availableParallelism()} cores · Node ${process.version} · ${process.platform}/${process.arch} · load average at start ${load} · taskset ${HAS_TASKSET ? 'yes' : 'no'}`;
}
