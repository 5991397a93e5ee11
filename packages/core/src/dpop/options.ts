/** The DPoP options of the request authenticator: their defaults and their validation into a policy. */
import { isSupportedAlgorithm, ALGORITHMS } from '../algorithms.js';
import { refuseUnknownKeys } from '../internal/strict-options.js';
import { expectedHtu, normaliseHtu } from './htu.js';
import { createDpopNonces, DEFAULT_DPOP_NONCE_ROTATE_SECONDS, type DpopNonces } from './nonce.js';
import { DEFAULT_DPOP_ALGORITHMS, DEFAULT_DPOP_IAT_WINDOW_SECONDS, type DpopProofPolicy } from './proof.js';
import { createMemoryReplayStore, type DpopReplayStore } from './replay-store.js';

/** How a route treats DPoP (RFC 9449): `'allowed'` takes `Bearer` and `DPoP`, `'required'` only `DPoP`. */
export type DpopMode = 'disabled' | 'allowed' | 'required';

/** Server nonces (RFC 9449 §8): every proof must carry a recent nonce of this server. */
export interface DpopNonceOptions {
  /**
   * The HMAC key nonces are made with (at least 32 bytes). Give every instance the same one so that each
   * accepts the others' nonces. Default: random per process.
   */
  secret?: string | Uint8Array;
  /** A new nonce every this many seconds; each is accepted for up to twice that. Default {@link DEFAULT_DPOP_NONCE_ROTATE_SECONDS} (300). */
  rotateSeconds?: number;
}

/** The `dpop` option of `authenticate()`. */
export interface DpopOptions {
  /** `'allowed'` (default): `Bearer` and `DPoP` both accepted; `'required'`: `DPoP` only; `'disabled'`: `Bearer` only. */
  mode?: DpopMode;
  /**
   * The public URL of the API as clients call it: scheme, host, port, and the path prefix a proxy strips
   * (`https://example.com/api` when nginx forwards `/api/orders` as `/orders`). A proof's `htu` must be
   * this URL plus the request's path. Several for an API reachable under several names. Required: the
   * `Host` and `X-Forwarded-*` headers are never read, so a forged one cannot move a proof to another endpoint.
   */
  publicUrl: string | readonly string[];
  /** Accepted proof algorithms (asymmetric only). Default {@link DEFAULT_DPOP_ALGORITHMS}. */
  algorithms?: readonly string[];
  /** How far a proof's `iat` may be from now, in seconds, either way. Default {@link DEFAULT_DPOP_IAT_WINDOW_SECONDS} (60). */
  iatWindowSeconds?: number;
  /** Where proof `jti`s are remembered. Default: a bounded in-memory store per authenticator (`createMemoryReplayStore()`); share a Redis one across instances. */
  replayStore?: DpopReplayStore;
  /** Require server nonces (`true` for the defaults). Default `false`. */
  nonce?: boolean | DpopNonceOptions;
}

const DPOP_OPTIONS = Object.keys({ mode: true, publicUrl: true, algorithms: true, iatWindowSeconds: true, replayStore: true, nonce: true } satisfies Record<
  keyof DpopOptions,
  true
>);
const NONCE_OPTIONS = Object.keys({ secret: true, rotateSeconds: true } satisfies Record<keyof DpopNonceOptions, true>);

/** The DPoP settings of one authenticator, checked once. */
export interface DpopPolicy {
  readonly required: boolean;
  readonly algorithms: readonly string[];
  readonly proof: DpopProofPolicy;
  readonly nonces: DpopNonces | undefined;
  /** The URL a proof for `path` must name: one string, or a test for several public URLs. */
  htuFor(path: string): string | ((normalisedHtu: string) => boolean) | undefined;
}

function fail(option: string, problem: string): never {
  throw new TypeError(`latchkey: "dpop.${option}" ${problem}`);
}

/** `https://Example.com/api/` -> `https://example.com/api`: the base a request path is appended to. */
function publicBase(value: unknown): string {
  if (typeof value !== 'string') fail('publicUrl', 'must be a URL string or a non-empty array of them');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('publicUrl', `is not a URL: ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    fail('publicUrl', 'must be an http(s) URL without credentials, query or fragment, e.g. "https://api.example.com"');
  }
  const base = normaliseHtu(url.href)!;
  return base.endsWith('/') ? base.slice(0, -1) : base;
}

/** Validates the `dpop` option (start-up); `undefined` when DPoP is off. */
export function resolveDpopOptions(options: unknown, now: () => number = Date.now): DpopPolicy | undefined {
  if (options === undefined || options === false) return undefined;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError('latchkey: "dpop" must be an object: { publicUrl, mode?, ... }');
  refuseUnknownKeys(options, DPOP_OPTIONS, 'the dpop option');
  const given = options as DpopOptions;
  const mode = given.mode ?? 'allowed';
  if (mode !== 'disabled' && mode !== 'allowed' && mode !== 'required') fail('mode', 'must be "disabled", "allowed" or "required"');
  if (given.publicUrl === undefined) fail('publicUrl', 'is required: the public URL of the API (the Host and X-Forwarded-* headers are never trusted)');
  const list = typeof given.publicUrl === 'string' ? [given.publicUrl] : given.publicUrl;
  if (!Array.isArray(list) || list.length === 0) fail('publicUrl', 'must be a URL string or a non-empty array of them');
  const bases = list.map(publicBase);
  const algorithms = given.algorithms ?? DEFAULT_DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) fail('algorithms', 'must be a non-empty array');
  for (const alg of algorithms) {
    if (!isSupportedAlgorithm(alg) || ALGORITHMS[alg].family === 'HMAC')
      fail('algorithms', `has ${JSON.stringify(alg)}, which is not an asymmetric JWS algorithm (RFC 9449 §4.3)`);
  }
  const iatWindowSeconds = given.iatWindowSeconds ?? DEFAULT_DPOP_IAT_WINDOW_SECONDS;
  if (typeof iatWindowSeconds !== 'number' || !Number.isFinite(iatWindowSeconds) || iatWindowSeconds <= 0 || iatWindowSeconds > 3600)
    fail('iatWindowSeconds', 'must be a number of seconds in (0, 3600]');
  const replayStore = given.replayStore ?? createMemoryReplayStore();
  if (typeof (replayStore as { remember?: unknown })?.remember !== 'function') fail('replayStore', 'must have remember(jti, ttlSeconds)');
  if (mode === 'disabled') return undefined;
  const single = bases.length === 1 ? bases[0]! : undefined;
  return Object.freeze({
    required: mode === 'required',
    algorithms: Object.freeze([...algorithms]),
    proof: Object.freeze({ algorithms: Object.freeze([...algorithms]), iatWindowSeconds, replayStore, now }),
    nonces: resolveNonces(given.nonce, now),
    htuFor(path: string) {
      if (single !== undefined) return expectedHtu(single, path);
      const expected = bases.map((base) => expectedHtu(base, path));
      if (expected.includes(undefined)) return undefined;
      return (named: string) => expected.includes(named);
    },
  });
}

function resolveNonces(option: unknown, now: () => number): DpopNonces | undefined {
  if (option === undefined || option === false) return undefined;
  const given = (option === true ? {} : option) as DpopNonceOptions;
  if (typeof given !== 'object' || given === null) fail('nonce', 'must be a boolean or { secret?, rotateSeconds? }');
  refuseUnknownKeys(given, NONCE_OPTIONS, 'the dpop.nonce option');
  const rotateSeconds = given.rotateSeconds ?? DEFAULT_DPOP_NONCE_ROTATE_SECONDS;
  if (typeof rotateSeconds !== 'number' || !Number.isInteger(rotateSeconds) || rotateSeconds < 1) fail('nonce.rotateSeconds', 'must be an integer ≥ 1');
  let secret: Uint8Array | undefined;
  if (given.secret !== undefined) {
    secret = typeof given.secret === 'string' ? Buffer.from(given.secret, 'utf8') : given.secret;
    if (!(secret instanceof Uint8Array) || secret.length < 32) fail('nonce.secret', 'must be a string or bytes of at least 32 bytes');
  }
  return createDpopNonces(secret, rotateSeconds, now);
}
