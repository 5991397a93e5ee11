import { latchkeyProject } from '../vitest.shared.js';

// The bench's own helpers (the figures it reports are only as good as them); the measurements themselves
// run under `pnpm bench`, and the instruction check under scripts/run.mjs.
export default latchkeyProject('bench', { typecheck: { enabled: false } });
