/** Cookie delivery of the refresh token: takes it from the cookie on the way in, moves it into `Set-Cookie` on the way out. */
import { invalidToken } from '../http/responses.js';
import type { IssuerRequest, IssuerResponse } from '../http/types.js';
import { clearedCookieHeader, readCookie, refreshCookieHeader } from './cookie-header.js';
import { checkCsrf, corsHeaders, preflight, type CsrfReason } from './csrf.js';
import type { ResolvedRefreshCookie } from './options.js';

/** The routes that set or read the refresh cookie (verify takes an access token in the body, as ever). */
export type CookieRoute = 'obtain' | 'refresh' | 'blacklist';

/** What the route handler receives: the token from the cookie (refresh, blacklist), or nothing (obtain). */
export type Presented = { readonly token: string } | { readonly token?: undefined };

/**
 * Cookie delivery around the simplejwt flows, framework-neutral: the CSRF checks before a cookie route
 * runs, the token read from the cookie instead of the body, and the answer's `refresh` moved from the
 * JSON body into `Set-Cookie`. The flows stay exactly simplejwt's; only their input and output move.
 */
export class CookieDelivery {
  constructor(
    private readonly cookie: ResolvedRefreshCookie,
    private readonly realm: string,
    private readonly maxAgeSeconds: number,
    private readonly onRefused: (path: string, reason: CsrfReason) => void,
  ) {}

  /** A CORS preflight for a cookie route, answered here; `undefined` for an ordinary `OPTIONS`. */
  preflight(request: IssuerRequest): IssuerResponse | undefined {
    return preflight(request, this.cookie);
  }

  /** Runs a cookie route: CSRF checks, cookie in, cookie out. */
  async run(route: CookieRoute, request: IssuerRequest, handler: (presented: Presented) => Promise<IssuerResponse>): Promise<IssuerResponse> {
    const cors = corsHeaders(request, this.cookie);
    const refused = checkCsrf(request, this.cookie);
    if (refused !== undefined) {
      this.onRefused(request.path, refused.reason);
      return withHeaders(refused.response, cors);
    }
    let presented: Presented = {};
    if (route !== 'obtain') {
      const read = readCookie(request.headers.cookie, this.cookie.name);
      if (read.kind === 'absent') return withHeaders(invalidToken(this.realm, 'No refresh token cookie was sent.'), cors);
      // Two values under our name: one was planted. Trust neither, and clear ours.
      if (read.kind === 'several')
        return withHeaders(invalidToken(this.realm, 'Several refresh token cookies were sent.'), { ...cors, 'set-cookie': clearedCookieHeader(this.cookie) });
      presented = { token: read.value };
    }
    return withHeaders(this.deliver(route, await handler(presented)), cors);
  }

  private deliver(route: CookieRoute, response: IssuerResponse): IssuerResponse {
    // Logout always removes the cookie, whatever the store said: the browser should not keep it either way.
    if (route === 'blacklist') return withHeaders(response, { 'set-cookie': clearedCookieHeader(this.cookie) });
    // A refused refresh token (expired, revoked, reused, its user gone) is dead: clear it. A 503 is not a verdict.
    if (route === 'refresh' && response.status === 401) return withHeaders(response, { 'set-cookie': clearedCookieHeader(this.cookie) });
    if (response.status !== 200) return response;
    const body = JSON.parse(response.body) as Record<string, unknown>;
    if (typeof body.refresh !== 'string') return response;
    const { refresh, ...rest } = body;
    return {
      ...response,
      headers: { ...response.headers, 'set-cookie': refreshCookieHeader(this.cookie, refresh, this.maxAgeSeconds) },
      body: JSON.stringify(rest),
    };
  }
}

function withHeaders(response: IssuerResponse, extra: Record<string, string>): IssuerResponse {
  return Object.keys(extra).length === 0 ? response : { ...response, headers: { ...response.headers, ...extra } };
}
