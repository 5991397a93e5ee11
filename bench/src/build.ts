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
 * Builds the packages the bench measures. The core must build; an adapter that does not (it is being
 * written) is reported and its cells show "pending".
 */
export function buildPackages(log: (line: string) => void): BuildResult[] {
  const results: BuildResult[] = [];
  for (const name of ['core', 'express', 'koa', 'fastify']) {
    const started = Date.now();
    const run = spawnSync('pnpm', ['--filter', `@latchkey/${name}`, 'run', 'build'], { cwd: root, encoding: 'utf8' });
    const ok = run.status === 0;
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    const detail = ok ? `built in ${((Date.now() - started) / 1000).toFixed(1)} s` : (output.split('\n').find((line) => /error/i.test(line)) ?? `exit ${run.status}`).trim();
    log(`build @latchkey/${name}: ${ok ? 'ok' : 'FAILED'} (${detail})`);
    if (!ok && name === 'core') throw new Error(`@latchkey/core does not build:\n${output}`);
    results.push({ package: `@latchkey/${name}`, ok, detail });
  }
  return results;
}
