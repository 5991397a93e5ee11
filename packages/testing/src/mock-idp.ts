/** A mock identity provider on 127.0.0.1: discovery and JWKS endpoints, key rotation and failure modes, token signing. */
import { createServer, validateHeaderName, validateHeaderValue, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAsymmetricAlgorithm, type AsymmetricAlgorithm } from './algorithms.js';
import { assertOptions, isRecord, kindOf } from './internal/options.js';
import { assertSigningKey, generateSigningKey, type PublicJwk, type SigningKey } from './keys.js';
import { assertSignOptions, createTokenFactory, type SignOptions, type TokenClaims, type TokenFactory, type TokenFactoryOptions } from './token-factory.js';

/** The audience of tokens from {@link createMockIdp} unless `audience` is given. */
export const DEFAULT_AUDIENCE = 'https://api.example.test';
/** Where the mock IdP serves its OpenID Provider metadata (OpenID Connect Discovery 1.0 §4). */
export const DISCOVERY_PATH = '/.well-known/openid-configuration';
/** Where the mock IdP serves its JWKS. */
export const JWKS_PATH = '/.well-known/jwks.json';
/** The body of a `'garbage'` response: a captive-portal page, sent as `application/json`. */
export const GARBAGE_BODY = '<html><body>Please sign in to the network</body></html>';

/** The longest `delayMs`: Node timers fire at once, not late, beyond 2^31 - 1 ms (about 24.8 days). */
const MAX_DELAY_MS = 2_147_483_647;
/**
 * How many requests {@link MockIdp.requests} keeps, the latest: each entry holds the request's headers, and
 * an IdP left running through a long suite (or a load test) must not grow without limit. `stats` still
 * counts every request.
 */
const MAX_RECORDED_REQUESTS = 1000;

const MOCK_IDP_OPTIONS: readonly (keyof MockIdpOptions)[] = [
  'algorithms',
  'keys',
  'audience',
  'cacheControl',
  'metadata',
  'defaults',
  'header',
  'expiresInSeconds',
  'notBeforeInSeconds',
  'now',
];
const RESPONSE_OPTIONS: readonly (keyof MockIdpResponse)[] = ['delayMs', 'status', 'body', 'headers'];

/** The two documents the mock IdP serves. */
export type MockIdpEndpoint = 'discovery' | 'jwks';

/**
 * A scripted response. With only `delayMs` (and maybe `headers`), the normal document is sent late; with a
 * `status` or `body`, that is sent instead (after `delayMs`, if given).
 */
export interface MockIdpResponse {
  /** Wait this long before answering, in milliseconds: at most 2147483647 (a Node timer's limit). Default: 0. */
  delayMs?: number;
  /** The status code. Default: 200. */
  status?: number;
  /** The body: a string is sent as it is, anything else as JSON. Default: the normal document. */
  body?: unknown;
  /** Extra response headers (`location` for a redirect, `content-type`, ...), checked by node:http's rules when set. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * How the mock IdP answers:
 * - `'ok'`: the document, `200`, `application/json` (the default);
 * - `'down'`: `503 Service Unavailable`;
 * - `'hang'`: accept the request and never answer (until {@link MockIdp.close});
 * - `'stall'`: send the headers (with the full `content-length`) and half the document, then nothing more:
 *   a body that never finishes, for body-read timeouts;
 * - `'garbage'`: `200` with `content-type: application/json` and an HTML body;
 * - a {@link MockIdpResponse}: a delay, or any status, body and headers.
 */
export type MockIdpBehavior = 'ok' | 'down' | 'hang' | 'stall' | 'garbage' | MockIdpResponse;

/** Request counters. A request counts when it arrives, whatever the behaviour (`'hang'` included). */
export interface MockIdpStats {
  readonly discoveryRequests: number;
  readonly jwksRequests: number;
  /** Requests for any other path (answered `404`). */
  readonly otherRequests: number;
}

/** A request the mock IdP received, as {@link MockIdp.requests} lists it. */
export interface MockIdpRequest {
  /** The document asked for, or `undefined` for another path. */
  readonly endpoint: MockIdpEndpoint | undefined;
  readonly method: string;
  /** The path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** Options of {@link createMockIdp}. */
export interface MockIdpOptions extends Pick<TokenFactoryOptions, 'defaults' | 'header' | 'expiresInSeconds' | 'notBeforeInSeconds' | 'now'> {
  /**
   * One signing key is generated per algorithm, all published; tokens are signed with the first unless
   * `sign()` asks for another `alg`. Default: `['RS256']`.
   */
  algorithms?: readonly AsymmetricAlgorithm[];
  /** Start with these keys (published, and signing in this order) instead of generating: saves RSA time. */
  keys?: readonly SigningKey[];
  /** The `aud` of signed tokens. Default: {@link DEFAULT_AUDIENCE}. */
  audience?: string | readonly string[];
  /** The `Cache-Control` header of both documents. Default: none. Can be changed later on the IdP. */
  cacheControl?: string;
  /** Members to add to, replace in, or (`undefined`) remove from the discovery document. */
  metadata?: Readonly<Record<string, unknown>>;
}

/** Options of {@link MockIdp.rotate}. */
export interface RotateOptions {
  /** Keep publishing the keys rotated out, as real providers do for a while. Default: `true`. */
  keepPrevious?: boolean;
}

/** Options of {@link MockIdp.setBehavior}. */
export interface SetBehaviorOptions {
  /** Only this endpoint. Default: both. */
  endpoint?: MockIdpEndpoint;
}

/** A mock OpenID provider on a real local HTTP server. Built by {@link createMockIdp}. */
export interface MockIdp extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, the `iss` of its tokens and of its discovery document. */
  readonly issuer: string;
  /** The URL of the discovery document: `${issuer}/.well-known/openid-configuration`. */
  readonly discoveryUrl: string;
  /** The URL of the JWKS: `${issuer}/.well-known/jwks.json`. */
  readonly jwksUri: string;
  /** The `aud` of signed tokens. */
  readonly audience: string | readonly string[];
  /** The keys tokens are signed with, one per algorithm; the first is the default. */
  readonly signingKeys: readonly SigningKey[];
  /** The default signing key (`signingKeys[0]`): hand it to the hostile helpers. */
  readonly currentKey: SigningKey;
  /** Every key in the JWKS, newest first. */
  readonly publishedKeys: readonly SigningKey[];
  /** The JWKS document as served now. */
  readonly jwks: { keys: PublicJwk[] };
  /** The discovery document as served now. */
  readonly discovery: Record<string, unknown>;
  /** A snapshot of the request counters. */
  readonly stats: MockIdpStats;
  /** The latest 1,000 requests received since the start (or {@link MockIdp.resetStats}), oldest first. */
  readonly requests: readonly MockIdpRequest[];
  /** The `Cache-Control` header of both documents (`undefined`: none), e.g. `'max-age=600'`. */
  cacheControl: string | undefined;
  /** Overrides of the discovery document; `undefined` values remove members (e.g. `{ jwks_uri: undefined }`). */
  metadata: Record<string, unknown>;
  /**
   * Signs a token from this IdP: `iss` is {@link MockIdp.issuer}, `aud` the configured audience, every other
   * claim defaulted as in `createTokenFactory`. `options.alg` picks the signing key of that algorithm.
   */
  sign(claims?: TokenClaims, options?: SignOptions): Promise<string>;
  /** The payload `sign()` would sign, unsigned: input for the hostile helpers. */
  claims(claims?: TokenClaims, options?: SignOptions): TokenClaims;
  /**
   * Generates a new key for each signing algorithm, publishes it and signs with it from now on. Returns the
   * new default key.
   */
  rotate(options?: RotateOptions): Promise<SigningKey>;
  /**
   * Publishes an extra key (given, or generated for an algorithm; default: the current key's) without
   * signing with it: a provider announcing its next key. A key with the same `kid` is replaced.
   */
  publishKey(key?: SigningKey | AsymmetricAlgorithm): Promise<SigningKey>;
  /**
   * Removes a key from the JWKS. A signing key keeps signing, so its tokens stop verifying: a withdrawn key.
   * Returns whether the key was published.
   */
  unpublish(kid: string): boolean;
  /** Sets how the IdP answers from now on, for both endpoints or one. */
  setBehavior(behavior: MockIdpBehavior, options?: SetBehaviorOptions): void;
  /** Sets the counters back to zero and empties {@link MockIdp.requests}. */
  resetStats(): void;
  /** Stops the server, dropping open and hanging connections. Safe to call twice. */
  close(): Promise<void>;
}

const BEHAVIORS = ['ok', 'down', 'hang', 'stall', 'garbage'] as const;

function assertBehavior(behavior: unknown): asserts behavior is MockIdpBehavior {
  if ((BEHAVIORS as readonly unknown[]).includes(behavior)) return;
  if (!isRecord(behavior)) {
    const got = typeof behavior === 'string' ? JSON.stringify(behavior) : kindOf(behavior);
    throw new TypeError(`setBehavior: behavior must be 'ok', 'down', 'hang', 'stall', 'garbage' or a response object, got ${got}`);
  }
  assertOptions(behavior, RESPONSE_OPTIONS, 'setBehavior', 'the response object');
  const { delayMs, status, body, headers } = behavior as MockIdpResponse;
  if (delayMs !== undefined && (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)) {
    throw new TypeError('setBehavior: "delayMs" must be a non-negative number of milliseconds');
  }
  // setTimeout turns a longer delay into 1 ms, which would make a "slow IdP" test pass against a fast one.
  if (delayMs !== undefined && delayMs > MAX_DELAY_MS) throw new TypeError(`setBehavior: "delayMs" must be at most ${MAX_DELAY_MS} (about 24.8 days)`);
  if (status !== undefined && (!Number.isInteger(status) || status < 100 || status > 599)) {
    throw new TypeError('setBehavior: "status" must be an HTTP status code');
  }
  if (headers !== undefined) assertHeaders(headers, 'setBehavior: "headers"');
  // Serialised when served: a body JSON cannot encode (a cycle, a BigInt) must fail here, in the test.
  if (body !== undefined && typeof body !== 'string') assertJson(body, 'setBehavior: "body"');
}

/**
 * Response headers are checked when they are set, with node:http's own rules: a bad name or value would
 * otherwise throw ERR_INVALID_CHAR while serving, inside the server, far from the line that set it.
 */
function assertHeaders(headers: unknown, where: string): asserts headers is Readonly<Record<string, string>> {
  if (!isRecord(headers)) throw new TypeError(`${where} must be an object of header names to values, got ${kindOf(headers)}`);
  for (const [name, value] of Object.entries(headers)) {
    try {
      validateHeaderName(name);
    } catch {
      throw new TypeError(`${where}: ${JSON.stringify(name)} is not a valid header name`);
    }
    if (typeof value !== 'string') throw new TypeError(`${where}: the value of ${JSON.stringify(name)} must be a string, got ${kindOf(value)}`);
    assertHeaderValue(value, name, `${where}: the value of ${JSON.stringify(name)}`);
  }
}

function assertHeaderValue(value: string, name: string, where: string): void {
  try {
    validateHeaderValue(name, value);
  } catch {
    throw new TypeError(`${where} is not a valid header value (no control characters or line breaks): ${JSON.stringify(value)}`);
  }
}

function assertCacheControl(value: unknown, where: string): asserts value is string | undefined {
  if (value === undefined) return;
  if (typeof value !== 'string') throw new TypeError(`${where} must be a string or undefined, got ${kindOf(value)}`);
  assertHeaderValue(value, 'cache-control', where);
}

function assertJson(value: unknown, where: string): void {
  try {
    JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${where} must be JSON-serialisable: ${(error as Error).message}`);
  }
}

/** Discovery overrides: any members, but an object (an array would add members "0", "1"...) that JSON can encode. */
function assertMetadata(value: unknown, where: string): asserts value is Record<string, unknown> {
  if (!isRecord(value)) throw new TypeError(`${where} must be an object of discovery members, got ${kindOf(value)}`);
  assertJson(value, where);
}

/** The path of a request target, or `undefined` when it is not one (`GET http://[ HTTP/1.1` parses as HTTP). */
function pathOf(url: string, base: string): string | undefined {
  try {
    return new URL(url, base).pathname;
  } catch {
    return undefined;
  }
}

/**
 * Starts a mock OpenID provider on a real HTTP server bound to `127.0.0.1` on a free port. It serves the
 * discovery document and the JWKS, signs tokens with its current key, rotates keys and misbehaves on demand.
 * Close it in `afterAll` (or use `await using`).
 *
 * @example
 * ```ts
 * let idp: MockIdp;
 * beforeAll(async () => { idp = await createMockIdp({ audience: 'https://api.example' }); });
 * afterAll(() => idp.close());
 *
 * it('accepts a token from the IdP', async () => {
 *   // the API under test is configured with `issuer: idp.issuer` (discovery) or `jwksUri: idp.jwksUri`
 *   const res = await fetch(`${apiUrl}/items`, { headers: { authorization: `Bearer ${await idp.sign()}` } });
 *   expect(res.status).toBe(200);
 * });
 *
 * it('survives a JWKS outage', async () => {
 *   idp.setBehavior('down', { endpoint: 'jwks' });
 *   // ...
 * });
 * ```
 */
export async function createMockIdp(options: MockIdpOptions = {}): Promise<MockIdp> {
  // Checked before keys are generated or a port is bound: a misspelt option fails fast and leaks nothing.
  assertOptions(options, MOCK_IDP_OPTIONS, 'createMockIdp');
  const { audience = DEFAULT_AUDIENCE, defaults, header, expiresInSeconds, notBeforeInSeconds, now } = options;
  assertCacheControl(options.cacheControl, 'createMockIdp: "cacheControl"');
  if (options.metadata !== undefined) assertMetadata(options.metadata, 'createMockIdp: "metadata"');
  let signingKeys: SigningKey[];
  if (options.keys !== undefined) {
    if (!Array.isArray(options.keys) || options.keys.length === 0) throw new TypeError('createMockIdp: "keys" must be a non-empty array of keys');
    for (const key of options.keys) assertSigningKey(key, 'createMockIdp: each of "keys"');
    signingKeys = [...options.keys];
  } else {
    const algorithms = options.algorithms ?? ['RS256'];
    if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isAsymmetricAlgorithm)) {
      throw new TypeError('createMockIdp: "algorithms" must be a non-empty array of asymmetric algorithms');
    }
    signingKeys = await Promise.all(algorithms.map((alg) => generateSigningKey(alg)));
  }

  let published: SigningKey[] = [...signingKeys];
  let cacheControl = options.cacheControl;
  let metadata: Record<string, unknown> = { ...options.metadata };
  const behaviors: Record<MockIdpEndpoint, MockIdpBehavior> = { discovery: 'ok', jwks: 'ok' };
  const stats = { discoveryRequests: 0, jwksRequests: 0, otherRequests: 0 };
  const requests: MockIdpRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer(guarded(handle));
  // Keep-alive sockets would hold close() open; they are destroyed there, so no timeout is needed here.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const jwksUri = `${issuer}${JWKS_PATH}`;
  const discoveryUrl = `${issuer}${DISCOVERY_PATH}`;

  // Checks every token option once, now, rather than at the first sign(); a bad one must not leak the server.
  let factory: TokenFactory;
  try {
    factory = createTokenFactory({ issuer, audience, key: signingKeys[0] as SigningKey, defaults, header, expiresInSeconds, notBeforeInSeconds, now });
  } catch (error) {
    server.close();
    throw error;
  }

  const jwks = (): { keys: PublicJwk[] } => ({ keys: published.map((key) => key.publicJwk) });
  const discovery = (): Record<string, unknown> => {
    const document: Record<string, unknown> = {
      issuer,
      jwks_uri: jwksUri,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...new Set(published.map((key) => key.alg))],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      scopes_supported: ['openid', 'profile', 'email'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'scope'],
      ...metadata,
    };
    for (const name of Object.keys(document)) if (document[name] === undefined) delete document[name];
    return document;
  };

  function send(res: ServerResponse, status: number, body: string, headers: Readonly<Record<string, string>>): void {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json', ...(cacheControl === undefined ? {} : { 'cache-control': cacheControl }), ...headers });
    res.end(body);
  }

  /**
   * The server runs inside the test process: an exception thrown while answering would be uncaught and take
   * the whole suite down. Whatever slips past the checks made at set time ends the one request instead.
   */
  function guarded(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      try {
        handler(req, res);
      } catch {
        try {
          if (res.headersSent) res.destroy();
          else send(res, 500, JSON.stringify({ error: 'server_error' }), {});
        } catch {
          res.destroy();
        }
      }
    };
  }

  function record(entry: MockIdpRequest): void {
    requests.push(Object.freeze(entry));
    if (requests.length > MAX_RECORDED_REQUESTS) requests.shift();
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const path = pathOf(url, issuer);
    const endpoint: MockIdpEndpoint | undefined = path === DISCOVERY_PATH ? 'discovery' : path === JWKS_PATH ? 'jwks' : undefined;
    record({ endpoint, method: req.method ?? 'GET', url, headers: req.headers });
    if (endpoint === undefined) {
      stats.otherRequests += 1;
      if (path === undefined) send(res, 400, JSON.stringify({ error: 'bad_request' }), {});
      else send(res, 404, JSON.stringify({ error: 'not_found' }), {});
      return;
    }
    if (endpoint === 'jwks') stats.jwksRequests += 1;
    else stats.discoveryRequests += 1;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, JSON.stringify({ error: 'method_not_allowed' }), { allow: 'GET, HEAD' });
      return;
    }
    const document = (): string => JSON.stringify(endpoint === 'jwks' ? jwks() : discovery());
    const behavior = behaviors[endpoint];
    switch (behavior) {
      case 'ok':
        send(res, 200, document(), {});
        return;
      case 'down':
        send(res, 503, 'Service Unavailable', { 'content-type': 'text/plain' });
        return;
      case 'hang':
        return; // Accepted, never answered; close() destroys the socket.
      case 'stall': {
        const text = document();
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        return; // The rest never comes; close() destroys the socket.
      }
      case 'garbage':
        send(res, 200, GARBAGE_BODY, {});
        return;
    }
    const respond = (): void => {
      const custom = behavior.status !== undefined || behavior.body !== undefined;
      const body = !custom ? document() : typeof behavior.body === 'string' ? behavior.body : behavior.body === undefined ? '' : JSON.stringify(behavior.body);
      send(res, behavior.status ?? 200, body, behavior.headers ?? {});
    };
    if (!behavior.delayMs) {
      respond();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      guarded(respond)(req, res);
    }, behavior.delayMs);
    timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
      // Idle keep-alive sockets and requests left hanging on purpose would keep close() waiting forever.
      server.closeAllConnections();
    });
    return closing;
  };

  const keyFor = (signOptions: SignOptions | undefined): SigningKey | undefined => {
    if (signOptions?.key !== undefined) return undefined; // the caller's key wins, in the factory
    const alg = signOptions?.alg ?? signOptions?.header?.alg;
    return signingKeys.find((key) => key.alg === alg) ?? signingKeys[0];
  };

  const idp: MockIdp = {
    issuer,
    discoveryUrl,
    jwksUri,
    audience,
    get signingKeys() {
      return Object.freeze([...signingKeys]);
    },
    get currentKey() {
      return signingKeys[0] as SigningKey;
    },
    get publishedKeys() {
      return Object.freeze([...published]);
    },
    get jwks() {
      return jwks();
    },
    get discovery() {
      return discovery();
    },
    get stats() {
      return Object.freeze({ ...stats });
    },
    get requests() {
      return Object.freeze([...requests]);
    },
    get cacheControl() {
      return cacheControl;
    },
    set cacheControl(value: string | undefined) {
      assertCacheControl(value, 'MockIdp: "cacheControl"');
      cacheControl = value;
    },
    get metadata() {
      return metadata;
    },
    set metadata(value: Record<string, unknown>) {
      assertMetadata(value, 'MockIdp: "metadata"');
      metadata = value;
    },
    async sign(claims, signOptions) {
      // Checked before keyFor reads them and before they are spread, which would hide an array's nature.
      // async: a refused option rejects, as the factory's sign() does, rather than throwing.
      assertSignOptions(signOptions);
      const key = keyFor(signOptions);
      return factory.sign(claims, key === undefined ? signOptions : { ...signOptions, key });
    },
    claims(claims, signOptions) {
      return factory.claims(claims, signOptions);
    },
    async rotate(rotateOptions = {}) {
      assertOptions(rotateOptions, ['keepPrevious'], 'rotate');
      if (rotateOptions.keepPrevious !== undefined && typeof rotateOptions.keepPrevious !== 'boolean') {
        throw new TypeError(`rotate: "keepPrevious" must be a boolean, got ${kindOf(rotateOptions.keepPrevious)}`);
      }
      const next = await Promise.all(signingKeys.map((key) => generateSigningKey(key.alg)));
      published = rotateOptions.keepPrevious === false ? [...next] : [...next, ...published];
      signingKeys = next;
      return next[0] as SigningKey;
    },
    async publishKey(keyOrAlg) {
      if (typeof keyOrAlg === 'string' && !isAsymmetricAlgorithm(keyOrAlg)) {
        throw new TypeError(`publishKey: the algorithm must be asymmetric (RS*, PS*, ES*, EdDSA, Ed25519), got ${JSON.stringify(keyOrAlg)}`);
      }
      // Anything else would be served as it is: `{}` became `{"keys":[null,...]}`.
      if (keyOrAlg !== undefined && typeof keyOrAlg !== 'string') assertSigningKey(keyOrAlg, 'publishKey: the key');
      const key = keyOrAlg === undefined || typeof keyOrAlg === 'string' ? await generateSigningKey(keyOrAlg ?? (signingKeys[0] as SigningKey).alg) : keyOrAlg;
      published = [key, ...published.filter((existing) => existing.kid !== key.kid)];
      return key;
    },
    unpublish(kid) {
      const before = published.length;
      published = published.filter((key) => key.kid !== kid);
      return published.length !== before;
    },
    setBehavior(behavior, behaviorOptions = {}) {
      assertBehavior(behavior);
      assertOptions(behaviorOptions, ['endpoint'], 'setBehavior');
      const { endpoint } = behaviorOptions;
      if (endpoint !== undefined && endpoint !== 'discovery' && endpoint !== 'jwks') {
        throw new TypeError('setBehavior: "endpoint" must be "discovery" or "jwks"');
      }
      if (endpoint === undefined || endpoint === 'discovery') behaviors.discovery = behavior;
      if (endpoint === undefined || endpoint === 'jwks') behaviors.jwks = behavior;
    },
    resetStats() {
      stats.discoveryRequests = 0;
      stats.jwksRequests = 0;
      stats.otherRequests = 0;
      requests.length = 0;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return idp;
}
