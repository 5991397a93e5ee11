/**
 * `@latchkey/client`: a dependency-free browser client for SPAs against a simplejwt-compatible issuer.
 *
 * @packageDocumentation
 */
export { createClient, type LatchkeyClient } from './client.js';
export { LatchkeyClientError, type LatchkeyClientErrorCode } from './errors.js';
export type { LatchkeyClientOptions } from './options.js';
