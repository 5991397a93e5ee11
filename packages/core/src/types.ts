/** The registered claims of RFC 7519 §4.1, plus the scope claims Latchkey reads. */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  /** Space-delimited scopes (RFC 8693 §4.2, RFC 9068 §2.2.3). */
  scope?: string;
  /** Scopes as an array (Okta, Entra ID, Ory) or a space-delimited string. */
  scp?: string[] | string;
  /** Auth0 RBAC permissions. */
  permissions?: string[];
  client_id?: string;
  [claim: string]: unknown;
}

/** The protected header of a JWS (RFC 7515 §4). */
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  cty?: string;
  [parameter: string]: unknown;
}

/**
 * What a successful verification yields, and what adapters attach as `req.auth`, `ctx.state.auth` and
 * `request.auth`. Treat it as read-only: with the verified-token cache on, one result serves every
 * request that presents the same token.
 */
export interface VerifiedToken<Payload extends JwtPayload = JwtPayload> {
  readonly payload: Payload;
  readonly header: JwtHeader;
  /** The raw compact token, e.g. to forward it downstream. */
  readonly token: string;
}
