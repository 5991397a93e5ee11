/**
 * The framework-neutral request and response of the issuer's handlers. A mount (Express, Koa, Fastify)
 * builds an {@link IssuerRequest} from its native request and writes the {@link IssuerResponse} back.
 */
export interface IssuerRequest {
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The `Content-Type` header value, when there is one. */
  readonly contentType?: string | undefined;
  /**
   * The raw body, at most `maxBodyBytes` long. `'too-large'` when the mount stopped reading because the
   * body exceeded the limit. `undefined` when there is none.
   */
  readonly body?: string | Uint8Array | 'too-large' | undefined;
  /** A body a framework already parsed (e.g. by `express.json()`), used when `body` is absent. */
  readonly parsedBody?: unknown;
  /** The client's address, for session records. */
  readonly clientAddress?: string | undefined;
  /** The `User-Agent`, for session records. */
  readonly userAgent?: string | undefined;
}

/** A complete response: status, headers (lower-case names), body text. */
export interface IssuerResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}
