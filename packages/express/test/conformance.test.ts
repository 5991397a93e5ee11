import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express5 from 'express';
import express4 from 'express4';
import { expect } from 'vitest';
import { authErrorHandler, authenticate, guard } from '@latchkey/express';
import { echo, runConformanceSuite, type AdapterHarness } from '../../core/test/conformance/suite.js';

// What Express's default handler (finalhandler) does to a message before putting it in its HTML page.
const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function harness(express: typeof express5): AdapterHarness {
  return {
    async start({ verifier, routes, rendering }) {
      const app = express();
      for (const route of routes) {
        const chain = [authenticate({ verifier, ...route.auth })];
        if (route.rules.length > 0) chain.push(guard(...route.rules));
        app.get(route.path, ...chain, (req, res) => {
          res.json(echo(req.auth));
        });
      }
      if (rendering === 'json') app.use(authErrorHandler());
      const server: Server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },
    checkNativeBody(body, contentType, expected) {
      // Express's default handler: an HTML page with the message (and, outside production, the stack).
      expect(contentType).toMatch(/^text\/html/);
      expect(body).toContain(escapeHtml(expected.message));
    },
  };
}

runConformanceSuite('express 5', harness(express5));
runConformanceSuite('express 4', harness(express4));
