import { defineConfig } from 'vitest/config';

// One root policy: every package (and scripts/, for the packaging rules, and bench/, for its own helpers) is a
// vitest project with a 3-line config of its own. Examples are projects too, run by `pnpm test:examples` (each
// example's own `vitest run`).
export default defineConfig({
  test: {
    projects: ['packages/*', 'scripts', 'bench'],
  },
});
