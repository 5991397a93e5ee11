import type { JwtPayload } from '@latchkey/core';
import type { IssuerEvent } from './events.js';
import { parseBody, readFields } from './http/body.js';
import { invalidToken, json, unauthorized } from './http/responses.js';
import type { IssuerRequest, IssuerResponse } from './http/types.js';
import { openSuccessor, sealSuccessor, tokenHash } from './internal/seal.js';
import type { IssuerOptions, ResolvedIssuerOptions } from './options.js';
import type { FamilyRecord, IssuerStore } from './store/types.js';
import { MESSAGES, TokenError, newTokenId, type TokenCodec, type TokenKind } from './tokens.js';
import type { IssuerRequestInfo, UserSource } from './users/types.js';

/** simplejwt's (DRF's `AuthenticationFailed`) bodies, verbatim: no `code`. */
const NO_ACTIVE_ACCOUNT = { detail: 'No active account found with the given credentials' };
const NO_ACTIVE_ACCOUNT_FOR_TOKEN = { detail: 'No active account found for the given token.' };
const MASKED_PASSWORD = '********************';
// Claims the issuer owns: `claims(user)` cannot override them.
const REGISTERED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'fam']);

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

  /** Issues a pair for a user, as `RefreshToken.for_user(user)` does (no credentials checked: the caller vouches). */
  async issuePair(user: User, session: { userAgent?: string | undefined; clientAddress?: string | undefined } = {}): Promise<TokenPair> {
    const userId = this.userIdOf(user);
    const claims = await this.userClaims(user, userId);
    const familyId = newTokenId();
    const refresh = await this.mint('refresh', claims, familyId, this.settings.refreshTokenLifetimeSeconds);
    const access = await this.mint('access', claims, familyId, this.settings.accessTokenLifetimeSeconds);
    await this.context.store?.createFamily({
      familyId,
      userId,
      currentHash: tokenHash(refresh),
      createdAt: Date.now(),
      expiresAt: Date.now() + this.settings.refreshTokenLifetimeSeconds * 1000,
      userAgent: session.userAgent,
      clientAddress: session.clientAddress,
    });
    this.context.emit({ type: 'token.issued', userId, familyId });
    return { refresh, access };
  }

  private async issueSliding(user: User, session: IssuerRequest): Promise<string> {
    const userId = this.userIdOf(user);
    const claims = await this.userClaims(user, userId);
    const jti = newTokenId();
    const refreshExp = nowSeconds() + this.settings.slidingTokenRefreshLifetimeSeconds;
    const token = await this.mint('sliding', claims, jti, this.settings.slidingTokenLifetimeSeconds, jti, { [this.settings.slidingTokenRefreshExpClaim]: refreshExp });
    await this.context.store?.createFamily({
      familyId: jti,
      userId,
      currentHash: tokenHash(token),
      createdAt: Date.now(),
      expiresAt: refreshExp * 1000,
      userAgent: session.userAgent,
      clientAddress: session.clientAddress,
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
    const info = this.info(request);
    const user = await this.context.users.authenticate(credentials, info);
    if (!this.settings.userAuthenticationRule(user)) {
      const masked = { ...credentials, password: MASKED_PASSWORD };
      const onFailure = this.context.onLoginFailure;
      if (onFailure !== undefined) await this.hook('onLoginFailure', () => onFailure(masked, info));
      this.context.emit({ type: 'login.failed', username: credentials[usernameField]! });
      return unauthorized(this.settings.realm, NO_ACTIVE_ACCOUNT);
    }
    const session = { userAgent: request.userAgent, clientAddress: request.clientAddress };
    const body = this.settings.tokenStyle === 'sliding' ? { token: await this.issueSliding(user!, request) } : await this.issuePair(user!, session);
    const onSuccess = this.context.onLoginSuccess;
    if (onSuccess !== undefined) await this.hook('onLoginSuccess', () => onSuccess(user!, info));
    return json(200, body);
  }

  private async tokenField(request: IssuerRequest, field: 'refresh' | 'token'): Promise<{ token: string } | IssuerResponse> {
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

  /** RFC 9700 §4.14.2: a spent token came back. Revoke its family (once) and refuse. */
  private async reuseDetected(record: FamilyRecord): Promise<IssuerResponse> {
    const { familyId, userId, generation } = record;
    this.context.emit({ type: 'refresh.reuse_detected', userId, familyId, generation });
    if (await this.context.store!.revokeFamily(familyId, 'reuse', Date.now())) this.context.emit({ type: 'family.revoked', userId, familyId, reason: 'reuse' });
    return this.fail(MESSAGES.blacklisted);
  }

  /** The grace window: the previous token, presented again in time, opens the same successor. */
  private graceSuccessor(record: FamilyRecord, token: string, hash: string): string | undefined {
    if (record.previousHash !== hash || record.sealedSuccessor === undefined || record.graceUntil === undefined || Date.now() > record.graceUntil) return undefined;
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

  /** `POST /api/token/refresh/`: a refresh token for an access token (and, rotating, a successor). */
  async refresh(request: IssuerRequest): Promise<IssuerResponse> {
    const field = await this.tokenField(request, 'refresh');
    if (!('token' in field)) return field;
    const { token } = field;
    const read = await this.readOwn(token, ['refresh']);
    if ('response' in read) return read.response;
    const { payload } = read;
    const familyId = payload.fam;
    const store = this.context.store;
    const hash = tokenHash(token);
    let record: FamilyRecord | undefined;
    if (store !== undefined) {
      record = await store.getFamily(familyId);
      if (record === undefined) return this.fail(MESSAGES.invalid);
      if (record.revokedAt !== undefined) return this.fail(MESSAGES.blacklisted);
      if (record.currentHash !== hash && this.graceSuccessor(record, token, hash) === undefined) return this.reuseDetected(record);
    }
    const user = await this.activeUser(payload);
    if (user === undefined) return unauthorized(this.settings.realm, NO_ACTIVE_ACCOUNT_FOR_TOKEN);
    const userId = this.userIdOf(user);
    // Fresh claims from the user, not copies from the refresh token (sj#705).
    const claims = await this.userClaims(user, userId);
    const access = await this.mint('access', claims, familyId, this.settings.accessTokenLifetimeSeconds);
    if (store === undefined || !this.settings.rotateRefreshTokens) {
      await store?.touch(familyId, Date.now());
      this.context.emit({ type: 'token.refreshed', userId, familyId, rotated: false, grace: false });
      return json(200, { access });
    }
    const grace = record!.currentHash === hash ? undefined : this.graceSuccessor(record!, token, hash);
    if (grace !== undefined) {
      this.context.emit({ type: 'token.refreshed', userId, familyId, rotated: true, grace: true });
      return json(200, { access, refresh: grace });
    }
    const successor = await this.mint('refresh', claims, familyId, this.settings.refreshTokenLifetimeSeconds);
    const now = Date.now();
    const graceMs = this.settings.reuseGraceSeconds * 1000;
    // The one atomic step: of many concurrent refreshes of one token, exactly one swaps.
    const outcome = await store.rotate(familyId, hash, {
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
        // Lost the race. Within a grace window the winner's successor is handed over; otherwise it is reuse.
        const same = this.graceSuccessor(outcome.record, token, hash);
        if (same === undefined) return this.reuseDetected(outcome.record);
        this.context.emit({ type: 'token.refreshed', userId, familyId, rotated: true, grace: true });
        return json(200, { access, refresh: same });
      }
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

  /** True when the token's family is revoked or its id denylisted. */
  async isRevoked(payload: JwtPayload): Promise<boolean> {
    const store = this.context.store;
    if (store === undefined) return false;
    const jti = payload[this.settings.jtiClaim];
    if (typeof jti === 'string' && (await store.isTokenDenied(jti))) return true;
    if (typeof payload.fam !== 'string') return false;
    const record = await store.getFamily(payload.fam);
    return record?.revokedAt !== undefined;
  }

  /** `POST /api/token/blacklist/`: log out the session of a refresh token (revokes its family). */
  async blacklist(request: IssuerRequest): Promise<IssuerResponse> {
    const field = await this.tokenField(request, 'refresh');
    if (!('token' in field)) return field;
    const read = await this.readOwn(field.token, ['refresh']);
    if ('response' in read) return read.response;
    const store = this.context.store!;
    const record = await store.getFamily(read.payload.fam);
    if (record === undefined) return this.fail(MESSAGES.invalid);
    if (record.revokedAt !== undefined) return this.fail(MESSAGES.blacklisted);
    if (record.currentHash !== tokenHash(field.token)) return this.reuseDetected(record);
    if (!(await store.revokeFamily(record.familyId, 'logout', Date.now()))) return this.fail(MESSAGES.blacklisted);
    this.context.emit({ type: 'family.revoked', userId: record.userId, familyId: record.familyId, reason: 'logout' });
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
    const token = await this.mint('sliding', claims, payload.fam, this.settings.slidingTokenLifetimeSeconds, jti, { [claim]: refreshExp });
    await this.context.store?.touch(payload.fam, Date.now());
    this.context.emit({ type: 'token.refreshed', userId, familyId: payload.fam, rotated: false, grace: false });
    return json(200, { token });
  }
}
