/** The instruction-count phase of `pnpm bench`: runs run.mjs (callgrind) and keeps its JSON for the report. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Alg } from '../common/algs.js';
import type { MissPair } from './counts.mjs';
import type { Breakdown } from './steps.mjs';

export interface AlgInstructions {
  /** Instructions of one node:crypto verification (the floor). */
  readonly floor: number;
  /** Latchkey's instructions per verification above the floor (distinct tokens, token cache off). */
  readonly aboveFloor: number;
  /** The adapters' path above the floor: header read and synchronous check, distinct tokens, cache off. */
  readonly adapterAboveFloor: number;
  /** Instructions per verification of one repeated token with default options (a cache hit). */
  readonly repeated: number;
  /** The same token through the adapters' path, each request with its own copy of the header. */
  readonly adapterRepeated: number;
  /** L1 misses per verification (callgrind --cache-sim, full runs only): the floor's and Latchkey's above it. */
  readonly l1Misses?: { readonly instruction: MissPair; readonly data: MissPair };
  /** Each step of a verification counted alone (steps.mjs, full runs only), and the rest of `aboveFloor`. */
  readonly steps?: Breakdown;
}

export type InstructionsResult =
  { readonly status: 'ok'; readonly algs: Partial<Record<Alg, AlgInstructions>> } | { readonly status: 'skipped' | 'failed'; readonly note: string };

const SCRIPT = fileURLToPath(new URL('./run.mjs', import.meta.url));

/**
 * `full`: also count L1 misses (about 11 times the run time) and each step of a verification alone, as a
 * full run does and --quick does not.
 */
export function runInstructions(scratch: string, full: boolean, log: (line: string) => void): Promise<InstructionsResult> {
  const json = join(scratch, 'instructions.json');
  log(
    `instructions: callgrind${full ? ' with its L1 cache simulation, then the step breakdown (about 15 minutes on 2 cores)' : ' (about a minute on 2 cores)'}`,
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SCRIPT, '--json', json, ...(full ? ['--cache-sim', '--steps'] : [])], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      if (/SKIPPED/.test(stderr)) return resolve({ status: 'skipped', note: stderr.trim().slice(0, 300) });
      if (code !== 0 || !existsSync(json)) return resolve({ status: 'failed', note: stderr.trim().slice(-300) || `exit ${code}` });
      resolve({ status: 'ok', algs: (JSON.parse(readFileSync(json, 'utf8')) as { measured: Partial<Record<Alg, AlgInstructions>> }).measured });
    });
  });
}
