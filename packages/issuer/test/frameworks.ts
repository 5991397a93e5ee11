/**
 * Test plumbing: one issuer served over real HTTP on 127.0.0.1 by each framework's mount, with the
 * framework's own trusted-proxy switch, so one suite pins the same behaviour on Express, Koa and Fastify.
 * Plain module, not a test file.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach } from 'vitest';
import { createIssuer, type Issuer } from '../src/issuer.js';
import { issuerRoutes as expressRoutes } from '../src/express.js';
import { issuerRoutes as fastifyRoutes } from '../src/fastify.js';
import { issuerRoutes as koaRoutes } from '../src/koa.js';
import type { IssuerOptions } from '../src/options.js';
import type { MemoryUser } from '../src/users/memory-users.js';
import { SECRET, testUsers } from './helpers.js';

export interface Running {
  readonly url: string;
  close(): Promise<void>;
}

/** Waits for a Node server to listen and returns its URL and a closer that drops kept-alive sockets. */
export async function listen(server: Server): Promise<Running> {
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** How the app was told to treat `X-Forwarded-For`: the framework's own setting, never the issuer's. */
export interface MountSettings {
  readonly trustProxy?: boolean;
}

export const MOUNTS = {
  express: (issuer: Issuer<MemoryUser>, settings: MountSettings): Promise<Running> => {
    const app = express();
    app.set('trust proxy', settings.trustProxy === true);
    app.use(expressRoutes(issuer));
    return listen(app.listen(0, '127.0.0.1'));
  },
  koa: (issuer: Issuer<MemoryUser>, settings: MountSettings): Promise<Running> => {
    const app = new Koa({ proxy: settings.trustProxy === true });
    app.use(koaRoutes(issuer));
    return listen(app.listen(0, '127.0.0.1'));
  },
  fastify: async (issuer: Issuer<MemoryUser>, settings: MountSettings): Promise<Running> => {
    const app = Fastify({ trustProxy: settings.trustProxy === true });
    await app.register(fastifyRoutes, { issuer });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
} as const;

export type MountName = keyof typeof MOUNTS;
export const MOUNT_NAMES = Object.keys(MOUNTS) as MountName[];

/** Starts issuers on one framework and stops them after each test. */
export function mountPerTest(mount: MountName): (options?: Partial<IssuerOptions<MemoryUser>>, settings?: MountSettings) => Promise<Running & { issuer: Issuer<MemoryUser> }> {
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
  });
  return async (options = {}, settings = {}) => {
    const issuer = createIssuer<MemoryUser>({ signingKey: SECRET, users: await testUsers(), ...options });
    const server = await MOUNTS[mount](issuer, settings);
    running.push(server);
    return { ...server, issuer };
  };
}
