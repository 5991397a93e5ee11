/** The session routes (list sessions, revoke one, log out everywhere), authenticated by an access token. */
import { isLatchkeyError, simplejwtErrorResponse, type DpopOptions, type JwtPayload, type VerifiedToken, type Verifier } from '@latchkey/core';
import { createRequestAuthenticator, type RequestAuthenticator } from '@latchkey/core/adapter';
import type { Flows } from '../flows.js';
import type { SessionInfo } from '../sessions.js';
import { parseBody, readFields } from './body.js';
import { json } from './responses.js';
import type { IssuerRequest, IssuerResponse } from './types.js';

/** DRF's `NotFound` body. */
const NOT_FOUND = { detail: 'Not found.' };

/** Node's headers as the `rawHeaders` list the core's bearer reader wants (a repeated header stays repeated). */
function rawHeaders(request: IssuerRequest): string[] {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') raw.push(name, value);
    else if (Array.isArray(value)) for (const item of value as readonly string[]) raw.push(name, item);
  }
  return raw;
}

/** A session as the routes show it (snake_case, as DRF would render it; times in ISO 8601). */
function render(session: SessionInfo, current: string): Record<string, unknown> {
  return {
    session: session.sessionId,
    created: new Date(session.createdAt).toISOString(),
    last_used: new Date(session.lastUsedAt).toISOString(),
    expires: new Date(session.expiresAt).toISOString(),
    user_agent: session.userAgent ?? null,
    client_address: session.clientAddress ?? null,
    current: session.sessionId === current,
  };
}

/**
 * The opt-in session routes: list, revoke one, log out everywhere. Each is authenticated by an access
 * token in `Authorization: Bearer` (RFC 6750 §2.1), or with the issuer's `dpop` option also `DPoP` plus a
 * proof (RFC 9449 §7: the issuer's own bound access tokens), checked with revocation, and acts only on the
 * caller's own sessions. No cookie authenticates them, so they need no CSRF defence.
 */
export class SessionRoutes<User> {
  private readonly authenticator: RequestAuthenticator<JwtPayload, IssuerRequest>;

  constructor(
    private readonly flows: Flows<User>,
    verifier: Verifier,
    private readonly realm: string,
    dpop: Omit<DpopOptions, 'mode'> | undefined,
  ) {
    this.authenticator = createRequestAuthenticator<JwtPayload, IssuerRequest>(
      // 'allowed': a bound token needs the DPoP scheme and a proof; an unbound one still comes as Bearer.
      dpop === undefined ? { verifier, realm } : { verifier, realm, dpop: { ...dpop, mode: 'allowed' } },
      { rawHeaders, method: (request) => request.method, path: (request) => request.path },
      { where: 'the issuer session routes' },
    );
  }

  /** The caller's verified token, or the 401/400 to answer (simplejwt's bodies, RFC 6750 challenge). */
  private async caller(request: IssuerRequest): Promise<{ payload: JwtPayload & { sub: string; fam: string } } | { response: IssuerResponse }> {
    let auth: VerifiedToken | null;
    try {
      auth = await this.authenticator.authenticate(request);
    } catch (error) {
      if (!isLatchkeyError(error)) throw error;
      const rendered = simplejwtErrorResponse(error);
      return { response: json(rendered.status, rendered.body, rendered.headers) };
    }
    const payload = auth?.payload;
    if (typeof payload?.sub !== 'string' || typeof payload.fam !== 'string') {
      const challenge = `Bearer realm="${this.realm}", error="invalid_token"`;
      return {
        response: json(401, { detail: 'Token contained no recognizable user identification', code: 'token_not_valid' }, { 'www-authenticate': challenge }),
      };
    }
    return { payload: payload as JwtPayload & { sub: string; fam: string } };
  }

  /** `GET`: `{"sessions":[…]}`, newest first, the caller's own marked `current`. */
  async list(request: IssuerRequest): Promise<IssuerResponse> {
    const caller = await this.caller(request);
    if ('response' in caller) return caller.response;
    const sessions = await this.flows.listSessions(caller.payload.sub);
    return json(200, { sessions: sessions.map((session) => render(session, caller.payload.fam)) });
  }

  /** `POST {"session": id}`: revokes one of the caller's sessions; 200 `{}` also when it was revoked already, 404 when not the caller's. */
  async revoke(request: IssuerRequest): Promise<IssuerResponse> {
    const caller = await this.caller(request);
    if ('response' in caller) return caller.response;
    const parsed = parseBody(request);
    if (!parsed.ok) return parsed.response;
    const fields = readFields(parsed.data, [{ name: 'session' }]);
    if (!fields.ok) return fields.response;
    const found = await this.flows.revokeSession(caller.payload.sub, fields.values.session!);
    return found ? json(200, {}) : json(404, NOT_FOUND);
  }

  /** `POST`: logout everywhere for the caller (this session included); `{"revoked": n}` live sessions marked. */
  async logoutAll(request: IssuerRequest): Promise<IssuerResponse> {
    const caller = await this.caller(request);
    if ('response' in caller) return caller.response;
    return json(200, { revoked: await this.flows.revokeUser(caller.payload.sub) });
  }
}
