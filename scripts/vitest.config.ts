import { latchkeyProject } from '../vitest.shared.js';

// The packaging rules of scripts/package-rules.mjs; the packed tarballs themselves are checked by
// check-packages.mjs (npm test's packaging step).
export default latchkeyProject('scripts', { typecheck: { enabled: false } });
