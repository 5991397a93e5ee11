import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { processCpuMicros } from '../src/common/machine.js';

// A child that names itself `title`, then on each line from its stdin burns `ms` of CPU and answers. It
// spins by its own CPU clock, not the wall clock: on a busy machine a wall-clock spin gets less CPU.
const BURNER = `
process.title = process.argv[1];
process.stdin.setEncoding('utf8');
process.stdin.on('data', (line) => {
  const start = process.cpuUsage();
  const used = () => { const { user, system } = process.cpuUsage(start); return (user + system) / 1000; };
  while (used() < Number(line));
  process.stdout.write('done\\n');
});
process.stdout.write('ready\\n');
`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

async function startBurner(title: string): Promise<{ pid: number; burn(ms: number): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', BURNER, title], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  child.stdout!.setEncoding('utf8');
  await once(child.stdout!, 'data');
  return {
    pid: child.pid!,
    async burn(ms) {
      child.stdin!.write(String(ms));
      await once(child.stdout!, 'data');
    },
  };
}

describe.runIf(process.platform === 'linux')('processCpuMicros (the HTTP phase’s server CPU per request)', () => {
  it('counts the CPU a process burns between two readings, within /proc’s 10 ms ticks', async () => {
    const burner = await startBurner('latchkey-burner');
    const before = processCpuMicros(burner.pid)!;
    await burner.burn(300);
    const after = processCpuMicros(burner.pid)!;
    // At least the 300 ms of CPU it spun (less two ticks of rounding), and not the several seconds a
    // misread field (a start time, a page count) would give.
    expect(after - before).toBeGreaterThanOrEqual(280_000);
    expect(after - before).toBeLessThan(2_000_000);
  });

  it('reads the fields after the command name even when the name holds spaces and parentheses', async () => {
    // Linux keeps the first 15 bytes of the title as the command name: `x) 1 2 (y` splits wrongly on spaces.
    const burner = await startBurner('x) 1 2 (y');
    expect(readFileSync(`/proc/${burner.pid}/stat`, 'utf8')).toContain(' (x) 1 2 (y) ');
    const before = processCpuMicros(burner.pid)!;
    await burner.burn(200);
    const after = processCpuMicros(burner.pid)!;
    expect(Number.isFinite(before)).toBe(true);
    expect(after - before).toBeGreaterThanOrEqual(180_000);
  });

  it('is undefined for no process and for a process that is gone', async () => {
    expect(processCpuMicros(undefined)).toBeUndefined();
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await once(child, 'exit');
    // Node reaps a child before it emits 'exit', so its /proc entry is gone (a reused pid is vanishingly unlikely).
    expect(processCpuMicros(pid)).toBeUndefined();
  });
});
