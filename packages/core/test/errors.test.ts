import { describe, expect, it } from 'vitest';
import { LATCHKEY_ERROR_CODES, LatchkeyError, bearerChallenge, isLatchkeyError } from '../src/index.js';
import { withRealm } from '../src/errors.js';

describe('LatchkeyError', () => {
  it('maps every code to 400, 401 or 403 with a matching challenge', () => {
    for (const code of LATCHKEY_ERROR_CODES) {
      const error = new LatchkeyError(code, 'something failed');
      expect([400, 401, 403]).toContain(error.status);
      expect(error.statusCode).toBe(error.status);
      expect(error.headers['WWW-Authenticate'].startsWith('Bearer')).toBe(true);
      expect(error.expose).toBe(true);
      expect(isLatchkeyError(error)).toBe(true);
    }
  });

  it('answers a missing token with a bare challenge and no error code (RFC 6750 §3.1)', () => {
    const error = new LatchkeyError('ERR_BEARER_MISSING', 'authentication is required');
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe('Bearer');
    expect(error.bearerError).toBeUndefined();
  });

  it('uses invalid_request (400), invalid_token (401) and insufficient_scope (403) with scope=', () => {
    expect(new LatchkeyError('ERR_BEARER_MALFORMED', 'bad header').headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_request", error_description="bad header"',
    );
    expect(new LatchkeyError('ERR_JWT_EXPIRED', 'the token has expired').headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_token", error_description="the token has expired"',
    );
    const scope = new LatchkeyError('ERR_SCOPE_INSUFFICIENT', 'the token lacks a required scope', { scope: 'read:items write:items' });
    expect(scope.status).toBe(403);
    expect(scope.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="the token lacks a required scope", scope="read:items write:items"',
    );
    expect(scope.toJSON()).toEqual({ error: 'insufficient_scope', error_description: 'the token lacks a required scope', scope: 'read:items write:items' });
  });

  it('makes up no error code when no credentials were sent (RFC 6750 §3.1): bare challenge, body without "error"', () => {
    const missing = new LatchkeyError('ERR_BEARER_MISSING', 'authentication is required');
    expect([missing.status, missing.headers['WWW-Authenticate']]).toEqual([401, 'Bearer']);
    expect(missing.toJSON()).toEqual({ error_description: 'authentication is required' });
    expect(JSON.stringify(missing)).toBe('{"error_description":"authentication is required"}');
  });

  it('never lets a quote, backslash or line break into the header', () => {
    const value = bearerChallenge({ realm: 'a"b\\c\r\nSet-Cookie: x', error: 'invalid_token', description: 'é"' });
    expect(value).not.toMatch(/[\r\n\\]/);
    expect(value).toBe(`Bearer realm="a'b'c''Set-Cookie: x", error="invalid_token", error_description="''"`);
  });

  it('is recognised without instanceof (duplicate installs, bundles)', () => {
    const foreign = { name: 'LatchkeyError', code: 'ERR_JWT_EXPIRED', message: 'x' };
    expect(isLatchkeyError(foreign)).toBe(true);
    expect(isLatchkeyError({ name: 'LatchkeyError', code: 'ERR_SOMETHING_ELSE' })).toBe(false);
    expect(isLatchkeyError(new Error('x'))).toBe(false);
    expect(isLatchkeyError(null)).toBe(false);
  });

  it('adds a realm without losing code, scope or claim', () => {
    const error = withRealm(new LatchkeyError('ERR_SCOPE_INSUFFICIENT', 'no', { scope: 'a' }), 'api');
    expect(error.code).toBe('ERR_SCOPE_INSUFFICIENT');
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="insufficient_scope", error_description="no", scope="a"');
    expect(new LatchkeyError('ERR_BEARER_MISSING', 'x', { realm: 'api' }).headers['WWW-Authenticate']).toBe('Bearer realm="api"');
  });
});
