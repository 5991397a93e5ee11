/** The CSRF defence of the cookie routes (Origin, `Sec-Fetch-Site`, custom header) and their CORS answers. */
import { json } from '../http/responses.js';
import type { IssuerRequest, IssuerResponse } from '../http/types.js';
import type { ResolvedRefreshCookie } from './options.js';

/** Why a cookie-route request was refused. */
export type CsrfReason = 'origin' | 'fetch-site' | 'header';

function header(request: IssuerRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * The CSRF checks of the cookie routes. A browser sends the refresh cookie on any request to the host,
 * whoever wrote the page, so the request must prove where it came from:
 * 1. `Origin`, when sent (every browser sends it on a POST from `fetch`), is one of `allowedOrigins`
 *    (RFC 6454 §7; `null` is not an origin anyone allowed);
 * 2. without `Origin`, `Sec-Fetch-Site` (Fetch Metadata), when sent, says `same-origin` or `none`;
 * 3. the custom header is present: a cross-origin page cannot add it without a CORS preflight, which only
 *    the allowed origins pass. Non-browser clients send it too; it costs them nothing.
 * Resolves the refusal (with the reason, for the event), or `undefined` to go on.
 */
export function checkCsrf(request: IssuerRequest, cookie: ResolvedRefreshCookie): { reason: CsrfReason; response: IssuerResponse } | undefined {
  const origin = header(request, 'origin');
  if (origin !== undefined) {
    if (!cookie.allowedOrigins.has(origin)) return refuse('origin', `Origin checking failed - ${origin.slice(0, 200)} does not match any trusted origins.`);
  } else {
    const site = header(request, 'sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return refuse('fetch-site', `Sec-Fetch-Site is ${site.slice(0, 40)} and no trusted Origin was sent.`);
  }
  const token = header(request, cookie.csrfHeader);
  if (token === undefined || token.trim() === '') return refuse('header', `the ${cookie.csrfHeaderDisplay} header is missing.`);
  return undefined;
}

// Django's words ("CSRF Failed: Origin checking failed - … does not match any trusted origins."), as
// DRF renders a CSRF 403, with a code a client can switch on.
function refuse(reason: CsrfReason, why: string): { reason: CsrfReason; response: IssuerResponse } {
  return { reason, response: json(403, { detail: `CSRF Failed: ${why}`, code: 'csrf_failed' }) };
}

/**
 * CORS for the allowed origins on the cookie routes (Fetch §3.2): the preflight a custom header causes,
 * and the `Access-Control-Allow-*` headers that let an allowed page on another origin read the answer
 * and send the cookie. Nothing for any other origin: its preflight fails, so its request never leaves.
 */
export function corsHeaders(request: IssuerRequest, cookie: ResolvedRefreshCookie): Record<string, string> {
  const origin = header(request, 'origin');
  if (origin === undefined || !cookie.allowedOrigins.has(origin)) return {};
  return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
}

/** The answer to a CORS preflight from an allowed origin, or `undefined` when it is not one. */
export function preflight(request: IssuerRequest, cookie: ResolvedRefreshCookie): IssuerResponse | undefined {
  if (header(request, 'access-control-request-method') === undefined) return undefined;
  const cors = corsHeaders(request, cookie);
  if (cors['access-control-allow-origin'] === undefined) return { status: 204, headers: { vary: 'Origin' }, body: '' };
  return {
    status: 204,
    headers: {
      ...cors,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': `Content-Type, ${cookie.csrfHeaderDisplay}`,
      'access-control-max-age': '600',
    },
    body: '',
  };
}
