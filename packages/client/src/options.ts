/** Options of {@link createClient}; every one is optional. See the README's options table for units. */
export interface LatchkeyClientOptions {
  /** Prefix of the issuer's routes, e.g. `'/api'` behind a proxy. Default `''` (same origin, root). */
  baseUrl?: string;
  /** The issuer's paths (simplejwt's defaults). */
  paths?: { obtain?: string; refresh?: string; blacklist?: string };
  /**
   * `'memory'` (default): the refresh token lives in this tab's memory (and is handed to sibling tabs over
   * BroadcastChannel). `'cookie'`: the issuer keeps it in an HttpOnly cookie; JavaScript never sees it and
   * token requests are sent with `credentials: 'include'`.
   */
  refreshToken?: 'memory' | 'cookie';
  /**
   * Cookie mode: the header sent (value `1`) on every token request, which the issuer's CSRF check
   * requires (`refreshCookie.csrfHeader` there). Default `'X-Latchkey-CSRF'`.
   */
  csrfHeader?: string;
  /** Refresh this many seconds before the access token's `exp`. Default `30`. */
  refreshAheadSeconds?: number;
  /** Name shared by the Web Lock and the BroadcastChannel; tabs with the same name share one session. */
  coordinationName?: string;
  /** The fetch to use (tests, service workers). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * Sender-constrained tokens (RFC 9449): keep a non-extractable WebCrypto key, send a DPoP proof with the
   * login, every refresh and every `fetch` (`Authorization: DPoP`), and answer `use_dpop_nonce` once. The
   * issuer then binds the tokens to the key. Default `false`.
   */
  dpop?: boolean;
  /**
   * Origins (`https://api.example.com`) besides the page's own, and the issuer's when `baseUrl` is absolute,
   * that `fetch()` may send the access token to. A call to any other origin is refused
   * (`origin_not_allowed`) before a request is made: a token must not leak to a third party. Default `[]`.
   */
  allowedOrigins?: readonly string[];
}

const known = ['baseUrl', 'paths', 'refreshToken', 'csrfHeader', 'refreshAheadSeconds', 'coordinationName', 'fetch', 'dpop', 'allowedOrigins'] as const;
const knownPaths = ['obtain', 'refresh', 'blacklist'] as const;

/** The options with defaults applied. */
export interface ResolvedOptions {
  baseUrl: string;
  paths: { obtain: string; refresh: string; blacklist: string };
  refreshToken: 'memory' | 'cookie';
  csrfHeader: string;
  refreshAheadSeconds: number;
  coordinationName: string;
  fetch: typeof fetch;
  dpop: boolean;
  /** Where the access token may go besides the page's own origin (the issuer's included when absolute). */
  allowedOrigins: readonly string[];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** A typo in an options object is a TypeError naming the key and the closest known one (house rule). */
function refuseUnknown(where: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const closest = [...allowed].sort((x, y) => distance(key, x) - distance(key, y))[0];
    throw new TypeError(`${where}: unknown option "${key}"${closest ? `; did you mean "${closest}"?` : ''}`);
  }
}

function isPlainOptions(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for an origin as `URL#origin` writes it: scheme, host and port, no path, no trailing slash. */
function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** Validates once, at construction, so a misconfiguration fails at start-up and not at the first 401. */
export function resolveOptions(options: LatchkeyClientOptions = {}): ResolvedOptions {
  // An array (or a string) has no unknown keys either, and would otherwise pass as "all defaults".
  if (!isPlainOptions(options)) throw new TypeError('createClient: options must be an object');
  refuseUnknown('createClient', options, known);
  const paths = options.paths ?? {};
  if (!isPlainOptions(paths)) throw new TypeError('createClient: paths must be an object such as { obtain: "/api/token/" }');
  refuseUnknown('createClient paths', paths, knownPaths);
  const ahead = options.refreshAheadSeconds ?? 30;
  if (!Number.isFinite(ahead) || ahead < 0) throw new TypeError('createClient: refreshAheadSeconds must be a number ≥ 0');
  if (options.dpop !== undefined && typeof options.dpop !== 'boolean') throw new TypeError('createClient: dpop must be a boolean');
  const mode = options.refreshToken ?? 'memory';
  if (mode !== 'memory' && mode !== 'cookie') throw new TypeError('createClient: refreshToken must be "memory" or "cookie"');
  const csrfHeader = options.csrfHeader ?? 'X-Latchkey-CSRF';
  if (typeof csrfHeader !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(csrfHeader))
    throw new TypeError('createClient: csrfHeader must be a header name');
  const fetchFn = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchFn !== 'function') throw new TypeError('createClient: no fetch available; pass options.fetch');
  const baseUrl = options.baseUrl ?? '';
  if (typeof baseUrl !== 'string') throw new TypeError('createClient: baseUrl must be a string (a path prefix or an absolute URL)');
  const resolvedPaths = {
    obtain: paths.obtain ?? '/api/token/',
    refresh: paths.refresh ?? '/api/token/refresh/',
    blacklist: paths.blacklist ?? '/api/token/blacklist/',
  };
  for (const [name, path] of Object.entries(resolvedPaths))
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`createClient: paths.${name} must be a path starting with "/"`);
  const coordinationName = options.coordinationName ?? 'latchkey-session';
  if (typeof coordinationName !== 'string' || coordinationName === '') throw new TypeError('createClient: coordinationName must be a non-empty string');
  const allowedOrigins = options.allowedOrigins ?? [];
  if (!Array.isArray(allowedOrigins)) throw new TypeError('createClient: allowedOrigins must be an array of origins');
  for (const origin of allowedOrigins)
    if (!isOrigin(origin))
      throw new TypeError(`createClient: allowedOrigins has ${JSON.stringify(origin)}, which is not an origin such as "https://api.example.com"`);
  const issuerOrigin = /^https?:\/\//i.test(baseUrl) ? new URL(baseUrl).origin : undefined;
  return {
    baseUrl: baseUrl.replace(/\/$/, ''),
    paths: resolvedPaths,
    refreshToken: mode,
    csrfHeader,
    refreshAheadSeconds: ahead,
    coordinationName,
    fetch: fetchFn,
    dpop: options.dpop === true,
    allowedOrigins: Object.freeze(issuerOrigin === undefined ? [...allowedOrigins] : [...allowedOrigins, issuerOrigin]),
  };
}
