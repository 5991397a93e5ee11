import { defineConfig } from 'vitest/config';

// One root policy: every package and example is a vitest project with a 3-line config of its own.
export default defineConfig({
  test: {
    projects: ['packages/*', 'examples/*'],
  },
});
