// The checks shared by the items API examples (examples/shared/src/items-api-checks.ts), against this app.
import type { AddressInfo } from 'node:net';
import { describeDevMode, describeItemsApi } from '@latchkey/example-shared/items-api-checks';
import { createApp } from '../src/app.js';

describeItemsApi('Fastify', async (verifier) => {
  const app = await createApp(verifier);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
});
describeDevMode(new URL('..', import.meta.url));
