import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlCommands, runTour, startDemo, type Demo, type TourStep } from '../src/demo.js';
import { formatIssuerTour, runIssuerTour, startIssuerDemo, type IssuerDemo, type IssuerStep } from '../src/issuer-tour.js';

describe('the demo, in process', () => {
  let demo: Demo;
  let steps: TourStep[];

  beforeAll(async () => {
    demo = await startDemo({ port: 0 });
    steps = await runTour(demo);
  });

  afterAll(async () => {
    await demo?.close();
  });

  it('binds everything to 127.0.0.1', () => {
    expect(demo.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.provider.tokenEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/token$/);
  });

  it('gets the expected status for every request of the tour', () => {
    expect(steps.map((step) => step.status)).toEqual([200, 201, 403, 401, 401, 400, 200]);
    expect(steps.map((step) => step.status)).toEqual(steps.map((step) => step.expectedStatus));
  });

  it('answers with RFC 6750 challenges', () => {
    const [, , noScope, expired, missing, malformed] = steps as [TourStep, TourStep, TourStep, TourStep, TourStep, TourStep];
    expect(noScope.wwwAuthenticate).toMatch(/^Bearer error="insufficient_scope", .*scope="write:items"$/);
    expect(JSON.parse(noScope.responseBody)).toMatchObject({ error: 'insufficient_scope', scope: 'write:items' });
    expect(expired.wwwAuthenticate).toMatch(/^Bearer error="invalid_token"/);
    expect(JSON.parse(expired.responseBody)).toMatchObject({ error: 'invalid_token' });
    expect(missing.wwwAuthenticate).toBe('Bearer');
    expect(malformed.wwwAuthenticate).toMatch(/^Bearer error="invalid_request"/);
    expect(JSON.parse(steps[6]!.responseBody)).toEqual({ authenticated: false });
  });

  it('issues working tokens at the token endpoint, for the right password only', async () => {
    const post = (form: Record<string, string>): Promise<Response> =>
      fetch(demo.provider.tokenEndpoint, { method: 'POST', body: new URLSearchParams(form), signal: AbortSignal.timeout(5_000) });
    const granted = await post({ grant_type: 'password', username: 'bob', password: 'builder' });
    expect(granted.status).toBe(200);
    const { access_token: token, scope } = (await granted.json()) as { access_token: string; scope: string };
    expect(scope).toBe('read:items');
    const items = await fetch(`${demo.apiUrl}/items`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
    expect(items.status).toBe(200);

    expect((await post({ grant_type: 'password', username: 'bob', password: 'wrong' })).status).toBe(400);
    expect((await post({ grant_type: 'client_credentials' })).status).toBe(400);
  });

  it('publishes the token endpoint through discovery', async () => {
    const res = await fetch(`${demo.provider.issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
    expect(await res.json()).toMatchObject({ issuer: demo.provider.issuer, token_endpoint: demo.provider.tokenEndpoint });
  });

  it('prints curl commands whose tokens work', async () => {
    const text = await curlCommands(demo);
    const alice = /ALICE='([^']+)'/.exec(text)?.[1];
    expect(alice).toBeDefined();
    expect(text).toContain(`curl -i -H "Authorization: Bearer $ALICE" ${demo.apiUrl}/items`);
    const res = await fetch(`${demo.apiUrl}/items`, { headers: { authorization: `Bearer ${alice}` }, signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
  });
});

describe('pnpm start in CI (the --once mode)', () => {
  it('prints the tour and the curl commands, then exits 0', async () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd,
      env: { ...process.env, CI: '1', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (...result) => resolve(result)));
    clearTimeout(timer);
    expect({ code, signal }, output).toEqual({ code: 0, signal: null });
    for (const status of ['→ 200 OK', '→ 201 Created', '→ 403 Forbidden', '→ 401 Unauthorized', '→ 400 Bad Request']) expect(output).toContain(status);
    expect(output).toContain('WWW-Authenticate: Bearer error="insufficient_scope"');
    expect(output).toMatch(/WWW-Authenticate: Bearer\n/);
    expect(output).toMatch(/curl -i -H "Authorization: Bearer \$ALICE" http:\/\/127\.0\.0\.1:\d+\/items/);
    expect(output).toContain('reuse_detected');
    expect(output).not.toContain('✗');
  });
});

describe('the issuer half of the demo', () => {
  let demo: IssuerDemo;
  let steps: IssuerStep[];

  beforeAll(async () => {
    demo = await startIssuerDemo();
    steps = await runIssuerTour(demo);
  });

  afterAll(async () => {
    await demo?.close();
  });

  it('tells the story: login, API, refresh, replay revokes the family, blacklist', () => {
    expect(steps.map((step) => step.status)).toEqual([401, 200, 200, 401, 200, 200, 401, 401, 200, 200, 401, 200]);
    expect(steps.map((step) => step.status)).toEqual(steps.map((step) => step.expectedStatus));
    expect(JSON.parse(steps[0]!.responseBody)).toEqual({ detail: 'No active account found with the given credentials' });
    expect(JSON.parse(steps[6]!.responseBody)).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' });
    expect(steps[0]!.wwwAuthenticate).toBe('Bearer realm="api"');
    expect(demo.events.map((event) => event.type)).toContain('refresh.reuse_detected');
  });

  it('formats every step', () => {
    const text = formatIssuerTour(steps);
    expect(text).toContain('Replay the old refresh token');
    expect(text).not.toContain('✗');
  });
});
