import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMockIdp, type MockIdp } from '@latchkey/testing';

/** A user of the demo: in memory, with the scopes their tokens carry. */
export interface DemoUser {
  username: string;
  password: string;
  scope: string;
}

export const USERS: readonly DemoUser[] = [
  { username: 'alice', password: 'wonderland', scope: 'read:items write:items' },
  { username: 'bob', password: 'builder', scope: 'read:items' },
];

/** Lifetime of the tokens the demo hands out. */
export const TOKEN_LIFETIME_SECONDS = 3600;

export interface IdentityProvider {
  /** The `iss` of its tokens; OpenID Connect discovery at `${issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** Where users trade their name and password for a token (`POST`, form-encoded). */
  readonly tokenEndpoint: string;
  /** The keys and signing machinery (the mock provider of @latchkey/testing). */
  readonly idp: MockIdp;
  /** Issues a token for a user, as the token endpoint would. */
  issueToken(username: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A local identity provider: generated keys, published through OpenID Connect discovery and a JWKS (the
 * mock provider of @latchkey/testing), and a token endpoint for the in-memory users. The token endpoint
 * takes the resource owner password grant because it fits in a curl command; it is for this demo only
 * (OAuth 2.1 drops that grant; real clients use the authorization code flow).
 */
export async function startIdentityProvider({ audience }: { audience: string }): Promise<IdentityProvider> {
  const idp = await createMockIdp({ audience, expiresInSeconds: TOKEN_LIFETIME_SECONDS });

  async function issueToken(username: string): Promise<string> {
    const user = USERS.find((candidate) => candidate.username === username);
    if (user === undefined) throw new Error(`no such user: ${username}`);
    return idp.sign({ sub: user.username, scope: user.scope });
  }

  const tokenServer = createServer((req, res) => {
    handleToken(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });
  async function handleToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url !== '/token') return send(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request', error_description: 'use POST' });
    const form = new URLSearchParams(await readBody(req, 4096));
    if (form.get('grant_type') !== 'password') {
      return send(res, 400, { error: 'unsupported_grant_type', error_description: 'this demo supports grant_type=password' });
    }
    const user = USERS.find((candidate) => candidate.username === form.get('username'));
    if (user === undefined || user.password !== form.get('password')) {
      return send(res, 400, { error: 'invalid_grant', error_description: 'unknown user or wrong password' });
    }
    send(res, 200, { access_token: await issueToken(user.username), token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope: user.scope });
  }
  await new Promise<void>((resolve, reject) => tokenServer.listen(0, '127.0.0.1', resolve).once('error', reject));
  const tokenEndpoint = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  // Tell the world through discovery where the token endpoint is.
  idp.metadata = { token_endpoint: tokenEndpoint, grant_types_supported: ['password'], scopes_supported: ['read:items', 'write:items'] };

  return {
    issuer: idp.issuer,
    tokenEndpoint,
    idp,
    issueToken,
    async close() {
      await Promise.all([closeServer(tokenServer), idp.close()]);
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  let body = '';
  for await (const chunk of req as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8');
    if (body.length > limitBytes) throw new Error('body too large');
  }
  return body;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
