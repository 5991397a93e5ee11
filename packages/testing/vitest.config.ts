import { mergeConfig } from 'vitest/config';
import { latchkeyProject } from '../../vitest.shared.js';
import { readmeBlocksPlugin } from './test/support/readme-blocks.js';

// The README's marked code blocks run as test files (test/readme.test.ts). They import the adapters
// (@latchkey/express, koa, fastify) as a user's app would: resolved to source by the shared aliases, and
// deliberately not devDependencies, which would make a dependency cycle (the adapters test with this kit).
export default mergeConfig(latchkeyProject('testing'), { plugins: [readmeBlocksPlugin(new URL('./README.md', import.meta.url).pathname)] });
