import { latchkeyProject } from '../../vitest.shared.js';

// Real Chromium tests: one browser per file, started in beforeAll; generous timeouts for a 2-core machine.
export default latchkeyProject('client', { testTimeout: 60_000, hookTimeout: 60_000 });
