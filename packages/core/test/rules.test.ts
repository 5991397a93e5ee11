import { describe, expect, it } from 'vitest';
import {
  claimCheck,
  claimEquals,
  claimIncludes,
  enforceRules,
  grantedScopes,
  requireAnyScope,
  requireScopes,
  type JwtPayload,
  type VerifiedToken,
} from '../src/index.js';

const auth = (payload: JwtPayload): VerifiedToken => ({ payload, header: { alg: 'RS256' }, token: 't' });

describe('scopes', () => {
  it('reads scope, scp and permissions', () => {
    expect([...grantedScopes({ scope: 'a b  c', scp: ['d'], permissions: ['e', 5 as never] })].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...grantedScopes({ scp: 'x y' })]).toEqual(['x', 'y']);
    expect(grantedScopes({}).size).toBe(0);
  });

  it('requireScopes is all-of, with exact matching', () => {
    expect(() => enforceRules([requireScopes('read:items', 'write:items')], auth({ scope: 'read:items write:items' }))).not.toThrow();
    expect(() => enforceRules([requireScopes('read:items')], auth({ scope: 'read:itemsX' }))).toThrow(
      expect.objectContaining({ code: 'ERR_SCOPE_INSUFFICIENT', status: 403, scope: 'read:items' }),
    );
    expect(() => enforceRules([requireScopes('a', 'b')], auth({ scope: 'a' }))).toThrow(expect.objectContaining({ scope: 'a b' }));
    expect(() => enforceRules([requireScopes('read')], auth({ permissions: ['read'] }))).not.toThrow();
    expect(() => enforceRules([requireScopes('read')], auth({ scp: ['read'] }))).not.toThrow();
  });

  it('requireAnyScope is any-of', () => {
    expect(() => enforceRules([requireAnyScope('admin', 'read')], auth({ scope: 'read' }))).not.toThrow();
    expect(() => enforceRules([requireAnyScope('admin', 'read')], auth({ scope: 'write' }))).toThrow(
      expect.objectContaining({ code: 'ERR_SCOPE_INSUFFICIENT', scope: 'admin read' }),
    );
  });

  it('validates its arguments at definition time', () => {
    expect(() => requireScopes()).toThrow(TypeError);
    expect(() => requireScopes(5 as never)).toThrow(TypeError);
    expect(requireScopes('a b', ['c']).scopes).toEqual(['a', 'b', 'c']);
  });
});

describe('own members only', () => {
  it('never takes a claim or a scope from Object.prototype', () => {
    expect(() => enforceRules([claimEquals('constructor', Object as never)], auth({}))).toThrow(expect.objectContaining({ code: 'ERR_CLAIM_CHECK_FAILED' }));
    expect(() => enforceRules([claimIncludes('toString', 'x')], auth({}))).toThrow(expect.objectContaining({ code: 'ERR_CLAIM_CHECK_FAILED' }));
    const polluted = Object.prototype as Record<string, unknown>;
    try {
      polluted.scope = 'admin';
      polluted.roles = ['admin'];
      expect(grantedScopes({}).size).toBe(0);
      expect(() => enforceRules([requireScopes('admin')], auth({}))).toThrow(expect.objectContaining({ code: 'ERR_SCOPE_INSUFFICIENT' }));
      expect(() => enforceRules([claimIncludes('roles', 'admin')], auth({}))).toThrow(expect.objectContaining({ code: 'ERR_CLAIM_CHECK_FAILED' }));
      expect(enforceRules([claimIncludes('roles', 'admin')], auth({ roles: ['admin'] }))).toBeUndefined();
    } finally {
      delete polluted.scope;
      delete polluted.roles;
    }
  });
});

describe('claim rules', () => {
  it('claimEquals compares strictly', () => {
    expect(() => enforceRules([claimEquals('org', 'acme')], auth({ org: 'acme' }))).not.toThrow();
    expect(() => enforceRules([claimEquals('org', 'acme')], auth({ org: ['acme'] }))).toThrow(
      expect.objectContaining({ code: 'ERR_CLAIM_CHECK_FAILED', status: 403, claim: 'org' }),
    );
  });

  it('claimIncludes reads arrays and space-delimited strings', () => {
    expect(() => enforceRules([claimIncludes('roles', 'editor', 'viewer')], auth({ roles: ['viewer', 'editor'] }))).not.toThrow();
    expect(() => enforceRules([claimIncludes('amr', 'mfa')], auth({ amr: 'pwd mfa' }))).not.toThrow();
    expect(() => enforceRules([claimIncludes('roles', 'admin')], auth({ roles: ['administrator'] }))).toThrow(expect.objectContaining({ claim: 'roles' }));
    expect(() => enforceRules([claimIncludes('roles', 'admin')], auth({}))).toThrow(expect.objectContaining({ code: 'ERR_CLAIM_CHECK_FAILED' }));
  });

  it('claimCheck supports async tests and says what failed', async () => {
    const rule = claimCheck(async (payload) => payload.email_verified === true, 'the e-mail address is not verified');
    await expect(enforceRules([rule], auth({ email_verified: true }))).resolves.toBeUndefined();
    await expect(enforceRules([rule], auth({}))).rejects.toMatchObject({ code: 'ERR_CLAIM_CHECK_FAILED', message: 'the e-mail address is not verified' });
  });

  it('runs rules after an async one and stops at the first failure', async () => {
    let after = 0;
    const rules = [
      claimCheck(async () => true),
      claimCheck(() => {
        after++;
        return false;
      }, 'second failed'),
    ];
    await expect(enforceRules(rules, auth({}))).rejects.toMatchObject({ message: 'second failed' });
    expect(after).toBe(1);
  });

  it('on the verifier, claim failures are 401 invalid_token', () => {
    expect(() => enforceRules([claimEquals('org', 'acme')], auth({}), 'verifier')).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_CLAIM_INVALID', status: 401 }),
    );
  });
});
