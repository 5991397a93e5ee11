import { createServer as createHttpsServer } from 'node:https';
import express5, { type RequestHandler } from 'express';
import express4 from 'express4';
import { expect } from 'vitest';
import { authErrorHandler, authenticate, guard } from '@latchkey/express';
import * as adapter from '@latchkey/express';
import { echo, listening, runConformanceSuite, type AdapterHarness } from '@latchkey/conformance';

// What Express's default handler (finalhandler) does to a message before putting it in its HTML page.
const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function harness(express: typeof express5): AdapterHarness {
  return {
    adapter,
    async start({ verifier, routes, rendering, tls }) {
      const app = express();
      for (const route of routes) {
        // POST routes read form bodies with Express's own parser, as an app would.
        const chain: RequestHandler[] = route.method === 'POST' ? [express.urlencoded({ extended: false })] : [];
        if (route.auth !== null) chain.push(authenticate({ verifier, ...route.auth }));
        if (route.rules.length > 0) chain.push(guard(...route.rules));
        app[route.method === 'POST' ? 'post' : 'get'](route.path, ...chain, (req, res) => {
          res.json(echo(req.auth));
        });
      }
      if (rendering === 'json') app.use(authErrorHandler());
      return listening(tls === undefined ? app.listen(0, '127.0.0.1') : createHttpsServer(tls, app).listen(0, '127.0.0.1'));
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
