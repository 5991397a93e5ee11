/**
 * Error bodies in djangorestframework-simplejwt's shape, and the one error rendering the adapters'
 * `authErrorHandler`s share: an SPA written for a simplejwt backend moves to Latchkey unchanged.
 */
import type { LatchkeyError, LatchkeyErrorHeaders } from './errors.js';
import { refuseUnknownKeys } from './internal/strict-options.js';

/** A rendered error in djangorestframework-simplejwt's shape: status, headers, JSON body. */
export interface SimplejwtErrorResponse {
  readonly status: 401 | 403;
  /** The RFC 6750 challenge stays: `WWW-Authenticate` as the error carries it. */
  readonly headers: LatchkeyErrorHeaders;
  readonly body: SimplejwtErrorBody;
}

/** simplejwt's (DRF's) error bodies. */
export type SimplejwtErrorBody =
  | { detail: string }
  | { detail: string; code: string }
  | {
      detail: 'Given token not valid for any token type';
      code: 'token_not_valid';
      messages: Array<{ token_class: 'AccessToken'; token_type: 'access'; message: string }>;
    };

// simplejwt's per-token-class messages (rest_framework_simplejwt/locale), verbatim.
function tokenMessage(error: LatchkeyError): string {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return error.claim === 'exp' ? 'Token is expired' : 'Token is invalid';
    case 'ERR_JWT_REVOKED':
      return 'Token is blacklisted';
    case 'ERR_JWS_HEADER_INVALID':
      // The only header rule a token of the wrong kind fails is `typ` (e.g. refresh+jwt where at+jwt is due).
      return error.message.includes('typ') ? 'Token has wrong type' : 'Token is invalid';
    case 'ERR_JWT_CLAIM_INVALID':
      if (error.claim === 'token_type') return error.message.endsWith('is missing') ? 'Token has no type' : 'Token has wrong type';
      if (error.claim === 'jti' && error.message.endsWith('is missing')) return 'Token has no id';
      if (error.claim === 'exp' && error.message.endsWith('is missing')) return "Token has no 'exp' claim";
      return 'Token is invalid';
    default:
      return 'Token is invalid';
  }
}

/**
 * Renders a Latchkey error the way simplejwt's `JWTAuthentication` and DRF answer a protected route, so a
 * single-page app written for a simplejwt backend (one that refreshes on `code: "token_not_valid"`) sees
 * the bodies it expects (shared/reference/simplejwt.md §1.2):
 *
 * - no credentials: 401 `{"detail":"Authentication credentials were not provided."}`;
 * - a malformed `Authorization` header: 401 `bad_authorization_header` (Latchkey's default is 400);
 * - a token that fails: 401 `{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[…]}`;
 * - a token without a user id: 401 `Token contained no recognizable user identification`;
 * - scope and claim guards: 403 `{"detail":"You do not have permission to perform this action."}`.
 *
 * The RFC 6750 `WWW-Authenticate` challenge of the error is kept.
 */
export function simplejwtErrorResponse(error: LatchkeyError): SimplejwtErrorResponse {
  const headers = error.headers;
  switch (error.code) {
    case 'ERR_BEARER_MISSING':
      return { status: 401, headers, body: { detail: 'Authentication credentials were not provided.' } };
    case 'ERR_BEARER_MALFORMED':
      return { status: 401, headers, body: { detail: 'Authorization header must contain two space-delimited values', code: 'bad_authorization_header' } };
    case 'ERR_SCOPE_INSUFFICIENT':
    case 'ERR_CLAIM_CHECK_FAILED':
      return { status: 403, headers, body: { detail: 'You do not have permission to perform this action.' } };
    default:
      if (error.code === 'ERR_JWT_CLAIM_INVALID' && (error.claim === 'sub' || error.claim === 'user_id') && error.message.endsWith('is missing')) {
        return { status: 401, headers, body: { detail: 'Token contained no recognizable user identification', code: 'token_not_valid' } };
      }
      return {
        status: 401,
        headers,
        body: {
          detail: 'Given token not valid for any token type',
          code: 'token_not_valid',
          messages: [{ token_class: 'AccessToken', token_type: 'access', message: tokenMessage(error) }],
        },
      };
  }
}

/** How the adapters' `authErrorHandler` renders a Latchkey error's body. */
export type ErrorBodyProfile = 'rfc6750' | 'simplejwt';

/** Options of every adapter's `authErrorHandler`. */
export interface AuthErrorHandlerOptions {
  /**
   * `'rfc6750'` (default): the error's status and `{ error, error_description }`. `'simplejwt'`: simplejwt's
   * statuses and bodies ({@link simplejwtErrorResponse}). The `WWW-Authenticate` challenge is the same in both.
   */
  body?: ErrorBodyProfile;
}

/** A rendered error: what an adapter's error handler writes. */
export interface RenderedAuthError {
  readonly status: number;
  readonly headers: LatchkeyErrorHeaders;
  readonly body: unknown;
}

/**
 * For adapters: the error rendering, chosen once from their `authErrorHandler` options (validated
 * here: an unknown key or profile is a `TypeError` at start-up).
 */
export function authErrorRenderer(options: AuthErrorHandlerOptions | undefined, where: string): (error: LatchkeyError) => RenderedAuthError {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new TypeError(`${where}: options must be an object`);
  refuseUnknownKeys(options ?? {}, ['body'], `${where} options`);
  const profile = options?.body ?? 'rfc6750';
  if (profile === 'simplejwt') return simplejwtErrorResponse;
  if (profile !== 'rfc6750') throw new TypeError(`${where}: "body" must be "rfc6750" or "simplejwt"`);
  return (error) => ({ status: error.status, headers: error.headers, body: error.toJSON() });
}
