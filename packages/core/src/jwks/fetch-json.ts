/**
 * A bounded GET of a JSON document: one deadline for headers and body, a byte cap enforced while
 * streaming, no redirects, and every failure turned into a {@link RemoteDocumentError} (never a crash).
 */

/** The subset of `RequestInit` Latchkey passes to a fetch implementation. */
export interface FetchInit {
  method: 'GET';
  headers: Headers;
  redirect: 'manual';
  signal: AbortSignal;
}

/** The subset of a fetch `Response` Latchkey reads. The global `Response` satisfies it. */
export interface FetchResponse {
  readonly status: number;
  readonly type?: string;
  readonly headers: { get(name: string): string | null };
  /** A web `ReadableStream` (global `fetch`, undici) or any async iterable of byte chunks (node-fetch). */
  readonly body: AsyncIterable<Uint8Array> | null;
}

/**
 * A `fetch` implementation, for proxies and custom agents. The global `fetch` fits, and so does a wrapper:
 * `(url, init) => undici.fetch(url, { ...init, dispatcher: proxyAgent })`. It must pass `init` on
 * (`redirect: 'manual'` and the `signal` especially); Latchkey also enforces the deadline itself, so one
 * that ignores the signal cannot make a request hang.
 */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

/** Why a remote document was refused. Stable: match on it in `keys-fetch-failed` handlers. */
export type RemoteDocumentFailure = 'url' | 'network' | 'timeout' | 'redirect' | 'status' | 'too-large' | 'not-json' | 'invalid-document';

/**
 * A remote document (JWKS or discovery) could not be had. Carried in `keys-fetch-failed` events; never
 * shown to clients (they get a `LatchkeyError` without URLs), so the message may name the URL.
 */
export class RemoteDocumentError extends Error {
  override readonly name = 'RemoteDocumentError';

  constructor(
    readonly url: string,
    readonly reason: RemoteDocumentFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${url}: ${message}`, options);
  }
}

/** What {@link fetchJson} needs: the caller owns the deadline, so several fetches can share one. */
export interface FetchJsonOptions {
  /** Aborts the request, headers and body alike. Typically `AbortSignal.timeout(ms)`. */
  signal: AbortSignal;
  maxResponseBytes: number;
  headers?: Readonly<Record<string, string>> | undefined;
  fetch?: FetchLike | undefined;
}

/** The response headers that decide freshness (RFC 9111 §4.2). */
export interface CacheHeaders {
  readonly cacheControl: string | null;
  readonly expires: string | null;
  readonly date: string | null;
  readonly age: string | null;
}

/** A fetched document: the parsed body, and the headers that say how long it may be cached. */
export interface FetchedJson {
  readonly body: unknown;
  readonly headers: CacheHeaders;
}

/** Parses a URL that a fetch may go to (absolute, http(s), without credentials); returns it, or what is wrong with it. */
export function parseHttpUrl(input: string | URL): URL | string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `has the scheme "${url.protocol}"; only http: and https: are fetched`;
  // fetch refuses URLs with credentials anyway (WHATWG Fetch); say so at configuration time instead.
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  return url;
}

/**
 * GETs `url` and parses its body as JSON.
 *
 * Rejects with a {@link RemoteDocumentError} when the URL is not http(s), the deadline passes (headers
 * or body), the response is a redirect (3xx: never followed, so a JWKS host cannot send us elsewhere),
 * the status is not 2xx, the body exceeds `maxResponseBytes`, or it is not UTF-8 JSON.
 */
export async function fetchJson(input: string | URL, options: FetchJsonOptions): Promise<FetchedJson> {
  const checked = parseHttpUrl(input);
  const href = typeof checked === 'string' ? String(input) : checked.href;
  if (typeof checked === 'string') throw new RemoteDocumentError(href, 'url', `the URL ${checked}`);
  const { signal, maxResponseBytes } = options;

  const headers = new Headers({ accept: 'application/json' });
  if (options.headers !== undefined) for (const [name, value] of Object.entries(options.headers)) headers.set(name, value);
  const doFetch: FetchLike = options.fetch ?? (fetch as unknown as FetchLike);

  let response: FetchResponse;
  try {
    response = await raceAbort(doFetch(href, { method: 'GET', headers, redirect: 'manual', signal }), signal);
  } catch (cause) {
    if (signal.aborted) throw timedOut(href, cause);
    throw new RemoteDocumentError(href, 'network', `the request failed: ${describe(cause)}`, { cause });
  }

  const { status } = response;
  if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
    discard(response);
    throw new RemoteDocumentError(href, 'redirect', `the server answered with a redirect (${status}); redirects are not followed`);
  }
  if (status < 200 || status >= 300) {
    discard(response);
    throw new RemoteDocumentError(href, 'status', `the server answered ${status}`);
  }
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > maxResponseBytes) {
    discard(response);
    throw new RemoteDocumentError(href, 'too-large', `the response declares ${declared} bytes, over the ${maxResponseBytes}-byte limit`);
  }

  const bytes = await readBody(href, response, maxResponseBytes, signal);
  let body: unknown;
  try {
    // RFC 8259 §8.1: JSON exchanged between systems is UTF-8; `fatal` refuses anything else.
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new RemoteDocumentError(href, 'not-json', 'the response is not UTF-8 JSON', { cause });
  }
  const h = response.headers;
  return { body, headers: { cacheControl: h.get('cache-control'), expires: h.get('expires'), date: h.get('date'), age: h.get('age') } };
}

/** Reads the body under the deadline, stopping as soon as it passes the cap (the length header may lie or be absent). */
async function readBody(href: string, response: FetchResponse, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const iterator = response.body[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const next = await raceAbort(iterator.next(), signal);
      if (next.done === true) break;
      const chunk = next.value;
      total += chunk.byteLength;
      if (total > maxBytes) throw new RemoteDocumentError(href, 'too-large', `the response exceeds the ${maxBytes}-byte limit`);
      chunks.push(chunk);
    }
  } catch (error) {
    // Not awaited: a stalled stream may never acknowledge the cancel.
    iterator.return?.().catch(() => {});
    if (error instanceof RemoteDocumentError) throw error;
    if (signal.aborted) throw timedOut(href, error);
    throw new RemoteDocumentError(href, 'network', `reading the response failed: ${describe(error)}`, { cause: error });
  }
  return Buffer.concat(chunks, total);
}

/**
 * Settles with `promise`, or rejects when `signal` aborts, whichever comes first. The deadline holds even
 * when an injected fetch (or its body stream) ignores the signal.
 */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function timedOut(href: string, cause: unknown): RemoteDocumentError {
  return new RemoteDocumentError(href, 'timeout', 'no complete response within the time limit', { cause });
}

function discard(response: FetchResponse): void {
  // Releases the connection; errors here change nothing.
  const body = response.body as { cancel?: () => Promise<void>; destroy?: () => void } | null;
  if (body === null) return;
  if (typeof body.cancel === 'function') body.cancel().catch(() => {});
  else if (typeof body.destroy === 'function') body.destroy();
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
