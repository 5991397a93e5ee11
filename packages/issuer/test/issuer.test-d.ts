import { expectTypeOf, test } from 'vitest';
import type { VerifierOptions } from '@latchkey/core';
import { createIssuer, SESSION_PATHS, type Issuer, type SessionInfo, type TokenPair } from '../src/index.js';
import { issuerRoutes as expressRoutes } from '../src/express.js';
import { issuerRoutes as koaRoutes } from '../src/koa.js';

interface AppUser {
  id: number;
  email: string;
  scope: string;
}

const users = { authenticate: (): AppUser | null => null, getUser: (): AppUser | null => null };

test('the user type flows into claims, hooks and issueTokens', () => {
  const issuer = createIssuer<AppUser>({
    signingKey: 'x'.repeat(32),
    users,
    claims: (user) => {
      expectTypeOf(user).toEqualTypeOf<AppUser>();
      return { scope: user.scope };
    },
    onLoginSuccess: (user) => {
      expectTypeOf(user.email).toBeString();
    },
  });
  expectTypeOf(issuer).toEqualTypeOf<Issuer<AppUser>>();
  expectTypeOf(issuer.issueTokens).parameter(0).toEqualTypeOf<AppUser>();
  expectTypeOf(issuer.issueTokens).returns.resolves.toEqualTypeOf<TokenPair>();
  expressRoutes(issuer);
  koaRoutes(issuer);
});

test('unknown options and wrong types do not compile', () => {
  // @ts-expect-error -- a misspelt option
  createIssuer<AppUser>({ signingKey: 'x'.repeat(32), users, acessTokenLifetimeSeconds: 60 });
  // @ts-expect-error -- not a signing algorithm
  createIssuer<AppUser>({ signingKey: 'x'.repeat(32), users, algorithm: 'none' });
  // @ts-expect-error -- claims must return an object
  createIssuer<AppUser>({ signingKey: 'x'.repeat(32), users, claims: (user: AppUser) => user.scope });
});

test('the session API: revocation check for createVerifier, sessions by user id, the session paths', () => {
  const issuer = createIssuer<AppUser>({ signingKey: 'x'.repeat(32), users, paths: { ...SESSION_PATHS } });
  expectTypeOf(issuer.revocationCheck().isRevoked).toMatchTypeOf<NonNullable<VerifierOptions['isRevoked']>>();
  expectTypeOf(issuer.listSessions).returns.resolves.toEqualTypeOf<SessionInfo[]>();
  expectTypeOf(issuer.revokeSession).returns.resolves.toBeBoolean();
  expectTypeOf(issuer.revokeUser).returns.resolves.toBeNumber();
  // @ts-expect-error -- a misspelt cache option
  issuer.revocationCheck({ cacheTtl: 5 });
  // @ts-expect-error -- sessions are addressed by the user id string (the tokens' sub)
  void issuer.listSessions(1);
});
