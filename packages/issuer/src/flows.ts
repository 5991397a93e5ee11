/** The token endpoints' logic (obtain, refresh, verify, blacklist) over framework-neutral requests. */
import type { JwtPayload } from '@latchkey/core';
import { binding, boundKey, tokenRequestProof } from './dpop.js';
import type { IssuerEvent } from './events.js';
import { parseBody, readFields } from './http/body.js';
import { invalidToken, json, throttled, unauthorized } from './http/responses.js';
import type { LoginLimiter } from './limits/login-limiter.js';
import type { IssuerRequest, IssuerResponse } from './http/types.js';
import { openSuccessor, sealSuccessor, tokenHash } from './internal/seal.js';
import type { WeakCollection } from './internal/weak-collection.js';
import type { IssuerOptions, ResolvedIssuerOptions } from './options.js';
import { sessionRevoked, type CachedRevocationCheck } from './revocation.js';
import { sessionInfo, type SessionInfo } from './sessions.js';
import type { FamilyRecord, IssuerStore, RevocationReason } from './store/types.js';
import { MESSAGES, TokenError, newTokenId, type TokenCodec, type TokenKind } from './tokens.js';
import type { IssuerRequestInfo, UserSource } from './users/types.js';

/** simplejwt's (DRF's `AuthenticationFailed`) bodies, verbatim: no `code`. */
const NO_ACTIVE_ACCOUNT = { detail: 'No active account found with the given credentials' };
const NO_ACTIVE_ACCOUNT_FOR_TOKEN = { detail: 'No active account found for the given token.' };
const MASKED_PASSWORD = '********************';
// Claims the issuer owns: `claims(user)` cannot override them.
const REGISTERED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'fam', 'cnf']);

/** Everything the flows need, fixed at start-up. */
export interface FlowContext<User> {
  readonly settings: ResolvedIssuerOptions<User>;
  readonly codec: TokenCodec;
  readonly store: IssuerStore | undefined;
  readonly users: UserSource<User>;
  readonly claims: IssuerOptions<User>['claims'];
  readonly onLoginSuccess: IssuerOptions<User>['onLoginSuccess'];
  readonly onLoginFailure: IssuerOptions<User>['onLoginFailure'];
  readonly emit: (event: IssuerEvent) => void;
  /** The in-process revocation checks handed out and still in use: told of every revocation made here. */
  readonly revocationChecks: WeakCollection<CachedRevocationCheck>;
  readonly limiter: LoginLimiter | undefined;
}

/** A pair as `/api/token/` returns it (simplejwt's key order). */
export interface TokenPair {
  readonly refresh: string;
  readonly access: string;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The obtain, refresh, verify and blacklist flows over neutral requests. */
export class Flows<User> {
  constructor(private readonly context: FlowContext<User>) {}

  private get settings(): ResolvedIssuerOptions<User> {
    return this.context.settings;
  }

  private fail(detail: string): IssuerResponse {
    return invalidToken(this.settings.realm, detail);
  }

  private userIdOf(user: User): string {
    const id = (user as Record<string, unknown>)[this.settings.userIdField];
    if (id === undefined || id === null || id === '') throw new TypeError(`createIssuer: the user has no "${this.settings.userIdField}" (userIdField)`);
    // simplejwt ≥ 5.5.1 always writes the id as a string; RFC 9068 §2.2 wants `sub` a string too.
    return String(id);
  }

  private async userClaims(user: User, userId: string): Promise<JwtPayload> {
    const claims: JwtPayload = {};
    const extra = this.context.claims === undefined ? undefined : await this.context.claims(user);
    if (extra !== undefined && extra !== null) {
      for (const [name, value] of Object.entries(extra)) {
        if (!REGISTERED.has(name) && name !== this.settings.tokenTypeClaim && name !== this.settings.jtiClaim) claims[name] = value;
      }
    }
    claims[this.settings.userIdClaim] = userId;
    claims.sub = userId;
    return claims;
  }

  private mint(kind: TokenKind, claims: JwtPayload, familyId: string, lifetimeSeconds: number, jti = newTokenId(), extra: JwtPayload = {}): Promise<string> {
    const iat = nowSeconds();
    return this.context.codec.sign(kind, { ...claims, exp: iat + lifetimeSeconds, iat, [this.settings.jtiClaim]: jti, fam: familyId, ...extra });
  }

  private info(request: IssuerRequest): IssuerRequestInfo {
    return {
      method: request.method,
      path: request.path,
      headers: request.headers,
      clientAddress: request.clientAddress,
      userAgent: request.userAgent,
    };
  }

  private async hook(name: 'onLoginSuccess' | 'onLoginFailure', call: () => void | Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.context.emit({ type: 'hook.failed', hook: name, error });
    }
  }

  /** The absolute end and idle timeout a new family gets, from the options (both fixed at login). */
  private sessionBounds(): { sessionExpiresAt: number | undefined; idleTimeoutMs: number | undefined } {
    const { sessionLifetimeSeconds, idleTimeoutSeconds } = this.settings;
    return {
      sessionExpiresAt: sessionLifetimeSeconds === undefined ? undefined : Date.now() + sessionLifetimeSeconds * 1000,
      idleTimeoutMs: idleTimeoutSeconds === undefined ? undefined : idleTimeoutSeconds * 1000,
    };
  }

  /** Issues a pair for a user, as `RefreshToken.for_user(user)` does (no credentials checked: the caller vouches). */
  async issuePair(user: User, session: { userAgent?: string | undefined; clientAddress?: string | undefined } = {}, jkt?: string): Promise<TokenPair> {
    const userId = this.userIdOf(user);
    const claims = await this.userClaims(user, userId);
    const familyId = newTokenId();
    const refresh = await this.mint('refresh', claims, familyId, this.settings.refreshTokenLifetimeSeconds, newTokenId(), binding(jkt));
    const access = await this.mint('access', claims, familyId, this.settings.accessTokenLifetimeSeconds, newTokenId(), binding(jkt));
    await this.context.store?.createFamily({
      familyId,
      userId,
      currentHash: tokenHash(refresh),
      createdAt: Date.now(),
      expiresAt: Date.now() + this.settings.refreshTokenLifetimeSeconds * 1000,
      userAgent: session.userAgent,
      clientAddress: session.clientAddress,
      ...this.sessionBounds(),
    });
    this.context.emit({ type: 'token.issued', userId, familyId });
    return { refresh, access };
  }

  private async issueSliding(user: User, session: IssuerRequest): Promise<string> {
    const userId = this.userIdOf(user);
    const claims = await this.userClaims(user, userId);
    const jti = newTokenId();
    const refreshExp = nowSeconds() + this.settings.slidingTokenRefreshLifetimeSeconds;
    const token = await this.mint('sliding', claims, jti, this.settings.slidingTokenLifetimeSeconds, jti, {
      [this.settings.slidingTokenRefreshExpClaim]: refreshExp,
    });
    await this.context.store?.createFamily({
      familyId: jti,
      userId,
      currentHash: tokenHash(token),
      createdAt: Date.now(),
      expiresAt: refreshExp * 1000,
      userAgent: session.userAgent,
      clientAddress: session.clientAddress,
      ...this.sessionBounds(),
    });
    this.context.emit({ type: 'token.issued', userId, familyId: jti });
    return token;
  }

  /** `POST /api/token/`: credentials for a pair (or a sliding token). */
  async obtain(request: IssuerRequest): Promise<IssuerResponse> {
    const parsed = parseBody(request);
    if (!parsed.ok) return parsed.response;
    const { usernameField } = this.settings;
    const fields = readFields(parsed.data, [{ name: usernameField }, { name: 'password', raw: true }]);
    if (!fields.ok) return fields.response;
    const credentials = { [usernameField]: fields.values[usernameField]!, password: fields.values.password! };
    // Before the password check: a bad proof costs no password hash.
    const proof = await tokenRequestProof(this.settings.dpop, request, undefined);
    if (!('jkt' in proof)) return proof;
    const info = this.info(request);
    // Counted before the password is checked: the limit holds against parallel guesses, and a blocked
    // address costs no scrypt.
    const attempt = await this.context.limiter?.attempt(credentials[usernameField]!, request.clientAddress);
    if (attempt?.limited === true) {
      this.context.emit({
        type: 'login.rate_limited',
        scope: attempt.scope,
        retryAfterSeconds: attempt.retryAfterSeconds,
        clientAddress: request.clientAddress,
      });
      return throttled(attempt.retryAfterSeconds);
    }
    const user = await this.context.users.authenticate(credentials, info);
    if (!this.settings.userAuthenticationRule(user)) {
      const masked = { ...credentials, password: MASKED_PASSWORD };
      const onFailure = this.context.onLoginFailure;
      if (onFailure !== undefined) await this.hook('onLoginFailure', () => onFailure(masked, info));
      this.context.emit({ type: 'login.failed', username: credentials[usernameField]!, clientAddress: request.clientAddress });
      return unauthorized(this.settings.realm, NO_ACTIVE_ACCOUNT);
    }
    await attempt?.succeeded();
    const session = { userAgent: request.userAgent, clientAddress: request.clientAddress };
    const body = this.settings.tokenStyle === 'sliding' ? { token: await this.issueSliding(user!, request) } : await this.issuePair(user!, session, proof.jkt);
    const onSuccess = this.context.onLoginSuccess;
    if (onSuccess !== undefined) await this.hook('onLoginSuccess', () => onSuccess(user!, info));
    return json(200, body);
  }

  private async tokenField(request: IssuerRequest, field: 'refresh' | 'token', presented?: string): Promise<{ token: string } | IssuerResponse> {
    // Cookie delivery: the token came from the cookie and the body is not read at all.
    if (presented !== undefined) return { token: presented };
    const parsed = parseBody(request);
    if (!parsed.ok) return parsed.response;
    const fields = readFields(parsed.data, [{ name: field }]);
    return fields.ok ? { token: fields.values[field]! } : fields.response;
  }

  private async activeUser(payload: JwtPayload): Promise<User | undefined> {
    const id = payload[this.settings.userIdClaim] ?? payload.sub;
    if (typeof id !== 'string') return undefined;
    const user = await this.context.users.getUser(id);
    return this.settings.userAuthenticationRule(user) ? (user as User) : undefined;
  }

  /** A family this issuer revoked (by itself or inside the store's rotation): events and local caches. */
  private familyRevoked(userId: string, familyId: string, reason: RevocationReason): void {
    for (const check of this.context.revocationChecks) check.sessionRevoked(familyId);
    this.context.emit({ type: 'family.revoked', userId, familyId, reason });
  }

  /** Revokes one family and reports it when this call did (idempotent: `false` when it was already). */
  async revokeFamily(userId: string, familyId: string, reason: RevocationReason): Promise<boolean> {
    const revoked = await this.context.store!.revokeFamily(userId, familyId, reason, Date.now());
    if (revoked) this.familyRevoked(userId, familyId, reason);
    return revoked;
  }

  /** RFC 9700 §4.14.2: a spent token came back; `revokedHere` when the store already revoked it in the same step. */
  private async reuseDetected(record: FamilyRecord, revokedHere: boolean): Promise<IssuerResponse> {
    const { familyId, userId, generation } = record;
    this.context.emit({ type: 'refresh.reuse_detected', userId, familyId, generation });
    if (revokedHere) this.familyRevoked(userId, familyId, 'reuse');
    else await this.revokeFamily(userId, familyId, 'reuse');
    return this.fail(MESSAGES.blacklisted);
  }

  /**
   * Logout everywhere: raises the user's revocation epoch to now, so every session created until now is
   * refused at its next refresh and its access tokens by every revocation check. Resolves how many live
   * sessions were marked. The epoch is kept as long as a session from before it could still be used.
   */
  async revokeUser(userId: string): Promise<number> {
    const now = Date.now();
    const { refreshTokenLifetimeSeconds, slidingTokenRefreshLifetimeSeconds, accessTokenLifetimeSeconds, slidingTokenLifetimeSeconds, leewaySeconds } =
      this.settings;
    // A family from before the epoch was last rotated before it, so it expires within one refresh lifetime;
    // its access tokens within one access lifetime (plus the leeway every check allows).
    const longest =
      Math.max(refreshTokenLifetimeSeconds, slidingTokenRefreshLifetimeSeconds, accessTokenLifetimeSeconds, slidingTokenLifetimeSeconds) + leewaySeconds;
    const marked = await this.context.store!.revokeUser(userId, now, now + longest * 1000 + 1000);
    for (const check of this.context.revocationChecks) check.userRevoked(userId, now);
    this.context.emit({ type: 'user.revoked', userId, sessions: marked });
    return marked;
  }

  /** The user's live sessions, newest first (at most the store's per-user bound). */
  async listSessions(userId: string): Promise<SessionInfo[]> {
    return (await this.context.store!.listFamilies(userId, Number.MAX_SAFE_INTEGER)).map(sessionInfo);
  }

  /** Revokes one of the user's sessions (reason `admin`). `false` when the user has no such session; `true` also when it was revoked already. */
  async revokeSession(userId: string, sessionId: string): Promise<boolean> {
    const record = await this.context.store!.getFamily(userId, sessionId);
    if (record === undefined) return false;
    await this.revokeFamily(userId, sessionId, 'admin');
    return true;
  }

  /** Puts one access token's id on the denylist until its `exp` (the session lives on). */
  async denyAccessToken(payload: JwtPayload): Promise<void> {
    const jti = payload[this.settings.jtiClaim];
    if (typeof jti !== 'string' || typeof payload.exp !== 'number') throw new TypeError('denyAccessToken: the payload has no jti or exp');
    await this.context.store!.denyToken(jti, (payload.exp + this.settings.leewaySeconds) * 1000);
    for (const check of this.context.revocationChecks) check.tokenDenied(jti);
  }

  /** The grace window: the previous token, presented again in time, opens the same successor. */
  private graceSuccessor(record: FamilyRecord, token: string, hash: string): string | undefined {
    if (record.previousHash !== hash || record.sealedSuccessor === undefined || record.graceUntil === undefined || Date.now() > record.graceUntil)
      return undefined;
    return openSuccessor(record.sealedSuccessor, token, record.familyId);
  }

  /** Reads one of the issuer's own tokens (with a `fam`), or the 401 to answer. */
  private async readOwn(token: string, kinds: readonly TokenKind[]): Promise<{ payload: JwtPayload & { fam: string } } | { response: IssuerResponse }> {
    try {
      const payload = await this.context.codec.read(token, kinds);
      if (typeof payload.fam !== 'string') return { response: this.fail(MESSAGES.invalid) };
      return { payload: payload as JwtPayload & { fam: string } };
    } catch (error) {
      if (error instanceof TokenError) return { response: this.fail(error.message) };
      throw error;
    }
  }

  /**
   * `POST /api/token/refresh/`: a refresh token for an access token (and, rotating, a successor). Every
   * store check (revoked, logout everywhere, absolute lifetime, idle timeout, reuse) is made by the one
   * atomic `rotate` or `touch` call, never by a read before it.
   */
  async refresh(request: IssuerRequest, presented?: string): Promise<IssuerResponse> {
    const field = await this.tokenField(request, 'refresh', presented);
    if (!('token' in field)) return field;
    const { token } = field;
    const read = await this.readOwn(token, ['refresh']);
    if ('response' in read) return read.response;
    const { payload } = read;
    // A bound refresh token needs a proof from its key (checked before the store: no reuse is counted for it).
    const proof = await tokenRequestProof(this.settings.dpop, request, boundKey(payload));
    if (!('jkt' in proof)) return proof;
    const bound = binding(proof.jkt);
    const familyId = payload.fam;
    const store = this.context.store;
    const hash = tokenHash(token);
    const user = await this.activeUser(payload);
    if (user === undefined) return unauthorized(this.settings.realm, NO_ACTIVE_ACCOUNT_FOR_TOKEN);
    const userId = this.userIdOf(user);
    // The family is filed under the user the token was issued to (`sub`); a user whose id changed has none.
    if (store !== undefined && payload.sub !== userId) return this.fail(MESSAGES.invalid);
    // Fresh claims from the user, not copies from the refresh token (sj#705).
    const claims = await this.userClaims(user, userId);
    const access = await this.mint('access', claims, familyId, this.settings.accessTokenLifetimeSeconds, newTokenId(), bound);
    if (store === undefined || !this.settings.rotateRefreshTokens) {
      const touched = await store?.touch(userId, familyId, Date.now());
      if (touched !== undefined && touched.status !== 'touched') return this.fail(touched.status === 'revoked' ? MESSAGES.blacklisted : MESSAGES.invalid);
      // Rotation off: the same refresh token is presented every time, so it must be the current one.
      if (touched !== undefined && touched.record.currentHash !== hash) return this.reuseDetected(touched.record, false);
      this.context.emit({ type: 'token.refreshed', userId, familyId, rotated: false, grace: false });
      return json(200, { access });
    }
    const successor = await this.mint('refresh', claims, familyId, this.settings.refreshTokenLifetimeSeconds, newTokenId(), bound);
    const now = Date.now();
    const graceMs = this.settings.reuseGraceSeconds * 1000;
    // The one atomic step: of many concurrent refreshes of one token, exactly one swaps.
    const outcome = await store.rotate(userId, familyId, hash, {
      currentHash: tokenHash(successor),
      expiresAt: now + this.settings.refreshTokenLifetimeSeconds * 1000,
      usedAt: now,
      graceUntil: graceMs > 0 ? now + graceMs : undefined,
      sealedSuccessor: graceMs > 0 ? sealSuccessor(successor, token, familyId) : undefined,
    });
    switch (outcome.status) {
      case 'rotated':
        this.context.emit({ type: 'token.refreshed', userId, familyId, rotated: true, grace: false });
        return json(200, { access, refresh: successor });
      case 'stale': {
        // The previous token inside its grace window (a lost race, a lost response): the same successor.
        const same = this.graceSuccessor(outcome.record, token, hash);
        if (same === undefined) return this.reuseDetected(outcome.record, false);
        this.context.emit({ type: 'token.refreshed', userId, familyId, rotated: true, grace: true });
        return json(200, { access, refresh: same });
      }
      case 'reused':
        // The store revoked the family in the same step as the failed compare-and-swap.
        return this.reuseDetected(outcome.record, true);
      case 'revoked':
        return this.fail(MESSAGES.blacklisted);
      default:
        return this.fail(MESSAGES.invalid);
    }
  }

  /** `POST /api/token/verify/`: 200 `{}` for a live credential (access, or sliding). Never for a refresh token. */
  async verify(request: IssuerRequest): Promise<IssuerResponse> {
    const field = await this.tokenField(request, 'token');
    if (!('token' in field)) return field;
    const kinds: TokenKind[] = this.settings.tokenStyle === 'sliding' ? ['sliding'] : ['access'];
    const read = await this.readOwn(field.token, kinds);
    if ('response' in read) return read.response;
    if (await this.isRevoked(read.payload)) return this.fail(MESSAGES.blacklisted);
    return json(200, {});
  }

  /**
   * True when the token's id is denylisted, or its session (`sub` + `fam`) is revoked, over, or from before
   * the user's revocation epoch (logout everywhere). Uncached: one answer straight from the store.
   */
  async isRevoked(payload: JwtPayload): Promise<boolean> {
    const store = this.context.store;
    if (store === undefined) return false;
    const jti = payload[this.settings.jtiClaim];
    if (typeof jti === 'string' && (await store.isTokenDenied(jti))) return true;
    if (typeof payload.fam !== 'string' || typeof payload.sub !== 'string') return false;
    return (await sessionRevoked(store, payload.sub, payload.fam)).revoked;
  }

  /** `POST /api/token/blacklist/`: log out the session of a refresh token (revokes its family). */
  async blacklist(request: IssuerRequest, presented?: string): Promise<IssuerResponse> {
    const field = await this.tokenField(request, 'refresh', presented);
    if (!('token' in field)) return field;
    const read = await this.readOwn(field.token, ['refresh']);
    if ('response' in read) return read.response;
    const store = this.context.store!;
    const userId = read.payload.sub;
    const record = typeof userId === 'string' ? await store.getFamily(userId, read.payload.fam) : undefined;
    if (record === undefined) return this.fail(MESSAGES.invalid);
    // Idempotent in effect: a second logout changes nothing; it answers simplejwt's 401 (wire parity).
    if (record.revokedAt !== undefined) return this.fail(MESSAGES.blacklisted);
    if (record.currentHash !== tokenHash(field.token) && this.graceSuccessor(record, field.token, tokenHash(field.token)) === undefined)
      return this.reuseDetected(record, false);
    if (!(await this.revokeFamily(record.userId, record.familyId, 'logout'))) return this.fail(MESSAGES.blacklisted);
    return json(200, {});
  }

  /** `POST /api/token/refresh/` in sliding mode: the same `jti`, a new `exp`, until `refresh_exp`. */
  async refreshSliding(request: IssuerRequest): Promise<IssuerResponse> {
    const field = await this.tokenField(request, 'token');
    if (!('token' in field)) return field;
    const read = await this.readOwn(field.token, ['sliding']);
    if ('response' in read) return read.response;
    const { payload } = read;
    const claim = this.settings.slidingTokenRefreshExpClaim;
    const refreshExp = payload[claim];
    if (typeof refreshExp !== 'number') return this.fail(`Token has no '${claim}' claim`);
    if (refreshExp <= nowSeconds() - this.settings.leewaySeconds) return this.fail(`Token '${claim}' claim has expired`);
    if (await this.isRevoked(payload)) return this.fail(MESSAGES.blacklisted);
    const user = await this.activeUser(payload);
    if (user === undefined) return unauthorized(this.settings.realm, NO_ACTIVE_ACCOUNT_FOR_TOKEN);
    const userId = this.userIdOf(user);
    const claims = await this.userClaims(user, userId);
    const jti = payload[this.settings.jtiClaim] as string;
    const touched = await this.context.store?.touch(userId, payload.fam, Date.now());
    // Absolute lifetime, idle timeout and logout everywhere are the store's verdict, checked atomically.
    if (touched !== undefined && touched.status !== 'touched') return this.fail(touched.status === 'revoked' ? MESSAGES.blacklisted : MESSAGES.invalid);
    const token = await this.mint('sliding', claims, payload.fam, this.settings.slidingTokenLifetimeSeconds, jti, { [claim]: refreshExp });
    this.context.emit({ type: 'token.refreshed', userId, familyId: payload.fam, rotated: false, grace: false });
    return json(200, { token });
  }
}
