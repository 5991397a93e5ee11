/**
 * `@latchkey/conformance` (private): the suite every framework adapter runs, and the HTTP helpers of the
 * adapters' own tests. A workspace package, so the adapters depend on it by name, never by relative path.
 */
export {
  CONFORMANCE_ROUTES,
  echo,
  parseForm,
  runConformanceSuite,
  type AdapterExports,
  type AdapterHarness,
  type ConformanceApp,
  type ConformanceAuth,
  type ConformanceRoute,
  type Rendering,
} from './suite.js';
export { get, listening, serverPerTest, type Listening } from './http.js';
export { describeReplayStoreContract } from './replay-store-contract.js';
