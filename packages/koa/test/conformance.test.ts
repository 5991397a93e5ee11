import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Koa3, { type Middleware } from 'koa';
import Koa2 from 'koa2';
import { expect } from 'vitest';
import { authErrorHandler, authenticate, guard } from '@latchkey/koa';
import * as adapter from '@latchkey/koa';
import { echo, parseForm, listening, runConformanceSuite, type AdapterHarness } from '@latchkey/conformance';
import { chain } from './compose.js';

/** Stands in for a body parser (koa-bodyparser, @koa/bodyparser): sets ctx.request.body for a form body. */
const formBody: Middleware = async (ctx, next) => {
  if (ctx.is('application/x-www-form-urlencoded')) {
    let text = '';
    for await (const chunk of ctx.req) text += String(chunk);
    (ctx.request as { body?: unknown }).body = parseForm(text);
  }
  await next();
};

function harness(Koa: typeof Koa3): AdapterHarness {
  return {
    adapter,
    async start({ verifier, routes, rendering, tls }) {
      const app = new Koa();
      // The fail-closed case is a 500 by design: keep Koa from printing its stack.
      app.silent = true;
      if (rendering === 'json') app.use(authErrorHandler());
      const byPath = new Map<string, Middleware>();
      for (const route of routes) {
        const handlers: Middleware[] = route.method === 'POST' ? [formBody] : [];
        if (route.auth !== null) handlers.push(authenticate({ verifier, ...route.auth }));
        if (route.rules.length > 0) handlers.push(guard(...route.rules));
        handlers.push((ctx) => {
          ctx.body = echo(ctx.state.auth);
        });
        byPath.set(route.path, chain(handlers));
      }
      app.use((ctx, next) => (byPath.get(ctx.path) ?? ((_ctx, next) => next()))(ctx, next));
      return listening(
        tls === undefined
          ? app.listen(0, '127.0.0.1')
          : createHttpsServer(tls, app.callback() as (req: IncomingMessage, res: ServerResponse) => void).listen(0, '127.0.0.1'),
      );
    },
    checkNativeBody(body, contentType, expected) {
      // Koa's ctx.onerror: plain text, the message itself (the error is `expose: true`).
      expect(contentType).toMatch(/^text\/plain/);
      expect(body).toBe(expected.message);
    },
  };
}

runConformanceSuite('koa 3', harness(Koa3));
runConformanceSuite('koa 2', harness(Koa2));
