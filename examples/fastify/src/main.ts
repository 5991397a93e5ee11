// Starts the items API.
//
// Real use: ISSUER=https://idp.example.com/ JWKS_URI=https://idp.example.com/.well-known/jwks.json \
//           AUDIENCE=https://api.example.com pnpm start
// Dev mode (no ISSUER): a mock identity provider from @latchkey/testing is started on 127.0.0.1 and
// tokens for two users are printed (the start-up shared by the examples: examples/shared/src/dev-bootstrap.ts).
//
// The environment is read here, in the application, and nowhere in the libraries.
import type { AddressInfo } from 'node:net';
import { createVerifier, remoteJwks } from '@latchkey/core';
import { itemsApiConfig, serveItemsApi } from '@latchkey/example-shared/dev-bootstrap';
import { createApp } from './app.js';

const config = await itemsApiConfig(process.env);
const { issuer, jwksUri, audience } = config;

// Built once: options are checked now, and every route shares its JWKS cache.
const verifier = createVerifier({ keys: remoteJwks(jwksUri), algorithms: ['RS256'], issuer, audience });
const app = await createApp(verifier);
await app.listen({ port: config.port, host: config.host });
await serveItemsApi('Fastify', { port: (app.server.address() as AddressInfo).port, close: () => app.close() }, config);
