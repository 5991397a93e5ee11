/**
 * The OpenAPI document against the real endpoints on Express, Koa and Fastify: every documented response
 * of every endpoint is provoked over HTTP (success and each error status), and each real response —
 * status, headers, body — is validated against the document with ajv (JSON Schema 2020-12, OpenAPI 3.1's
 * dialect). The opt-in session routes are documented only when they are on, and checked the same way. The
 * document itself is checked against the official OpenAPI 3.1 schema, and the shipped `openapi.json` must
 * equal the document of the defaults.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/openapi.js';
import { DEFAULT_PATHS, SESSION_PATHS } from '../src/options.js';
import { StoreUnavailableError } from '../src/store/errors.js';
import { memoryStore } from '../src/store/memory.js';
import type { IssuerStore } from '../src/store/types.js';
import { MOUNT_NAMES, mountPerTest } from './frameworks.js';
import { send, testUsers, type Answer } from './helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SHIPPED = new URL('../openapi.json', import.meta.url);
const APP = 'https://app.example.com';
const pointer = (...parts: string[]) => parts.map((part) => `/${part.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

/** Validates real answers against one document and records which documented responses were seen. */
function contract(document: Json) {
  const ajv = new Ajv2020({ strictSchema: false, allErrors: true });
  // The session list's times: what `Date.prototype.toISOString` writes (ajv checks no format by itself).
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  ajv.addSchema({ ...document, $id: 'urn:latchkey:issuer' });
  const validate = (at: string, value: unknown): void => {
    const check = ajv.getSchema(`urn:latchkey:issuer#${at}`) ?? ajv.compile({ $ref: `urn:latchkey:issuer#${at}` });
    expect(check(value), `${at}: ${ajv.errorsText(check.errors)} for ${JSON.stringify(value)}`).toBe(true);
  };
  const seen = new Set<string>();
  return {
    seen,
    check(path: string, method: string, answer: Answer): void {
      const lower = method.toLowerCase();
      const response = document.paths[path]?.[lower]?.responses?.[String(answer.status)] as Json | undefined;
      expect(response, `${method} ${path} answered an undocumented ${answer.status}: ${answer.text}`).toBeDefined();
      seen.add(`${lower} ${path} ${answer.status}`);
      for (const [name, declared] of Object.entries((response!.headers ?? {}) as Json)) {
        const headerName = (declared.$ref as string).split('/').pop()!;
        const spec = document.components.headers[headerName] as Json;
        const value = name === 'Set-Cookie' ? answer.headers.getSetCookie()[0] : answer.headers.get(name);
        if (value === undefined || value === null) {
          expect(spec.required, `${method} ${path} ${answer.status} lacks the required ${name}`).not.toBe(true);
          continue;
        }
        validate(pointer('components', 'headers', headerName, 'schema'), value);
      }
      const content = response!.content as Json | undefined;
      if (content === undefined) {
        expect(answer.text, `${method} ${path} ${answer.status} has a body it does not document`).toBe('');
        return;
      }
      const type = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
      expect(Object.keys(content), `${method} ${path} ${answer.status} answered ${type}`).toContain(type);
      validate(pointer('paths', path, lower, 'responses', String(answer.status), 'content', type, 'schema'), JSON.parse(answer.text));
    },
  };
}

/** A memory store that can be switched to unreachable (503) or broken (500), and is unreachable for user 3's logins. */
function flakyStore(): { store: IssuerStore; fail: { mode: 'no' | 'unavailable' | 'broken' } } {
  const store = memoryStore();
  const fail: { mode: 'no' | 'unavailable' | 'broken' } = { mode: 'no' };
  const guard = (): void => {
    if (fail.mode === 'unavailable') throw new StoreUnavailableError('down');
    if (fail.mode === 'broken') throw new Error('disk full');
  };
  return {
    fail,
    store: {
      ...store,
      createFamily: async (family) => {
        if (family.userId === '3') throw new StoreUnavailableError('down');
        return store.createFamily(family);
      },
      getFamily: async (userId, id) => {
        guard();
        return store.getFamily(userId, id);
      },
      isTokenDenied: async (jti) => {
        guard();
        return store.isTokenDenied(jti);
      },
      getUserEpoch: async (userId) => {
        guard();
        return store.getUserEpoch(userId);
      },
      // Since sessions, a refresh makes every store check inside the one atomic rotate/touch call.
      rotate: async (...args: Parameters<IssuerStore['rotate']>) => {
        guard();
        return store.rotate(...args);
      },
      touch: async (...args: Parameters<IssuerStore['touch']>) => {
        guard();
        return store.touch(...args);
      },
    } as IssuerStore,
  };
}

/** Every documented `method path status` (of the paths `only` keeps) that the test never provoked. */
function unseenResponses(document: Json, seen: ReadonlySet<string>, only: (path: string) => boolean = () => true): string[] {
  return Object.entries(document.paths as Json)
    .filter(([path]) => only(path))
    .flatMap(([path, item]) =>
      Object.entries(item as Json).flatMap(([method, operation]) => Object.keys((operation as Json).responses).map((status) => `${method} ${path} ${status}`)),
    )
    .filter((entry) => !seen.has(entry));
}

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1, and the shipped openapi.json is the document of the defaults', async () => {
    const defaults = openApiDocument({ paths: DEFAULT_PATHS, tokenStyle: 'pair', usernameField: 'username', loginLimits: true, jwks: true });
    if (process.env.LATCHKEY_WRITE_OPENAPI === '1') writeFileSync(SHIPPED, `${JSON.stringify(defaults, null, 2)}\n`);
    expect(JSON.parse(readFileSync(SHIPPED, 'utf8'))).toEqual(defaults);
    for (const document of [
      defaults,
      openApiDocument({
        paths: DEFAULT_PATHS,
        tokenStyle: 'pair',
        usernameField: 'username',
        loginLimits: false,
        jwks: false,
        refreshCookie: { name: '__Host-r', csrfHeader: 'X-Latchkey-CSRF' },
      }),
      openApiDocument({
        paths: { ...DEFAULT_PATHS, ...SESSION_PATHS },
        tokenStyle: 'pair',
        usernameField: 'username',
        loginLimits: true,
        jwks: true,
        refreshCookie: { name: '__Host-r', csrfHeader: 'X-Latchkey-CSRF' },
      }),
    ]) {
      const result = await new Validator().validate(document);
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      expect(result.valid).toBe(true);
    }
  });
});

describe.each(MOUNT_NAMES)('OpenAPI document against the real endpoints on %s', (mount) => {
  const start = mountPerTest(mount);
  const sessionPaths = new Set<string>(Object.values(SESSION_PATHS) as string[]);

  it('matches every response of the real endpoints, each documented status provoked', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const base = await testUsers();
    const users = {
      authenticate: (credentials: Readonly<Record<string, string>>, request: never) => {
        if (credentials.username === 'explode') throw new Error('user table gone');
        if (credentials.username === 'carol') return { id: '3', username: 'carol' };
        return base.authenticate(credentials, request);
      },
      getUser: (id: string) => base.getUser(id),
    };
    const flaky = flakyStore();
    const { url, issuer } = await start({
      signingKey: privateKey,
      algorithm: 'EdDSA',
      users: users as never,
      rotateRefreshTokens: true,
      store: flaky.store,
      loginLimits: { perAccountAndAddress: { attempts: 2, windowSeconds: 60, blockSeconds: 60 } },
    });
    const document = issuer.openapi();
    expect(document).toEqual(JSON.parse(readFileSync(SHIPPED, 'utf8')));
    const { check, seen } = contract(document);
    const call = async (path: string, init: Parameters<typeof send>[1] = {}) => {
      const answer = await send(`${url}${path}`, init);
      check(path, init.method ?? 'POST', answer);
      return answer;
    };
    const { obtain, refresh } = DEFAULT_PATHS;
    const [verify, blacklist, jwks] = [DEFAULT_PATHS.verify, DEFAULT_PATHS.blacklist, DEFAULT_PATHS.jwks] as [string, string, string];
    const pair = (await call(obtain, { body: { username: 'alice', password: 'wonderland' } })).body as { access: string; refresh: string };
    const rotated = (await call(refresh, { body: { refresh: pair.refresh } })).body as { refresh: string };
    await call(verify, { body: { token: pair.access } });
    await call(blacklist, { body: { refresh: rotated.refresh } });
    for (const path of [obtain, refresh, verify, blacklist]) {
      await call(path, { body: {} }); // 400 fields
      await call(path, { body: 'not json', contentType: 'application/json' }); // 400 detail
      await call(path, { body: 'x', contentType: 'text/plain' }); // 415
      await call(path, { method: 'GET' }); // 405
      await call(path, { method: 'OPTIONS' }); // 200 metadata
      if (path !== obtain) await call(path, { body: { [path === verify ? 'token' : 'refresh']: 'a.b.c' } }); // 401 token_not_valid
    }
    await call(obtain, { body: { username: 'explode', password: 'x' } }); // 500
    await call(obtain, { body: { username: 'carol', password: 'x' } }); // 503
    await call(obtain, { body: { username: 'bob', password: 'wrong' } }); // 401
    await call(obtain, { body: { username: 'bob', password: 'wrong' } });
    await call(obtain, { body: { username: 'bob', password: 'wrong' } }); // 429
    const live = (await call(obtain, { body: { username: 'alice', password: 'wonderland' } })).body as { access: string; refresh: string };
    for (const mode of ['unavailable', 'broken'] as const) {
      flaky.fail.mode = mode; // 503, then 500, on each route that reads the store
      await call(refresh, { body: { refresh: live.refresh } });
      await call(verify, { body: { token: live.access } });
      await call(blacklist, { body: { refresh: live.refresh } });
    }
    flaky.fail.mode = 'no';
    await call(jwks, { method: 'GET' });
    await call(jwks, { method: 'HEAD' });
    await call(jwks, { method: 'OPTIONS' });
    await call(jwks, { method: 'POST' });

    expect(unseenResponses(document, seen)).toEqual([]);
  });

  it('describes cookie mode, and its real answers match', async () => {
    const { url, issuer } = await start({ rotateRefreshTokens: true, refreshCookie: { allowedOrigins: [APP] } });
    const document = issuer.openapi();
    expect(document.components).toMatchObject({
      securitySchemes: { refreshCookie: { in: 'cookie', name: '__Host-latchkey-refresh' }, csrfHeader: { in: 'header', name: 'X-Latchkey-CSRF' } },
    });
    const { check } = contract(document);
    const headers = { origin: APP, 'x-latchkey-csrf': '1' };
    const call = async (path: string, init: Parameters<typeof send>[1] = {}) => {
      const answer = await send(`${url}${path}`, init);
      check(path, init.method ?? 'POST', answer);
      return answer;
    };
    const login = await call(DEFAULT_PATHS.obtain, { body: { username: 'alice', password: 'wonderland' }, headers });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    await call(DEFAULT_PATHS.refresh, { headers: { ...headers, cookie } });
    await call(DEFAULT_PATHS.refresh, { headers: { ...headers, cookie } }); // spent: 401 and the cookie cleared
    await call(DEFAULT_PATHS.blacklist as string, { headers: { ...headers, cookie } });
    await call(DEFAULT_PATHS.refresh, { headers: { origin: 'https://evil.example', 'x-latchkey-csrf': '1', cookie } }); // 403
    await call(DEFAULT_PATHS.refresh, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST' } }); // 204
  });

  it('documents the session routes only when they are on, and every documented answer of theirs matches', async () => {
    expect(Object.keys((await start()).issuer.openapi().paths as Json).filter((path) => sessionPaths.has(path))).toEqual([]);
    const flaky = flakyStore();
    const { url, issuer } = await start({ rotateRefreshTokens: true, store: flaky.store, paths: { ...SESSION_PATHS } });
    const document = issuer.openapi();
    expect(Object.keys(document.paths as Json)).toEqual(expect.arrayContaining([...sessionPaths]));
    const { check, seen } = contract(document);
    const call = async (path: string, init: Parameters<typeof send>[1] = {}) => {
      const answer = await send(`${url}${path}`, init);
      check(path, init.method ?? 'POST', answer);
      return answer;
    };
    const { sessions, sessionRevoke, logoutAll } = SESSION_PATHS as { sessions: string; sessionRevoke: string; logoutAll: string };
    const login = async () =>
      (await call(DEFAULT_PATHS.obtain, { body: { username: 'alice', password: 'wonderland' } })).body as { access: string; refresh: string };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const [phone, laptop] = [await login(), await login()];

    const listed = await call(sessions, { method: 'GET', headers: bearer(laptop.access) }); // 200
    expect((listed.body as { sessions: unknown[] }).sessions).toHaveLength(2);
    const phoneSession = (listed.body as { sessions: Array<{ session: string; current: boolean }> }).sessions.find((one) => !one.current)!.session;
    await call(sessionRevoke, { body: { session: phoneSession }, headers: bearer(laptop.access) }); // 200
    await call(sessionRevoke, { body: { session: 'not-a-session-of-alice' }, headers: bearer(laptop.access) }); // 404
    await call(sessionRevoke, { body: {}, headers: bearer(laptop.access) }); // 400 fields
    await call(sessionRevoke, { body: 'not json', contentType: 'application/json', headers: bearer(laptop.access) }); // 400 detail
    await call(sessionRevoke, { body: 'x', contentType: 'text/plain', headers: bearer(laptop.access) }); // 415
    for (const [path, method] of [
      [sessions, 'GET'],
      [sessionRevoke, 'POST'],
      [logoutAll, 'POST'],
    ] as const) {
      const refused = [
        await call(path, { method }), // 401 no credentials
        await call(path, { method, headers: { authorization: 'Bearer' } }), // 401 bad_authorization_header
        await call(path, { method, headers: bearer(laptop.refresh) }), // 401 a refresh token is no access token
        await call(path, { method, headers: bearer(phone.access) }), // 401 its session was revoked
      ];
      expect(refused.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
      await call(path, { method: method === 'GET' ? 'POST' : 'GET' }); // 405
      await call(path, { method: 'OPTIONS' }); // 200 metadata
    }
    await call(logoutAll, { headers: bearer(laptop.access) }); // 200 {revoked}
    for (const mode of ['unavailable', 'broken'] as const) {
      const fresh = await login(); // a session no revocation check has cached yet
      flaky.fail.mode = mode; // 503, then 500: the store cannot say whether the token was revoked
      for (const [path, method] of [
        [sessions, 'GET'],
        [sessionRevoke, 'POST'],
        [logoutAll, 'POST'],
      ] as const)
        await call(path, { method, headers: bearer(fresh.access), ...(method === 'POST' ? { body: { session: 'x' } } : {}) });
      flaky.fail.mode = 'no';
    }
    expect(unseenResponses(document, seen, (path) => sessionPaths.has(path))).toEqual([]);
  });

  it('in cookie mode the session routes answer no CORS preflight (they send no CORS headers), DRF metadata instead', async () => {
    const { url, issuer } = await start({ rotateRefreshTokens: true, paths: { ...SESSION_PATHS }, refreshCookie: { allowedOrigins: [APP] } });
    const { check } = contract(issuer.openapi());
    for (const path of [SESSION_PATHS.sessionRevoke, SESSION_PATHS.logoutAll] as string[]) {
      const answer = await send(`${url}${path}`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST' } });
      check(path, 'OPTIONS', answer);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});
