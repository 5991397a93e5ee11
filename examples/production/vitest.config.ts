import { latchkeyProject } from '../../vitest.shared.js';

// Whole stacks (nginx, Redis, instances, Chromium) per file: one file at a time on a 2-core machine.
export default latchkeyProject('example-production', { testTimeout: 90_000, hookTimeout: 90_000, fileParallelism: false });
