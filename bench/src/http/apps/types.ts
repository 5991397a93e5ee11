/** What every HTTP-phase app module provides, and what it is given. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alg } from '../../common/algs.js';
import type { readServerFixture } from '../../common/fixture.js';

export interface AppContext {
  readonly alg: Alg;
  readonly fixture: ReturnType<typeof readServerFixture>;
  /** This server's own JWKS path prefix (fetches are counted per prefix). */
  readonly tag: string;
  readonly jwksUrl: string;
  /** For get-jwks, which appends `/.well-known/jwks.json` itself. */
  readonly jwksDomain: string;
}

/** A server ready to listen on 127.0.0.1 (port 0). Every contender is imported typed, so none can be "pending". */
export interface Started {
  listen(): Promise<number>;
  note?: string;
}

export const BODY = { ok: true } as const;

export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Status for an auth failure thrown by any of the libraries (they all carry one of these). */
export function statusOf(error: unknown): number {
  const candidate = error as { status?: unknown; statusCode?: unknown };
  const status = typeof candidate.status === 'number' ? candidate.status : candidate.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
