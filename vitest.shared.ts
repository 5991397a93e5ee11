import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The one list of workspace packages is the `packages/` folder itself: every `packages/<name>` with a
 * `src/index.ts` is `@latchkey/<name>` (tsconfig.base.json maps the same convention with a wildcard).
 */
export const workspacePackages: readonly string[] = readdirSync(`${root}packages`).filter((name) => existsSync(`${root}packages/${name}/src/index.ts`));

/**
 * The shared project settings. Tests import workspace packages from source (aliases below),
 * so `vitest` needs no build; the packed tarballs are checked separately by scripts/check-packages.mjs.
 */
export function latchkeyProject(name: string, extra: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  return defineProject({
    resolve: {
      alias: [
        // Subpath entries of a package (`@latchkey/core/adapter`) are `src/<subpath>.ts`.
        ...workspacePackages.map((pkg) => ({ find: new RegExp(`^@latchkey/${pkg}/([a-z-]+)$`), replacement: `${root}packages/${pkg}/src/$1.ts` })),
        ...workspacePackages.map((pkg) => ({ find: new RegExp(`^@latchkey/${pkg}$`), replacement: `${root}packages/${pkg}/src/index.ts` })),
      ],
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
