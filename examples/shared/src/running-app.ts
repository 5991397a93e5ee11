import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An app that listens: the port it got, and how to stop it (Fastify's `app.close()` fits as it is). */
export interface RunningApp {
  readonly port: number;
  close(): PromiseLike<unknown>;
}

/** Waits until a node:http server (what Express's and Koa's `app.listen()` return) listens. */
export async function listening(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
