import { latchkeyProject } from '../../vitest.shared.js';

export default latchkeyProject('cli');
