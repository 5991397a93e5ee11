/** Builds the packages before a run, so the bench measures their `dist` output. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BuildResult {
  readonly package: string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * Builds the packages the bench measures. Every one must build: the bench imports them with their types,
 * so a package that does not build is a failed run, never a "pending" cell.
 */
export function buildPackages(log: (line: string) => void): BuildResult[] {
  const results: BuildResult[] = [];
  for (const name of ['core', 'express', 'koa', 'fastify']) {
    const started = Date.now();
    const run = spawnSync('pnpm', ['--filter', `@latchkey/${name}`, 'run', 'build'], { cwd: root, encoding: 'utf8' });
    const ok = run.status === 0;
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    const detail = ok
      ? `built in ${((Date.now() - started) / 1000).toFixed(1)} s`
      : (output.split('\n').find((line) => /error/i.test(line)) ?? `exit ${run.status}`).trim();
    log(`build @latchkey/${name}: ${ok ? 'ok' : 'FAILED'} (${detail})`);
    if (!ok) throw new Error(`@latchkey/${name} does not build:\n${output}`);
    results.push({ package: `@latchkey/${name}`, ok, detail });
  }
  return results;
}
