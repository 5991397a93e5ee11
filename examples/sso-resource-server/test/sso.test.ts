import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createMockIdp, type MockIdp } from '@latchkey/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, createSsoVerifier } from '../src/server.js';
import { rotationTour } from '../src/tour.js';

const audience = 'https://reports.example.test';
const cooldownMs = 300;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('in process: two trusted issuers found by discovery', () => {
  let acme: MockIdp;
  let globex: MockIdp;
  let outsider: MockIdp;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    [acme, globex, outsider] = await Promise.all([
      createMockIdp({ audience }),
      createMockIdp({ audience, algorithms: ['ES256'] }),
      createMockIdp({ audience }),
    ]);
    const verifier = createSsoVerifier({ issuers: [acme.issuer, globex.issuer], audience, cooldownMs });
    server = createResourceServer(verifier).listen(0, '127.0.0.1');
    url = await listen(server);
  });

  afterAll(async () => {
    await close(server);
    await Promise.all([acme?.close(), globex?.close(), outsider?.close()]);
  });

  const get = (path: string, token?: string): Promise<Response> =>
    fetch(`${url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });

  it('accepts tokens of either issuer, each checked against its own keys', async () => {
    const fromAcme = await get('/profile', await acme.sign({ sub: 'alice' }));
    expect(fromAcme.status).toBe(200);
    expect(await fromAcme.json()).toMatchObject({ issuer: acme.issuer, sub: 'alice' });
    const fromGlobex = await get('/reports', await globex.sign({ sub: 'gina', scope: 'read:reports' }));
    expect(fromGlobex.status).toBe(200);
    expect(acme.stats.discoveryRequests).toBe(1);
    expect(globex.stats.discoveryRequests).toBe(1);
  });

  it('refuses an untrusted issuer without ever asking it for keys', async () => {
    const res = await get('/profile', await outsider.sign());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="reports", error="invalid_token"/);
    expect(outsider.stats).toEqual({ discoveryRequests: 0, jwksRequests: 0, otherRequests: 0 });
  });

  it('answers 403 insufficient_scope and 401 with a bare challenge', async () => {
    const noScope = await get('/reports', await acme.sign({ scope: 'openid' }));
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    const anonymous = await get('/reports');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="reports"');
  });

  it('follows a key rotation: new keys on first use, withdrawn keys refused', async () => {
    const checks = await rotationTour(acme, url, { cooldownMs });
    expect(checks.map(({ label, status }) => ({ label, status }))).toEqual(checks.map(({ label, expected }) => ({ label, status: expected })));
    expect(checks).toHaveLength(6);
  });
});

describe('as processes: `pnpm run idp` and `ISSUERS=... pnpm start`', () => {
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const children: ChildProcessWithoutNullStreams[] = [];

  interface Started {
    child: ChildProcessWithoutNullStreams;
    output: () => string;
  }

  function start(script: string, env: Record<string, string>): Started {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd, env: { ...process.env, ...env, CI: '1' } });
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  async function waitFor({ child, output }: Started, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = output().match(pattern);
      if (match !== null) return match;
      if (child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) before printing ${pattern}:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  });

  it("discovers the other process's keys and picks up its rotation", async () => {
    const idp = start('src/idp.ts', { AUDIENCE: audience });
    const issuer = (await waitFor(idp, /issuer: (\S+)/))[1]!;
    const firstToken = (await waitFor(idp, /token \(kid \S+\): (\S+)/))[1]!;

    const api = start('src/main.ts', { ISSUERS: issuer, AUDIENCE: audience, PORT: '0', HOST: '127.0.0.1', JWKS_COOLDOWN_MS: String(cooldownMs) });
    const url = (await waitFor(api, /listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const get = (token: string): Promise<Response> =>
      fetch(`${url}/reports`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });

    expect((await get(firstToken)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, cooldownMs + 100));
    idp.child.stdin.write('\n'); // rotate
    const tokens = [...(await waitFor(idp, /token \(kid \S+\): \S+[\s\S]*token \(kid \S+\): (\S+)/))];
    const rotatedToken = tokens[1]!;
    expect(rotatedToken).not.toBe(firstToken);
    expect((await get(rotatedToken)).status).toBe(200);
    expect((await get(firstToken)).status).toBe(200);
    expect(api.output()).toMatch(/unknown kid \S+: refetching the JWKS/);
  });
});
