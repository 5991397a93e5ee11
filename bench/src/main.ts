/**
 * `pnpm bench [--quick] [--only <phase>]... [--instructions] [--no-build]` (phases: config.ts)
 *
 * Builds the packages (the bench measures their dist output), then runs the phases and writes RESULTS.md.
 * Everything but the build is imported after it, so that a fresh build is what gets loaded.
 */
import { parseArgs } from 'node:util';
import { buildPackages } from './build.js';
import { PHASES } from './config.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    'no-build': { type: 'boolean', default: false },
    instructions: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`usage: pnpm bench [--quick] [--only ${PHASES.join('|')}]... [--instructions] [--no-build]`);
  process.exit(0);
}

const only = (values.only ?? []).flatMap((value) => value.split(','));
for (const phase of only) {
  if (!(PHASES as readonly string[]).includes(phase)) {
    console.error(`unknown phase "${phase}": expected one of ${PHASES.join(', ')}`);
    process.exit(2);
  }
}
const phases = only.length === 0 ? [...PHASES] : PHASES.filter((phase) => only.includes(phase));
const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const builds = values['no-build'] ? [] : buildPackages(log);
if (values.instructions) {
  // The steady instrument (src/instructions/run.mjs): instructions per verify above the floor, under callgrind.
  const { spawnSync } = await import('node:child_process');
  const script = new URL('./instructions/run.mjs', import.meta.url).pathname;
  const result = spawnSync(process.execPath, [script, '--check'], { stdio: 'inherit' });
  // Alone, the instruction count is the whole run; with --only, those phases follow it.
  if (result.status !== 0 || only.length === 0) process.exit(result.status ?? 1);
}
const { runAll } = await import('./run-all.js');
await runAll({ quick: values.quick, phases, builds, log });
// Some peers keep timers (rate limiters, penalty boxes) alive: the run is over.
process.exit(0);
