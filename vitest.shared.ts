import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = ['core', 'express', 'koa', 'fastify', 'testing'];

/**
 * The shared project settings. Tests import workspace packages from source (aliases below),
 * so `vitest` needs no build; the packed tarballs are checked separately by scripts/check-packages.mjs.
 */
export function latchkeyProject(name: string, extra: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  return defineProject({
    resolve: {
      alias: packages.map((pkg) => ({
        find: new RegExp(`^@latchkey/${pkg}$`),
        replacement: `${root}packages/${pkg}/src/index.ts`,
      })),
    },
    test: {
      name,
      include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
      testTimeout: 20_000,
      ...extra,
    },
  });
}
