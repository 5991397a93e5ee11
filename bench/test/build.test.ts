import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { packagesToBuild } from '../src/build.js';

const roots: string[] = [];
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway workspace: `folder/name` → manifest. */
function workspace(manifests: Record<string, object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-build-'));
  roots.push(dir);
  for (const folder of ['packages', 'examples']) mkdirSync(join(dir, folder));
  for (const [path, manifest] of Object.entries(manifests)) {
    mkdirSync(join(dir, path), { recursive: true });
    writeFileSync(join(dir, path, 'package.json'), JSON.stringify(manifest));
  }
  return dir;
}

const build = { build: 'tsc' };

it('builds what the bench imports and what those import, dependencies first, and nothing else', () => {
  const dir = workspace({
    bench: { name: '@x/bench', devDependencies: { '@x/adapter': 'workspace:*', '@x/example': 'workspace:*', jose: '^6' } },
    'packages/core': { name: '@x/core', scripts: build },
    'packages/adapter': { name: '@x/adapter', scripts: build, dependencies: { '@x/core': 'workspace:^' } },
    // Reached only through the example (no build script of its own): the case a fresh clone missed.
    'packages/store': { name: '@x/store', scripts: build, peerDependencies: { '@x/core': 'workspace:^' } },
    'examples/example': { name: '@x/example', dependencies: { '@x/store': 'workspace:*' } },
    // A dependency's dev dependencies are its test tooling: not built for the bench.
    'packages/tooling': { name: '@x/tooling', scripts: build },
    'packages/unused': { name: '@x/unused', scripts: build, devDependencies: { '@x/tooling': 'workspace:*' } },
  });
  expect(packagesToBuild(dir)).toEqual(['@x/core', '@x/adapter', '@x/store']);
});

it('names a workspace dependency that does not exist, and a cycle', () => {
  const missing = workspace({ bench: { name: '@x/bench', devDependencies: { '@x/gone': 'workspace:*' } } });
  expect(() => packagesToBuild(missing)).toThrow('@latchkey/bench depends on @x/gone, which is not in the workspace');
  const cycle = workspace({
    bench: { name: '@x/bench', devDependencies: { '@x/a': 'workspace:*' } },
    'packages/a': { name: '@x/a', dependencies: { '@x/b': 'workspace:*' } },
    'packages/b': { name: '@x/b', dependencies: { '@x/a': 'workspace:*' } },
  });
  expect(() => packagesToBuild(cycle)).toThrow('workspace dependency cycle: @latchkey/bench -> @x/a -> @x/b -> @x/a');
});

it("covers every workspace package this repository's bench imports", () => {
  const order = packagesToBuild();
  // The production phase's stack reaches the client and the Redis store through the example.
  for (const name of ['@latchkey/core', '@latchkey/express', '@latchkey/koa', '@latchkey/fastify', '@latchkey/issuer', '@latchkey/redis', '@latchkey/client']) {
    expect(order).toContain(name);
  }
  expect(order.indexOf('@latchkey/core')).toBeLessThan(order.indexOf('@latchkey/issuer'));
  expect(order.indexOf('@latchkey/issuer')).toBeLessThan(order.indexOf('@latchkey/redis'));
});
