/** Builds the packages before a run, so the bench measures their `dist` output. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BuildResult {
  readonly package: string;
  readonly ok: boolean;
  readonly detail: string;
}

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly scripts?: Record<string, string>;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The workspace's manifests by package name (the folders pnpm-workspace.yaml lists). */
function workspaceManifests(workspaceRoot: string): Map<string, Manifest> {
  const manifests = new Map<string, Manifest>();
  for (const folder of ['packages', 'examples']) {
    for (const entry of readdirSync(join(workspaceRoot, folder), { withFileTypes: true })) {
      const dir = join(workspaceRoot, folder, entry.name);
      if (entry.isDirectory() && existsSync(join(dir, 'package.json'))) {
        const manifest = readManifest(dir);
        manifests.set(manifest.name, manifest);
      }
    }
  }
  return manifests;
}

/**
 * Every workspace package the bench imports, directly or through another (the production phase's stack
 * imports the client and the Redis store), that has a build script: dependencies first. Derived from the
 * manifests, so a phase that starts importing another package cannot find it unbuilt on a fresh clone.
 */
export function packagesToBuild(workspaceRoot: string = root): string[] {
  const manifests = workspaceManifests(workspaceRoot);
  const workspaceDeps = (manifest: Manifest, withDev: boolean) =>
    Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies, ...(withDev ? manifest.devDependencies : {}) })
      .filter(([, range]) => range.startsWith('workspace:'))
      .map(([name]) => name)
      .sort();
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, path: readonly string[]) => {
    if (path.includes(name)) throw new Error(`workspace dependency cycle: ${[...path, name].join(' -> ')}`);
    if (seen.has(name)) return;
    const manifest = manifests.get(name);
    if (!manifest) throw new Error(`${path.at(-1)} depends on ${name}, which is not in the workspace`);
    // A dependency's own dev dependencies are its test tooling, not what it needs at run time.
    for (const dependency of workspaceDeps(manifest, false)) visit(dependency, [...path, name]);
    seen.add(name);
    if (manifest.scripts?.build) order.push(name);
  };
  for (const dependency of workspaceDeps(readManifest(join(workspaceRoot, 'bench')), true)) visit(dependency, ['@latchkey/bench']);
  return order;
}

/**
 * Builds the packages the bench imports. Every one must build: the bench imports them with their types,
 * so a package that does not build is a failed run, never a "pending" cell.
 */
export function buildPackages(log: (line: string) => void): BuildResult[] {
  const results: BuildResult[] = [];
  for (const name of packagesToBuild()) {
    const started = Date.now();
    const run = spawnSync('pnpm', ['--filter', name, 'run', 'build'], { cwd: root, encoding: 'utf8' });
    const ok = run.status === 0;
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    const detail = ok
      ? `built in ${((Date.now() - started) / 1000).toFixed(1)} s`
      : (output.split('\n').find((line) => /error/i.test(line)) ?? `exit ${run.status}`).trim();
    log(`build ${name}: ${ok ? 'ok' : 'FAILED'} (${detail})`);
    if (!ok) throw new Error(`${name} does not build:\n${output}`);
    results.push({ package: name, ok, detail });
  }
  return results;
}
