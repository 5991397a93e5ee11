/**
 * `@latchkey/core/adapter`: the plumbing the framework adapters share (the request authenticator, the
 * request reader, rule and option checks). Users of an adapter never import this; an adapter for another
 * framework (or the issuer's routes) is built from it.
 *
 * @packageDocumentation
 */
export {
  REQUEST_AUTH_OPTIONS,
  checkedRules,
  createRequestAuthenticator,
  notAuthenticated,
  type AdapterSettings,
  type CheckedRules,
  type RequestAuthOptions,
  type RequestAuthenticator,
  type RequestReader,
  type RouteGuard,
} from './request-auth.js';
export { eventSink, type EventSink } from './events.js';
export { refuseUnknownKeys } from './internal/strict-options.js';
export { createDpopProofChecker, type DpopProofChecker } from './dpop/checker.js';
export type { DpopAcceptance, DpopRefusal } from './dpop/proof.js';
export { isPromise, verifyIgnoringBinding } from './internal/verifier-internals.js';
export { checkRules } from './rules.js';
export { authErrorRenderer, type RenderedAuthError } from './simplejwt-errors.js';
