import { describe, expect, it } from 'vitest';
import { createIssuer } from '../src/issuer.js';
import { parseKeyRing } from '../src/keyring/ring-file.js';
import { DEFAULT_PATHS, resolveIssuerOptions, type IssuerOptions } from '../src/options.js';
import { createMemoryUsers } from '../src/users/memory-users.js';
import { hashPassword } from '../src/users/password-hash.js';
import { SECRET, testUsers } from './helpers.js';

const users = { authenticate: () => null, getUser: () => null };
const base = { signingKey: SECRET, users };
const resolve = (extra: Record<string, unknown>) => resolveIssuerOptions({ ...base, ...extra } as IssuerOptions);

describe('issuer options', () => {
  it("default to simplejwt's settings", () => {
    expect(resolve({})).toMatchObject({
      algorithm: 'HS256',
      accessTokenLifetimeSeconds: 300,
      refreshTokenLifetimeSeconds: 86_400,
      slidingTokenLifetimeSeconds: 300,
      slidingTokenRefreshLifetimeSeconds: 86_400,
      rotateRefreshTokens: false,
      reuseGraceSeconds: 0,
      leewaySeconds: 0,
      userIdField: 'id',
      userIdClaim: 'user_id',
      usernameField: 'username',
      tokenTypeClaim: 'token_type',
      jtiClaim: 'jti',
      slidingTokenRefreshExpClaim: 'refresh_exp',
      tokenStyle: 'pair',
      realm: 'api',
      paths: DEFAULT_PATHS,
      maxBodyBytes: 16 * 1024,
    });
  });

  it.each([
    [{ acessTokenLifetimeSeconds: 60 }, /unknown option "acessTokenLifetimeSeconds".*did you mean "accessTokenLifetimeSeconds"/],
    [{ ROTATE_REFRESH_TOKENS: true }, /unknown option "ROTATE_REFRESH_TOKENS".*did you mean "rotateRefreshTokens"/],
    [{ ACCESS_TOKEN_LIFETIME: 300 }, /unknown option "ACCESS_TOKEN_LIFETIME".*did you mean "accessTokenLifetimeSeconds"/],
    [{ paths: { obtian: '/login/' } }, /unknown option "obtian".*paths.*did you mean "obtain"|paths.*unknown option "obtian".*did you mean "obtain"/],
  ])('refuse unknown keys with a suggestion: %o', (extra, message) => {
    expect(() => resolve(extra)).toThrow(message);
  });

  it.each([
    ['signingKey', { signingKey: undefined }, /"signingKey" is required/],
    ['users', { users: {} }, /"users" must have authenticate/],
    ['accessTokenLifetimeSeconds', { accessTokenLifetimeSeconds: 0 }, /"accessTokenLifetimeSeconds" must be a whole number/],
    ['leewaySeconds', { leewaySeconds: -1 }, /"leewaySeconds"/],
    ['reuseGraceSeconds without rotation', { reuseGraceSeconds: 5 }, /needs rotateRefreshTokens/],
    ['reuseGraceSeconds too long', { reuseGraceSeconds: 3600, rotateRefreshTokens: true }, /at most 60/],
    ['audience', { audience: [] }, /"audience"/],
    ['tokenStyle', { tokenStyle: 'both' }, /"tokenStyle"/],
    ['realm', { realm: 'a"b' }, /"realm"/],
    ['userIdClaim', { userIdClaim: 'sub' }, /cannot be the registered claim "sub"/],
    ['paths', { paths: { refresh: false } }, /"paths.refresh" cannot be turned off/],
    ['paths collide', { paths: { verify: '/api/token/' } }, /repeats the path/],
    ['claims', { claims: 'role' }, /"claims" must be a function/],
    ['refreshCookie without origins', { refreshCookie: {} }, /"refreshCookie.allowedOrigins" is required/],
    [
      'refreshCookie origin with a path',
      { refreshCookie: { allowedOrigins: ['https://app.example.com/login'] } },
      /give the bare origin \(https:\/\/app.example.com\)/,
    ],
    ['refreshCookie origin that is no URL', { refreshCookie: { allowedOrigins: ['app.example.com'] } }, /not an origin/],
    [
      'refreshCookie without a prefix',
      { refreshCookie: { allowedOrigins: ['https://a.example'], name: 'refresh' } },
      /must start with "__Host-" or "__Secure-"/,
    ],
    [
      'a __Host- cookie with a path',
      { refreshCookie: { allowedOrigins: ['https://a.example'], path: '/api/token/' } },
      /must be "\/" for a "__Host-" cookie.*"__Secure-"/,
    ],
    [
      'a cookie path that misses the routes',
      { refreshCookie: { allowedOrigins: ['https://a.example'], name: '__Secure-r', path: '/api/token/refresh/' } },
      /does not cover \/api\/token\/blacklist\//,
    ],
    ['a safelisted CSRF header', { refreshCookie: { allowedOrigins: ['https://a.example'], csrfHeader: 'Content-Type' } }, /CORS-safelisted/],
    ['refreshCookie sameSite', { refreshCookie: { allowedOrigins: ['https://a.example'], sameSite: 'strict' } }, /"refreshCookie.sameSite"/],
    ['refreshCookie unknown key', { refreshCookie: { allowedOrigins: ['https://a.example'], domain: 'example.com' } }, /unknown option "domain"/],
    ['loginLimits unknown key', { loginLimits: { perIp: false } }, /unknown option "perIp"/],
    ['loginLimits limit unknown key', { loginLimits: { perAddress: { attempts: 5, window: 60 } } }, /unknown option "window".*did you mean "windowSeconds"/],
    ['loginLimits attempts', { loginLimits: { perAccountAndAddress: { attempts: 0 } } }, /"loginLimits.perAccountAndAddress.attempts" must be a whole number/],
    ['loginLimits store', { loginLimits: { store: {} } }, /"loginLimits.store" must have create/],
    ['refreshCookie with sliding tokens', { tokenStyle: 'sliding', refreshCookie: { allowedOrigins: ['https://a.example'] } }, /needs tokenStyle "pair"/],
  ])('validate %s at start-up', (_, extra, message) => {
    expect(() => resolve(extra)).toThrow(message);
  });

  it('refuse unknown keys in every options object the package takes, so a typo never switches a check off', async () => {
    const issuer = createIssuer({ signingKey: SECRET, users: await testUsers() });
    expect(() => issuer.verifier({ checkRevocaton: true } as never)).toThrow(/unknown option "checkRevocaton".*did you mean "checkRevocation"/);
    expect(() => parseKeyRing({ keys: [] }, { basedir: '/keys' } as never)).toThrow(/unknown option "basedir".*did you mean "baseDir"/);
    await expect(hashPassword('pw', { N: 2 ** 10, r: 8, p: 1, keylen: 64 } as never)).rejects.toThrow(/unknown option "keylen" in scrypt cost/);
    await expect(createMemoryUsers([], { cost: { N: 2 ** 10, r: 8, p: 1, maxmem: 1 } as never })).rejects.toThrow(/unknown option "maxmem"/);
  });

  it('refuse a store that is not an IssuerStore, and rotation without a store', async () => {
    const real = await testUsers();
    expect(() => createIssuer({ signingKey: SECRET, users: real, store: {} as never })).toThrow(/IssuerStore interface/);
    expect(() => createIssuer({ signingKey: SECRET, users: real, store: null, rotateRefreshTokens: true, paths: { blacklist: false } })).toThrow(
      /needs a store/,
    );
  });
});
