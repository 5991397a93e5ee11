import { latchkeyProject } from '../../vitest.shared.js';

export default latchkeyProject('example-sso-resource-server');
