import { describe, expect, it } from 'vitest';
import { authErrorRenderer } from '../src/adapter.js';
import { LatchkeyError, simplejwtErrorResponse, type LatchkeyErrorCode } from '../src/index.js';

const given = (message: string) => ({
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
});

describe('simplejwtErrorResponse', () => {
  it.each([
    ['ERR_BEARER_MISSING', 'authentication is required', undefined, 401, { detail: 'Authentication credentials were not provided.' }],
    ['ERR_BEARER_MALFORMED', 'x', undefined, 401, { detail: 'Authorization header must contain two space-delimited values', code: 'bad_authorization_header' }],
    ['ERR_JWS_SIGNATURE_INVALID', 'x', undefined, 401, given('Token is invalid')],
    ['ERR_JWT_MALFORMED', 'x', undefined, 401, given('Token is invalid')],
    ['ERR_JWS_ALG_NOT_ALLOWED', 'x', undefined, 401, given('Token is invalid')],
    ['ERR_JWT_EXPIRED', 'the token has expired', 'exp', 401, given('Token is expired')],
    ['ERR_JWS_HEADER_INVALID', 'the token\'s "typ" is not accepted', undefined, 401, given('Token has wrong type')],
    ['ERR_JWT_CLAIM_INVALID', 'the "token_type" claim is missing', 'token_type', 401, given('Token has no type')],
    ['ERR_JWT_CLAIM_INVALID', 'the token is not an access token', 'token_type', 401, given('Token has wrong type')],
    ['ERR_JWT_CLAIM_INVALID', 'the "jti" claim is missing', 'jti', 401, given('Token has no id')],
    ['ERR_JWT_CLAIM_INVALID', 'the "exp" claim is missing', 'exp', 401, given("Token has no 'exp' claim")],
    [
      'ERR_JWT_CLAIM_INVALID',
      'the "sub" claim is missing',
      'sub',
      401,
      { detail: 'Token contained no recognizable user identification', code: 'token_not_valid' },
    ],
    ['ERR_JWT_REVOKED', 'the token has been revoked', undefined, 401, given('Token is blacklisted')],
    ['ERR_SCOPE_INSUFFICIENT', 'x', undefined, 403, { detail: 'You do not have permission to perform this action.' }],
    ['ERR_CLAIM_CHECK_FAILED', 'x', undefined, 403, { detail: 'You do not have permission to perform this action.' }],
  ] as Array<[LatchkeyErrorCode, string, string | undefined, number, unknown]>)('%s (%s) -> %i simplejwt body', (code, message, claim, status, body) => {
    const error = new LatchkeyError(code, message, { claim });
    const rendered = simplejwtErrorResponse(error);
    expect(rendered.status).toBe(status);
    expect(JSON.stringify(rendered.body)).toBe(JSON.stringify(body));
    // The RFC 6750 challenge stays in the header.
    expect(rendered.headers['WWW-Authenticate']).toBe(error.headers['WWW-Authenticate']);
  });
});

describe('authErrorRenderer', () => {
  it('renders RFC 6750 bodies by default and simplejwt ones when asked', () => {
    const error = new LatchkeyError('ERR_JWT_EXPIRED', 'the token has expired', { claim: 'exp' });
    expect(authErrorRenderer(undefined, 'x')(error)).toEqual({ status: 401, headers: error.headers, body: error.toJSON() });
    expect(authErrorRenderer({ body: 'simplejwt' }, 'x')(error).body).toEqual(given('Token is expired'));
  });

  it('refuses unknown options and profiles at start-up', () => {
    expect(() => authErrorRenderer({ bodi: 'simplejwt' } as never, 'authErrorHandler')).toThrow(
      /unknown option "bodi" in authErrorHandler options; did you mean "body"/,
    );
    expect(() => authErrorRenderer({ body: 'django' } as never, 'authErrorHandler')).toThrow(/"body" must be/);
  });
});
