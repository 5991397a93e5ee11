/**
 * Wire parity with djangorestframework-simplejwt: one test per row of the endpoint table of
 * shared/reference/simplejwt.md §1.1, bodies compared as exact text, over real HTTP.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SECRET, decode, issuerPerTest, login, send, type Answer } from './helpers.js';

const start = issuerPerTest();
const CHALLENGE = 'Bearer realm="api"';

/** Signs any header and payload with the test secret: tokens the issuer would never mint. */
function forge(payload: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'refresh+jwt' }): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

const now = (): number => Math.floor(Date.now() / 1000);

function expectTokenError(answer: Answer, detail: string): void {
  expect(answer.status).toBe(401);
  expect(answer.text).toBe(JSON.stringify({ detail, code: 'token_not_valid' }));
  expect(answer.headers.get('www-authenticate')).toBe(CHALLENGE);
  expect(answer.headers.get('cache-control')).toBe('no-store');
}

describe('TokenObtainPairView: POST /api/token/', () => {
  it('200 {"refresh","access"} for JSON credentials, no-store, typed tokens with a string sub', async () => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body as object)).toEqual(['refresh', 'access']);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('pragma')).toBe('no-cache');
    expect(answer.headers.get('content-type')).toBe('application/json');
    const { access, refresh } = answer.body as { access: string; refresh: string };
    const a = decode(access);
    const r = decode(refresh);
    expect(a.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(r.header).toEqual({ alg: 'HS256', typ: 'refresh+jwt' });
    expect(a.payload).toMatchObject({ token_type: 'access', user_id: '1', sub: '1' });
    expect(r.payload).toMatchObject({ token_type: 'refresh', user_id: '1', sub: '1' });
    expect(a.payload.jti).toMatch(/^[0-9a-f]{32}$/);
    expect((a.payload.exp as number) - (a.payload.iat as number)).toBe(300);
    expect((r.payload.exp as number) - (r.payload.iat as number)).toBe(86_400);
    expect(a.payload.fam).toBe(r.payload.fam);
  });

  it('200 for form-encoded credentials too', async () => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' }, form: true });
    expect(answer.status).toBe(200);
  });

  it('400 {"username":[…],"password":[…]} when both fields are missing', async () => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/`, { body: {} });
    expect(answer.status).toBe(400);
    expect(answer.text).toBe('{"username":["This field is required."],"password":["This field is required."]}');
  });

  it('400 with DRF CharField messages for null, blank and non-string fields', async () => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/`, { body: { username: null, password: '   ' } });
    expect(answer.text).toBe('{"username":["This field may not be null."],"password":["This field may not be blank."]}');
    const wrongType = await send(`${url}/api/token/`, { body: { username: { $ne: '' }, password: ['x'] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.text).toBe('{"username":["Not a valid string."],"password":["Not a valid string."]}');
  });

  it.each([
    ['a wrong password', { username: 'alice', password: 'nope' }],
    ['an unknown user', { username: 'mallory', password: 'wonderland' }],
    ['an inactive user', { username: 'bob', password: 'builder' }],
  ])('401 {"detail":"No active account found with the given credentials"} for %s, with the challenge', async (_, credentials) => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/`, { body: credentials });
    expect(answer.status).toBe(401);
    expect(answer.text).toBe('{"detail":"No active account found with the given credentials"}');
    expect(answer.headers.get('www-authenticate')).toBe(CHALLENGE);
  });

  it('ignores a stale Authorization header on login (no authentication classes on token views)', async () => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' }, headers: { authorization: 'Bearer garbage' } });
    expect(answer.status).toBe(200);
  });
});

describe('TokenRefreshView: POST /api/token/refresh/', () => {
  it('200 {"access"} without rotation (simplejwt default), with fresh claims', async () => {
    let role = 'admin';
    const { url } = await start({ claims: () => ({ role }) });
    const { refresh } = await login(url);
    role = 'viewer';
    const answer = await send(`${url}/api/token/refresh/`, { body: { refresh } });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body as object)).toEqual(['access']);
    expect(decode((answer.body as { access: string }).access).payload.role).toBe('viewer');
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('200 {"access","refresh"} with rotateRefreshTokens', async () => {
    const { url } = await start({ rotateRefreshTokens: true });
    const { refresh } = await login(url);
    const answer = await send(`${url}/api/token/refresh/`, { body: { refresh } });
    expect(Object.keys(answer.body as object)).toEqual(['access', 'refresh']);
    const next = (answer.body as { refresh: string }).refresh;
    expect(next).not.toBe(refresh);
    expect(decode(next).payload.fam).toBe(decode(refresh).payload.fam);
  });

  it('400 {"refresh":["This field is required."]}', async () => {
    const { url } = await start();
    expect((await send(`${url}/api/token/refresh/`, { body: {} })).text).toBe('{"refresh":["This field is required."]}');
  });

  it('401 Token is invalid: bad signature, garbage, alg none', async () => {
    const { url } = await start();
    const { refresh } = await login(url);
    const [h, p] = refresh.split('.');
    for (const token of [`${h}.${p}.${'A'.repeat(43)}`, 'garbage', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`]) {
      expectTokenError(await send(`${url}/api/token/refresh/`, { body: { refresh: token } }), 'Token is invalid');
    }
  });

  it('401 Token is expired', async () => {
    const { url } = await start();
    const token = forge({ token_type: 'refresh', exp: now() - 10, iat: now() - 100, jti: 'a'.repeat(32), user_id: '1', sub: '1', fam: 'f' });
    expectTokenError(await send(`${url}/api/token/refresh/`, { body: { refresh: token } }), 'Token is expired');
  });

  it('401 Token has wrong type: an access token sent as refresh', async () => {
    const { url } = await start();
    const { access } = await login(url);
    expectTokenError(await send(`${url}/api/token/refresh/`, { body: { refresh: access } }), 'Token has wrong type');
  });

  it('401 Token has no type / Token has no id', async () => {
    const { url } = await start();
    const base = { exp: now() + 100, iat: now(), user_id: '1', sub: '1', fam: 'f' };
    expectTokenError(await send(`${url}/api/token/refresh/`, { body: { refresh: forge({ ...base, jti: 'b'.repeat(32) }) } }), 'Token has no type');
    expectTokenError(await send(`${url}/api/token/refresh/`, { body: { refresh: forge({ ...base, token_type: 'refresh' }) } }), 'Token has no id');
  });

  it('401 Token is blacklisted after a blacklist call', async () => {
    const { url } = await start();
    const { refresh } = await login(url);
    expect((await send(`${url}/api/token/blacklist/`, { body: { refresh } })).status).toBe(200);
    expectTokenError(await send(`${url}/api/token/refresh/`, { body: { refresh } }), 'Token is blacklisted');
  });

  it('401 {"detail":"No active account found for the given token."} for an inactive or deleted user', async () => {
    const { url, users } = await start();
    const { refresh } = await login(url);
    users.setActive('1', false);
    const inactive = await send(`${url}/api/token/refresh/`, { body: { refresh } });
    expect(inactive.status).toBe(401);
    expect(inactive.text).toBe('{"detail":"No active account found for the given token."}');
    expect(inactive.headers.get('www-authenticate')).toBe(CHALLENGE);
    users.remove('1');
    expect((await send(`${url}/api/token/refresh/`, { body: { refresh } })).text).toBe('{"detail":"No active account found for the given token."}');
  });
});

describe('TokenVerifyView: POST /api/token/verify/', () => {
  it('200 {} for an access token', async () => {
    const { url } = await start();
    const { access } = await login(url);
    const answer = await send(`${url}/api/token/verify/`, { body: { token: access } });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('{}');
  });

  it('400 {"token":["This field is required."]}', async () => {
    const { url } = await start();
    expect((await send(`${url}/api/token/verify/`, { body: {} })).text).toBe('{"token":["This field is required."]}');
  });

  it('401 Token is invalid / Token is expired', async () => {
    const { url } = await start();
    expectTokenError(await send(`${url}/api/token/verify/`, { body: { token: 'x.y.z' } }), 'Token is invalid');
    const expired = forge({ token_type: 'access', exp: now() - 5, jti: 'c'.repeat(32), sub: '1', fam: 'f' }, { alg: 'HS256', typ: 'at+jwt' });
    expectTokenError(await send(`${url}/api/token/verify/`, { body: { token: expired } }), 'Token is expired');
  });

  it('deviation: a refresh token does not verify (401 Token has wrong type), simplejwt says 200', async () => {
    const { url } = await start();
    const { refresh } = await login(url);
    expectTokenError(await send(`${url}/api/token/verify/`, { body: { token: refresh } }), 'Token has wrong type');
  });

  it('deviation: an access token of a blacklisted session never verifies (401, not 400 or 200)', async () => {
    const { url } = await start();
    const { access, refresh } = await login(url);
    await send(`${url}/api/token/blacklist/`, { body: { refresh } });
    expectTokenError(await send(`${url}/api/token/verify/`, { body: { token: access } }), 'Token is blacklisted');
  });
});

describe('TokenBlacklistView: POST /api/token/blacklist/', () => {
  it('200 {}, then 401 Token is blacklisted on a second call', async () => {
    const { url } = await start();
    const { refresh } = await login(url);
    const first = await send(`${url}/api/token/blacklist/`, { body: { refresh } });
    expect(first.status).toBe(200);
    expect(first.text).toBe('{}');
    expectTokenError(await send(`${url}/api/token/blacklist/`, { body: { refresh } }), 'Token is blacklisted');
  });

  it('400 {"refresh":["This field is required."]}', async () => {
    const { url } = await start();
    expect((await send(`${url}/api/token/blacklist/`, { body: {} })).text).toBe('{"refresh":["This field is required."]}');
  });

  it('401 Token has wrong type for an access token', async () => {
    const { url } = await start();
    const { access } = await login(url);
    expectTokenError(await send(`${url}/api/token/blacklist/`, { body: { refresh: access } }), 'Token has wrong type');
  });

  it('deviation: no store with a blacklist route is a start-up error, not a silent 200', async () => {
    await expect(start({ store: null })).rejects.toThrow(/"store" is null, so nothing can be blacklisted/);
    const { url } = await start({ store: null, paths: { blacklist: false } });
    const { refresh } = await login(url);
    expect((await send(`${url}/api/token/refresh/`, { body: { refresh } })).status).toBe(200);
    expect((await send(`${url}/api/token/blacklist/`, { body: { refresh } })).status).toBe(404);
  });
});

describe('sliding views (tokenStyle: "sliding")', () => {
  it('obtain: 200 {"token"} with refresh_exp', async () => {
    const { url } = await start({ tokenStyle: 'sliding' });
    const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } });
    expect(Object.keys(answer.body as object)).toEqual(['token']);
    const { header, payload } = decode((answer.body as { token: string }).token);
    expect(header.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ token_type: 'sliding', sub: '1' });
    expect((payload.refresh_exp as number) - (payload.iat as number)).toBe(86_400);
  });

  it('refresh: 200 {"token"} with the same jti and refresh_exp, a new exp', async () => {
    const { url } = await start({ tokenStyle: 'sliding', slidingTokenLifetimeSeconds: 100 });
    const token = ((await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } })).body as { token: string }).token;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const answer = await send(`${url}/api/token/refresh/`, { body: { token } });
    expect(answer.status).toBe(200);
    const before = decode(token).payload;
    const after = decode((answer.body as { token: string }).token).payload;
    expect(after.jti).toBe(before.jti);
    expect(after.refresh_exp).toBe(before.refresh_exp);
    expect(after.exp).toBeGreaterThan(before.exp as number);
    expect((await send(`${url}/api/token/verify/`, { body: { token: (answer.body as { token: string }).token } })).status).toBe(200);
  });

  it('refresh: 400 {"token":[…]}; 401 Token is expired; refresh_exp missing or past', async () => {
    const { url } = await start({ tokenStyle: 'sliding' });
    expect((await send(`${url}/api/token/refresh/`, { body: {} })).text).toBe('{"token":["This field is required."]}');
    const base = { token_type: 'sliding', iat: now(), jti: 'd'.repeat(32), user_id: '1', sub: '1', fam: 'd'.repeat(32) };
    const header = { alg: 'HS256', typ: 'at+jwt' };
    expectTokenError(
      await send(`${url}/api/token/refresh/`, { body: { token: forge({ ...base, exp: now() - 5, refresh_exp: now() + 100 }, header) } }),
      'Token is expired',
    );
    expectTokenError(
      await send(`${url}/api/token/refresh/`, { body: { token: forge({ ...base, exp: now() + 100 }, header) } }),
      "Token has no 'refresh_exp' claim",
    );
    expectTokenError(
      await send(`${url}/api/token/refresh/`, { body: { token: forge({ ...base, exp: now() + 100, refresh_exp: now() - 5 }, header) } }),
      "Token 'refresh_exp' claim has expired",
    );
  });
});

describe('shared behaviour of the token views', () => {
  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('405 {"detail":"Method \\"%s\\" not allowed."} with Allow: POST, OPTIONS', async (method) => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/refresh/`, { method });
    expect(answer.status).toBe(405);
    expect(answer.text).toBe(JSON.stringify({ detail: `Method "${method}" not allowed.` }));
    expect(answer.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('OPTIONS: 200 with Allow', async () => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/`, { method: 'OPTIONS' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('400 for a body that is not JSON; 400 for JSON that is not an object; never a 500', async () => {
    const { url } = await start();
    const notJson = await send(`${url}/api/token/`, { body: '{"username": "alice",', contentType: 'application/json' });
    expect(notJson.status).toBe(400);
    expect((notJson.body as { detail: string }).detail).toMatch(/^JSON parse error - /);
    expect((await send(`${url}/api/token/`, { body: '["alice"]', contentType: 'application/json' })).text).toBe(
      '{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}',
    );
    expect((await send(`${url}/api/token/`, { body: '"alice"', contentType: 'application/json' })).text).toBe(
      '{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}',
    );
    expect((await send(`${url}/api/token/`, { body: 'null', contentType: 'application/json' })).text).toBe('{"non_field_errors":["No data provided"]}');
  });

  it('400 for a body over maxBodyBytes, declared or streamed', async () => {
    const { url } = await start({ maxBodyBytes: 1024 });
    const big = JSON.stringify({ username: 'alice', password: 'x'.repeat(5000) });
    const answer = await send(`${url}/api/token/`, { body: big });
    expect(answer.status).toBe(400);
    expect(answer.text).toBe('{"detail":"Request body exceeded the size limit."}');
    // Chunked, so no Content-Length tells in advance.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await fetch(`${url}/api/token/`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(400);
  });

  it('415 for a media type DRF would not parse', async () => {
    const { url } = await start();
    const answer = await send(`${url}/api/token/`, { body: 'username=alice', contentType: 'text/plain' });
    expect(answer.status).toBe(415);
    expect(answer.text).toBe('{"detail":"Unsupported media type \\"text/plain\\" in request."}');
  });

  it('passes other paths on (404 from the framework)', async () => {
    const { url } = await start();
    expect((await send(`${url}/api/token`, {})).status).toBe(404);
    expect((await send(`${url}/.well-known/jwks.json`, { method: 'GET' })).status).toBe(404);
  });
});
