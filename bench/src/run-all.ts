/** Runs the selected phases in order, on one fixture and one JWKS server, and writes RESULTS.md. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALGS, type Alg } from './common/algs.js';
import { createFixture, distinctTokens } from './common/fixture.js';
import { JwksServer } from './common/jwks-server.js';
import { assertBuiltCore } from './common/latchkey.js';
import { machineLine } from './common/machine.js';
import { settings as makeSettings } from './config.js';
import type { BuildResult } from './build.js';
import type { Phase } from './config.js';
import { writeReport, type Results } from './report.js';
import { PHASE_RUNNERS } from './phases.js';

export interface RunOptions {
  readonly quick: boolean;
  readonly phases: readonly Phase[];
  readonly builds: readonly BuildResult[];
  readonly log: (line: string) => void;
}

export async function runAll({ quick, phases, builds, log }: RunOptions): Promise<void> {
  assertBuiltCore();
  const settings = makeSettings(quick);
  const started = Date.now();
  const results: Results = { machine: machineLine(), quick, phases, builds, startedAt: new Date().toISOString(), settings };
  log(results.machine);

  const fixture = createFixture();
  const jwks = await new JwksServer(JSON.stringify(fixture.jwks)).start();
  const scratch = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  try {
    const needed = Math.max(
      phases.includes('verify') ? settings.verify.poolSize : 0,
      phases.includes('http') ? settings.http.poolSize : 0,
      phases.includes('jwks') ? settings.jwks.burst : 0,
      phases.includes('revocation') ? 1 : 0,
    );
    const tokens = {} as Record<Alg, string[]>;
    const t0 = Date.now();
    for (const alg of ALGS) tokens[alg] = needed > 0 ? await distinctTokens(fixture.keys[alg], needed) : [];
    if (needed > 0) log(`generated ${needed} distinct tokens per algorithm in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    for (const phase of phases) await PHASE_RUNNERS[phase]({ fixture, tokens, jwks, scratch, settings, log, results });
  } finally {
    await jwks.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  results.durationSeconds = (Date.now() - started) / 1000;
  const markdown = writeReport(results);
  console.log(markdown);
  const failed = [
    ...(results.verify ?? []),
    ...(results.http ?? []),
    ...(results.jwks ?? []),
    ...(results.issuer?.refresh ?? []),
    ...(results.dpop ?? []),
  ].filter((cell) => cell.status === 'failed').length;
  if (failed > 0) log(`${failed} cell(s) FAILED: see "Notes on cells not measured" in bench/RESULTS.md`);
  log(`done in ${results.durationSeconds.toFixed(0)} s; wrote bench/RESULTS.md`);
}
