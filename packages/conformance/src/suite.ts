/**
 * The adapter conformance suite: one set of HTTP cases that every framework adapter (Express, Koa, Fastify)
 * must pass, over real HTTP on 127.0.0.1, so the adapters cannot drift apart.
 *
 * Not a test file: an adapter's test calls {@link runConformanceSuite} with a harness that builds its app.
 * Every failure response is compared with a reference computed by the core itself (the same request
 * authenticator and rules the adapters wrap): status, the exact `WWW-Authenticate` value and the JSON body
 * must be equal. Every adapter equal to the reference means every adapter equal to every other.
 */
import { request as httpRequest } from 'node:http';
import type { ServerOptions as TlsServerOptions } from 'node:https';
import {
  claimCheck,
  claimEquals,
  claimIncludes,
  createVerifier,
  isLatchkeyError,
  remoteJwks,
  requireAnyScope,
  requireScopes,
  type LatchkeyError,
  type LatchkeyEvent,
  type Rule,
  type VerifiedToken,
  type Verifier,
} from '@latchkey/core';
import { checkedRules, createRequestAuthenticator, type RequestAuthOptions, type RequestReader } from '@latchkey/core/adapter';
import { createMockIdp, tamperToken, type MockIdp } from '@latchkey/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runApplicationFailureSuite } from './application-failures.js';
import { runSenderConstrainedSuite } from './sender-constrained.js';

/** Per-route authentication options (the verifier is shared by every route). */
export type ConformanceAuth = Pick<RequestAuthOptions, 'optional' | 'allowQueryToken' | 'allowBodyToken' | 'realm' | 'dpop' | 'mtls'>;

/**
 * A route every harness serves: `authenticate(verifier + auth)` (none when `auth` is `null`), then
 * `guard(...rules)` when there are rules, then {@link echo}. A `POST` route parses
 * `application/x-www-form-urlencoded` bodies before authentication, the framework's usual way (Express's
 * `urlencoded()`, else {@link parseForm}), and leaves other bodies to the framework's defaults.
 */
export interface ConformanceRoute {
  readonly path: string;
  /** Default `GET`. */
  readonly method?: 'GET' | 'POST';
  readonly auth: ConformanceAuth | null;
  readonly rules: readonly Rule[];
}

/** How a harness renders errors: through the adapter's `authErrorHandler()` (JSON), or the framework's default. */
export type Rendering = 'json' | 'native';

/** A started app. */
export interface ConformanceApp {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** What an adapter's test supplies. */
export interface AdapterHarness {
  /**
   * Starts an app (listening on 127.0.0.1, port 0) serving every route. One verifier serves them all. With
   * `tls`, an HTTPS server with these options (client certificates for the mutual-TLS cases).
   */
  start(options: { verifier: Verifier; routes: readonly ConformanceRoute[]; rendering: Rendering; tls?: TlsServerOptions }): Promise<ConformanceApp>;
  /** Asserts the framework's own error body (rendering `'native'`) for the error the core expects. */
  checkNativeBody(body: string, contentType: string | null, expected: LatchkeyError): void;
  /** The adapter's module (`import * as adapter from '@latchkey/<name>'`): its names are checked, and called for the start-up checks. */
  readonly adapter: AdapterExports;
}

/**
 * What every adapter exports under the same names, so code moves between frameworks unchanged. The types
 * `AuthenticateOptions` and `LatchkeyClaims` are pinned by each adapter's type tests.
 */
export interface AdapterExports {
  authenticate(options: never): unknown;
  guard(...rules: never[]): unknown;
  authErrorHandler(options?: never): unknown;
  /** The core's rule builders, re-exported unchanged (so `guard(requireScopes('x'))` works from any package). */
  readonly requireScopes: unknown;
  readonly requireAnyScope: unknown;
  readonly claimEquals: unknown;
  readonly claimIncludes: unknown;
  readonly claimCheck: unknown;
}

/**
 * The body of every successful response: the verified claims, or `anonymous` for `null`, the one value every
 * adapter uses for "no credentials on an optional route" (`undefined` would mean no authentication ran).
 */
export function echo(auth: VerifiedToken | null | undefined): { anonymous: boolean; payload: unknown } {
  if (auth === undefined) return { anonymous: false, payload: 'no authentication ran' };
  return auth === null ? { anonymous: true, payload: null } : { anonymous: false, payload: auth.payload };
}

/** The routes, identical for every adapter. */
export const CONFORMANCE_ROUTES: readonly ConformanceRoute[] = [
  { path: '/me', auth: {}, rules: [] },
  { path: '/optional', auth: { optional: true }, rules: [] },
  { path: '/optional/scoped', auth: { optional: true }, rules: [requireScopes('read:items')] },
  { path: '/scopes/all', auth: {}, rules: [requireScopes('read:items', 'write:items')] },
  { path: '/scopes/any', auth: {}, rules: [requireAnyScope('admin', 'read:items')] },
  { path: '/claims', auth: {}, rules: [claimEquals('org', 'acme'), requireScopes('read:items')] },
  { path: '/claims/includes', auth: {}, rules: [claimIncludes('roles', 'editor')] },
  { path: '/claims/check', auth: {}, rules: [claimCheck((payload) => payload.org === 'acme', 'the organisation is not acme', 'org')] },
  { path: '/claims/async', auth: {}, rules: [claimCheck(async (payload) => payload.email_verified === true, 'the e-mail address is not verified')] },
  { path: '/chain', auth: {}, rules: [requireScopes('read:items'), claimEquals('org', 'globex')] },
  { path: '/query', auth: { allowQueryToken: true }, rules: [] },
  { path: '/body', method: 'POST', auth: { allowBodyToken: true }, rules: [] },
  { path: '/body/off', method: 'POST', auth: {}, rules: [] },
  { path: '/realm', auth: { realm: 'conformance' }, rules: [requireScopes('admin')] },
  { path: '/unauthenticated', auth: null, rules: [requireScopes('read:items')] },
];

interface Sent {
  /** Authorization header value(s); an array sends the header once per value. */
  authorization?: string | string[];
  /** `access_token` query parameter. */
  query?: string;
  /** A request body: sent with `POST` and this content type. */
  body?: { contentType: string; text: string };
}

/**
 * An `application/x-www-form-urlencoded` body as body parsers hand it over: a repeated name becomes an
 * array (Express's `urlencoded()`, `querystring`, koa-bodyparser). For the harnesses whose framework has no
 * form parser of its own, and for the reference.
 */
export function parseForm(text: string): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = form[name];
    form[name] = seen === undefined ? value : [seen, value].flat();
  }
  return form;
}

interface Received {
  status: number;
  challenge: string | null;
  contentType: string | null;
  body: string;
}

async function send(app: ConformanceApp, path: string, sent: Sent): Promise<Received> {
  const url = new URL(path, app.url);
  if (sent.query !== undefined) url.searchParams.set('access_token', sent.query);
  if (Array.isArray(sent.authorization)) return sendRaw(url, sent.authorization);
  const headers: Record<string, string> = sent.authorization === undefined ? {} : { authorization: sent.authorization };
  if (sent.body !== undefined) headers['content-type'] = sent.body.contentType;
  const response = await fetch(url, sent.body === undefined ? { headers } : { method: 'POST', headers, body: sent.body.text });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    contentType: response.headers.get('content-type'),
    body: await response.text(),
  };
}

// fetch folds repeated headers into one line; node:http sends one line per value, as a broken client would.
function sendRaw(url: URL, authorization: string[]): Promise<Received> {
  return new Promise((resolve, reject) => {
    // Node sends an array value as one header line per item; its types only admit a string for this header.
    const headers: Record<string, string[]> = { authorization };
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const header = res.headers['www-authenticate'];
        resolve({ status: res.statusCode ?? 0, challenge: header ?? null, contentType: res.headers['content-type'] ?? null, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

// The reference reads the test's own description of the request.
const sentReader: RequestReader<Sent> = {
  rawHeaders: (sent) => [sent.authorization ?? []].flat().flatMap((value) => ['Authorization', value]),
  method: (sent) => (sent.body === undefined ? 'GET' : 'POST'),
  path: () => '/',
  query: (sent) => (sent.query === undefined ? {} : { access_token: sent.query }),
  // What every harness's parser makes of the body: a form is parsed, anything else is not a token carrier.
  body: (sent) => (sent.body?.contentType === FORM_TYPE ? parseForm(sent.body.text) : undefined),
  contentType: (sent) => sent.body?.contentType,
};

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** What the core itself answers for this request on this route: the reference every adapter must match. */
async function reference(verifier: Verifier, route: ConformanceRoute, sent: Sent): Promise<LatchkeyError | VerifiedToken | null> {
  const authenticator = createRequestAuthenticator({ verifier, ...route.auth }, sentReader);
  try {
    const auth = await authenticator.authenticate(sent);
    if (route.rules.length > 0) await authenticator.enforce(checkedRules(route.rules, 'reference'), auth, sent);
    return auth;
  } catch (error) {
    if (!isLatchkeyError(error)) throw error;
    return error;
  }
}

function routeAt(path: string): ConformanceRoute {
  const route = CONFORMANCE_ROUTES.find((candidate) => candidate.path === path);
  if (route === undefined) throw new Error(`no conformance route ${path}`);
  return route;
}

/**
 * Registers the conformance cases for one adapter, once per rendering. `name` labels the variant
 * (e.g. `'express 5'`).
 */
export function runConformanceSuite(name: string, harness: AdapterHarness): void {
  runSenderConstrainedSuite(name, harness);
  runApplicationFailureSuite(name, harness);
  describe.each(['json', 'native'] as const)(`${name} conformance (%s errors)`, (rendering) => {
    let idp: MockIdp;
    let verifier: Verifier;
    let app: ConformanceApp;
    const tokens: Record<string, string> = {};
    const events: LatchkeyEvent[] = [];
    beforeEach(() => {
      events.length = 0;
    });

    beforeAll(async () => {
      idp = await createMockIdp({ audience: 'https://api.conformance.test' });
      verifier = createVerifier({
        keys: remoteJwks(idp.jwksUri),
        algorithms: ['RS256'],
        issuer: idp.issuer,
        audience: 'https://api.conformance.test',
        onEvent: (event) => void events.push(event),
      });
      app = await harness.start({ verifier, routes: CONFORMANCE_ROUTES, rendering });
      const valid = await idp.sign({ sub: 'alice', scope: 'read:items write:items', org: 'acme', email_verified: true, roles: ['editor', 'viewer'] });
      Object.assign(tokens, {
        valid,
        readOnly: await idp.sign({ sub: 'bob', scope: 'read:items', org: 'acme', email_verified: false }),
        noScope: await idp.sign({ sub: 'carol', scope: 'profile', org: 'acme' }),
        otherOrg: await idp.sign({ sub: 'dave', scope: 'read:items', org: 'globex' }),
        expired: await idp.sign({ sub: 'alice' }, { ageSeconds: 3600 }),
        wrongAudience: await idp.sign({ sub: 'alice', aud: 'https://elsewhere.test' }),
        wrongIssuer: await idp.sign({ sub: 'alice', iss: 'https://impostor.test' }),
        badSignature: tamperToken(valid, { payload: { scope: 'admin' } }),
      });
    });
    afterAll(async () => {
      await app?.close();
      await idp?.close();
    });

    /** Sends the request, and checks the response against the core's own answer. */
    async function expectConformant(path: string, sent: Sent): Promise<Received> {
      const received = await send(app, path, sent);
      const expected = await reference(verifier, routeAt(path), sent);
      if (!isLatchkeyError(expected)) {
        expect(received.status, received.body).toBe(200);
        expect(JSON.parse(received.body)).toEqual(echo(expected));
        return received;
      }
      expect({ status: received.status, challenge: received.challenge }).toEqual({
        status: expected.status,
        challenge: expected.headers['WWW-Authenticate'],
      });
      for (const token of Object.values(tokens)) {
        expect(received.body).not.toContain(token);
        expect(received.challenge).not.toContain(token);
      }
      if (rendering === 'json') {
        expect(received.contentType).toMatch(/^application\/json/);
        expect(JSON.parse(received.body)).toEqual(expected.toJSON());
      } else {
        harness.checkNativeBody(received.body, received.contentType, expected);
      }
      return received;
    }

    it('answers 200 with the verified claims for a valid token', async () => {
      const { body } = await expectConformant('/me', { authorization: `Bearer ${tokens.valid}` });
      expect(JSON.parse(body)).toMatchObject({ anonymous: false, payload: { sub: 'alice', iss: idp.issuer, org: 'acme' } });
    });

    it('reads the scheme case-insensitively', async () => {
      expect((await expectConformant('/me', { authorization: `bearer ${tokens.valid}` })).status).toBe(200);
    });

    it.each([
      ['expired', 'expired'],
      ['for another audience', 'wrongAudience'],
      ['from an unknown issuer', 'wrongIssuer'],
      ['with a bad signature', 'badSignature'],
    ])('answers 401 invalid_token for a token %s', async (_what, which) => {
      const received = await expectConformant('/me', { authorization: `Bearer ${tokens[which]}` });
      expect(received.status).toBe(401);
      expect(received.challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
    });

    it('answers 401 with a bare challenge and no error code when no credentials are sent', async () => {
      const received = await expectConformant('/me', {});
      expect([received.status, received.challenge]).toEqual([401, 'Bearer']);
      // RFC 6750 §3.1: no error code when no credentials were sent, in the body either.
      if (rendering === 'json') expect(JSON.parse(received.body)).toEqual({ error_description: 'authentication is required' });
    });

    it('treats another scheme (Basic) as no credentials: 401, bare challenge', async () => {
      const received = await expectConformant('/me', { authorization: 'Basic YWxpY2U6c2VjcmV0' });
      expect([received.status, received.challenge]).toEqual([401, 'Bearer']);
    });

    it.each([
      ['Bearer without a token', 'Bearer'],
      ['two credentials in one header', 'Bearer abc.def.ghi second.token.here'],
      ['two credentials separated by a comma', 'Bearer abc.def.ghi,second.token.here'],
    ])('answers 400 invalid_request for %s', async (_what, authorization) => {
      const received = await expectConformant('/me', { authorization });
      expect(received.status).toBe(400);
      expect(received.challenge).toMatch(/^Bearer error="invalid_request"/);
      if (rendering === 'json') expect(JSON.parse(received.body).error).toBe('invalid_request');
    });

    it.each([
      ['characters RFC 6750 forbids', 'Bearer not@a#token'],
      ['an asterisk', 'Bearer abc*.def.ghi'],
      ['an exclamation mark', 'Bearer abc.def!.ghi'],
      ['"=" inside a segment', 'Bearer abc.d=ef.ghi'],
    ])('answers 401 invalid_token for a single credential with %s, like any malformed token', async (_what, authorization) => {
      const received = await expectConformant('/me', { authorization });
      expect(received.status).toBe(401);
      expect(received.challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
      if (rendering === 'json') expect(JSON.parse(received.body).error).toBe('invalid_token');
    });

    it('answers 400 invalid_request when the Authorization header is sent twice', async () => {
      const received = await expectConformant('/me', { authorization: [`Bearer ${tokens.valid}`, `Bearer ${tokens.readOnly}`] });
      expect(received.status).toBe(400);
      expect(received.challenge).toMatch(/^Bearer error="invalid_request"/);
    });

    it('ignores a query-string token by default', async () => {
      const received = await expectConformant('/me', { query: tokens.valid });
      expect([received.status, received.challenge]).toEqual([401, 'Bearer']);
    });

    it('accepts a query-string token where allowed, and refuses one sent in two ways (400)', async () => {
      expect((await expectConformant('/query', { query: tokens.valid })).status).toBe(200);
      const twice = await expectConformant('/query', { query: tokens.valid, authorization: `Bearer ${tokens.valid}` });
      expect(twice.status).toBe(400);
    });

    it('accepts a form-body token where allowed (RFC 6750 §2.2), and refuses one also sent in the header (400)', async () => {
      const form = (text: string) => ({ contentType: FORM_TYPE, text });
      const accepted = await expectConformant('/body', { body: form(`access_token=${tokens.valid}&note=x`) });
      expect(JSON.parse(accepted.body)).toMatchObject({ anonymous: false, payload: { sub: 'alice' } });
      expect((await expectConformant('/body', { body: form(`access_token=${tokens.expired}`) })).status).toBe(401);
      const twice = await expectConformant('/body', { body: form(`access_token=${tokens.valid}`), authorization: `Bearer ${tokens.valid}` });
      expect(twice.status).toBe(400);
      const repeated = await expectConformant('/body', { body: form(`access_token=${tokens.valid}&access_token=${tokens.readOnly}`) });
      expect(repeated.status).toBe(400);
      // The header alone still works on a body-token route.
      expect((await expectConformant('/body', { authorization: `Bearer ${tokens.valid}`, body: form('note=x') })).status).toBe(200);
    });

    it('takes no token from a body that is not form-encoded, nor from any body where not allowed', async () => {
      for (const [path, body] of [
        ['/body', { contentType: 'application/json', text: JSON.stringify({ access_token: tokens.valid }) }],
        ['/body', { contentType: 'text/plain', text: `access_token=${tokens.valid}` }],
        ['/body/off', { contentType: FORM_TYPE, text: `access_token=${tokens.valid}` }],
      ] as const) {
        const received = await expectConformant(path, { body });
        expect([path, received.status, received.challenge]).toEqual([path, 401, 'Bearer']);
      }
    });

    it('answers 403 insufficient_scope with the required scopes when one is missing (all-of)', async () => {
      expect((await expectConformant('/scopes/all', { authorization: `Bearer ${tokens.valid}` })).status).toBe(200);
      const received = await expectConformant('/scopes/all', { authorization: `Bearer ${tokens.readOnly}` });
      expect(received.status).toBe(403);
      expect(received.challenge).toMatch(/^Bearer error="insufficient_scope", error_description="[^"]+", scope="read:items write:items"$/);
      if (rendering === 'json') expect(JSON.parse(received.body)).toMatchObject({ error: 'insufficient_scope', scope: 'read:items write:items' });
    });

    it('lets any one of the scopes through (any-of), and answers 403 with none', async () => {
      expect((await expectConformant('/scopes/any', { authorization: `Bearer ${tokens.readOnly}` })).status).toBe(200);
      const received = await expectConformant('/scopes/any', { authorization: `Bearer ${tokens.noScope}` });
      expect(received.status).toBe(403);
      expect(received.challenge).toContain('scope="admin read:items"');
    });

    it('answers 403 when a claim guard refuses, synchronous or asynchronous', async () => {
      expect((await expectConformant('/claims', { authorization: `Bearer ${tokens.readOnly}` })).status).toBe(200);
      const received = await expectConformant('/claims', { authorization: `Bearer ${tokens.otherOrg}` });
      expect(received.status).toBe(403);
      expect(received.challenge).toMatch(/^Bearer error="insufficient_scope"/);
      expect((await expectConformant('/claims/async', { authorization: `Bearer ${tokens.valid}` })).status).toBe(200);
      expect((await expectConformant('/claims/async', { authorization: `Bearer ${tokens.readOnly}` })).status).toBe(403);
    });

    it('lets an optional route through anonymously without a token, and still refuses a bad one', async () => {
      const anonymous = await expectConformant('/optional', {});
      expect(JSON.parse(anonymous.body)).toEqual({ anonymous: true, payload: null });
      expect((await expectConformant('/optional', { authorization: `Bearer ${tokens.valid}` })).status).toBe(200);
      expect((await expectConformant('/optional', { authorization: `Bearer ${tokens.expired}` })).status).toBe(401);
      expect((await expectConformant('/optional', { authorization: 'Bearer' })).status).toBe(400);
    });

    it('answers 401 with a bare challenge when a guarded optional route is called anonymously', async () => {
      const received = await expectConformant('/optional/scoped', {});
      expect([received.status, received.challenge]).toEqual([401, 'Bearer']);
      expect((await expectConformant('/optional/scoped', { authorization: `Bearer ${tokens.readOnly}` })).status).toBe(200);
    });

    it('names the realm in every challenge, from authentication and from guards', async () => {
      expect((await expectConformant('/realm', {})).challenge).toBe('Bearer realm="conformance"');
      expect((await expectConformant('/realm', { authorization: `Bearer ${tokens.expired}` })).challenge).toMatch(
        /^Bearer realm="conformance", error="invalid_token"/,
      );
      expect((await expectConformant('/realm', { authorization: `Bearer ${tokens.valid}` })).challenge).toMatch(
        /^Bearer realm="conformance", error="insufficient_scope"/,
      );
    });
    it('runs every rule builder through guard(...): a satisfying token passes, another gets 403', async () => {
      for (const [path, passing, failing] of [
        ['/claims/includes', tokens.valid, tokens.readOnly],
        ['/claims/check', tokens.readOnly, tokens.otherOrg],
      ] as const) {
        expect((await expectConformant(path, { authorization: `Bearer ${passing}` })).status).toBe(200);
        const refused = await expectConformant(path, { authorization: `Bearer ${failing}` });
        expect(refused.status).toBe(403);
        expect(refused.challenge).toMatch(/^Bearer error="insufficient_scope"/);
      }
    });

    it('a chain of rules must all pass', async () => {
      expect((await expectConformant('/chain', { authorization: `Bearer ${tokens.readOnly}` })).status).toBe(403);
      expect((await expectConformant('/chain', { authorization: `Bearer ${tokens.otherOrg}` })).status).toBe(200);
    });

    it('fails closed (500, no challenge) when a guard runs where no authenticate did', async () => {
      const received = await send(app, '/unauthenticated', { authorization: `Bearer ${tokens.valid}` });
      expect([received.status, received.challenge]).toEqual([500, null]);
      expect(received.body).not.toContain(tokens.valid);
    });

    it('reports each refusal and success to onEvent with the request, never the token', async () => {
      await expectConformant('/me', {});
      await expectConformant('/me', { authorization: `Bearer ${tokens.expired}` });
      await expectConformant('/scopes/all', { authorization: `Bearer ${tokens.readOnly}` });
      await expectConformant('/me', { authorization: `Bearer ${tokens.valid}` });
      const seen = events.map((event) =>
        event.type === 'refused' ? [event.stage, event.code, event.request] : event.type === 'token-verified' ? ['verified', event.request] : [event.type],
      );
      expect(seen).toEqual(
        expect.arrayContaining([
          ['credentials', 'ERR_BEARER_MISSING', { method: 'GET', path: '/me' }],
          ['token', 'ERR_JWT_EXPIRED', { method: 'GET', path: '/me' }],
          ['guard', 'ERR_SCOPE_INSUFFICIENT', { method: 'GET', path: '/scopes/all' }],
          ['verified', { method: 'GET', path: '/me' }],
        ]),
      );
      const logged = JSON.stringify(events);
      for (const token of Object.values(tokens)) expect(logged).not.toContain(token.split('.')[2]);
    });

    it('exports the names every adapter shares, and re-exports the core rule builders unchanged', () => {
      const { authenticate, guard, authErrorHandler, ...rest } = harness.adapter;
      expect([authenticate, guard, authErrorHandler].map((value) => typeof value)).toEqual(['function', 'function', 'function']);
      const builders = { requireScopes, requireAnyScope, claimEquals, claimIncludes, claimCheck };
      for (const [name, builder] of Object.entries(builders)) expect(rest[name as keyof typeof rest], name).toBe(builder);
    });

    it('refuses at start-up what it does not know: unknown options (with a suggestion) and guards without rules', () => {
      expect(() => harness.adapter.authenticate({ verifier, optinal: true } as never)).toThrow(/unknown option "optinal" .*did you mean "optional"\?/);
      expect(() => harness.adapter.authenticate({ verifier, realm: 3 } as never)).toThrow(TypeError);
      expect(() => harness.adapter.authErrorHandler({ bodi: 'simplejwt' } as never)).toThrow(
        'latchkey: unknown option "bodi" in authErrorHandler options; did you mean "body"?',
      );
      expect(() => harness.adapter.guard()).toThrow(TypeError);
      expect(() => harness.adapter.guard('read:items' as never)).toThrow(/wrap scopes in requireScopes/);
      expect(() => harness.adapter.guard({ kind: 'scope', scopes: ['x'] } as never)).toThrow(TypeError);
    });
  });
}
