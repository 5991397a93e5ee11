/**
 * Test plumbing: the issuer mounted on a real Express, Koa and Fastify server on 127.0.0.1, each with a
 * protected `GET /api/me` verified by that framework's @latchkey adapter. Shared by every suite that must
 * pin a behaviour on all three mounts. Plain module, not a test file.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Verifier } from '@latchkey/core';
import { authErrorHandler as expressErrors, authenticate as expressAuth } from '@latchkey/express';
import { latchkey as fastifyLatchkey } from '@latchkey/fastify';
import { authErrorHandler as koaErrors, authenticate as koaAuth } from '@latchkey/koa';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { afterEach } from 'vitest';
import { createIssuer, type Issuer } from '../src/issuer.js';
import { issuerRoutes as expressRoutes } from '../src/express.js';
import { issuerRoutes as fastifyRoutes } from '../src/fastify.js';
import { issuerRoutes as koaRoutes } from '../src/koa.js';
import type { IssuerOptions } from '../src/options.js';
import type { MemoryUser } from '../src/users/memory-users.js';
import { SECRET, testUsers } from './helpers.js';

export interface Mounted {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts one framework with the issuer's routes and `GET /api/me` behind `verifier`. */
export type StartFramework = (issuer: Issuer<MemoryUser>, verifier: Verifier) => Promise<Mounted>;

/** Waits for a Node server to listen and returns its URL and a close that drops open connections. */
export async function listen(server: Server): Promise<Mounted> {
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The protected `GET /api/me` on each framework, through its @latchkey adapter (after the issuer's routes, if any).
function expressApi(app: express.Express, verifier: Verifier): Promise<Mounted> {
  app.get('/api/me', expressAuth({ verifier }), (req, res) => void res.json({ user: req.auth!.payload.sub }));
  app.use(expressErrors());
  return listen(app.listen(0, '127.0.0.1'));
}

function koaApi(app: Koa, verifier: Verifier): Promise<Mounted> {
  app.use(koaAuth({ verifier }));
  app.use((ctx) => {
    if (ctx.path === '/api/me') ctx.body = { user: ctx.state.auth!.payload.sub };
  });
  return listen(app.listen(0, '127.0.0.1'));
}

async function fastifyApi(app: FastifyInstance, verifier: Verifier): Promise<Mounted> {
  await app.register(fastifyLatchkey, { verifier });
  app.get('/api/me', { config: { auth: true } }, (request) => ({ user: request.auth!.payload.sub }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

function koaApp(): Koa {
  const app = new Koa();
  app.use(koaErrors());
  return app;
}

export const FRAMEWORKS: Record<string, StartFramework> = {
  express: (issuer, verifier) => {
    const app = express();
    app.use(expressRoutes(issuer));
    return expressApi(app, verifier);
  },
  'express behind express.json()': (issuer, verifier) => {
    const app = express();
    app.use(express.json(), express.urlencoded({ extended: false }));
    app.use(expressRoutes(issuer));
    return expressApi(app, verifier);
  },
  koa: (issuer, verifier) => {
    const app = koaApp();
    app.use(koaRoutes(issuer));
    return koaApi(app, verifier);
  },
  'koa behind koa-bodyparser': (issuer, verifier) => {
    const app = koaApp();
    app.use(bodyParser());
    app.use(koaRoutes(issuer));
    return koaApi(app, verifier);
  },
  fastify: async (issuer, verifier) => {
    const app = Fastify();
    await app.register(fastifyRoutes, { issuer });
    return fastifyApi(app, verifier);
  },
};

/** A resource server alone: `GET /api/me` behind `verifier` (e.g. on a remote JWKS), on each framework. */
export const API_MOUNTS = {
  express: (verifier: Verifier): Promise<Mounted> => expressApi(express(), verifier),
  koa: (verifier: Verifier): Promise<Mounted> => koaApi(koaApp(), verifier),
  fastify: (verifier: Verifier): Promise<Mounted> => fastifyApi(Fastify(), verifier),
} as const;

/** Whether a mount of {@link FRAMEWORKS} has the framework's own body parser in front of the issuer. */
export const behindBodyParser = (name: string): boolean => name.includes(' behind ');

/** The three mounts, without the variants behind a framework body parser. */
export const MOUNTS: Record<string, StartFramework> = Object.fromEntries(Object.entries(FRAMEWORKS).filter(([name]) => !behindBodyParser(name)));

/** Closes, after each test, whatever `track` was given. */
export function closedAfterEach(): (mounted: Mounted) => Mounted {
  const open: Mounted[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((mounted) => mounted.close()));
  });
  return (mounted) => {
    open.push(mounted);
    return mounted;
  };
}

/** How the app was told to treat `X-Forwarded-For`: the framework's own setting, never the issuer's. */
export interface MountSettings {
  readonly trustProxy?: boolean;
}

export const ISSUER_MOUNTS = {
  express: (issuer: Issuer<MemoryUser>, settings: MountSettings): Promise<Mounted> => {
    const app = express();
    app.set('trust proxy', settings.trustProxy === true);
    app.use(expressRoutes(issuer));
    return listen(app.listen(0, '127.0.0.1'));
  },
  koa: (issuer: Issuer<MemoryUser>, settings: MountSettings): Promise<Mounted> => {
    const app = new Koa({ proxy: settings.trustProxy === true });
    app.use(koaRoutes(issuer));
    return listen(app.listen(0, '127.0.0.1'));
  },
  fastify: async (issuer: Issuer<MemoryUser>, settings: MountSettings): Promise<Mounted> => {
    const app = Fastify({ trustProxy: settings.trustProxy === true });
    await app.register(fastifyRoutes, { issuer });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
} as const;

export type MountName = keyof typeof ISSUER_MOUNTS;
export const MOUNT_NAMES = Object.keys(ISSUER_MOUNTS) as MountName[];

/** Starts issuers on one framework and stops them after each test. */
export function mountPerTest(
  mount: MountName,
): (options?: Partial<IssuerOptions<MemoryUser>>, settings?: MountSettings) => Promise<Mounted & { issuer: Issuer<MemoryUser> }> {
  const running: Mounted[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
  });
  return async (options = {}, settings = {}) => {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers(), ...options });
    const server = await ISSUER_MOUNTS[mount](issuer, settings);
    running.push(server);
    return { ...server, issuer };
  };
}
