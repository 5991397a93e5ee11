import Koa3, { type Middleware } from 'koa';
import Koa2 from 'koa2';
import { expect } from 'vitest';
import { authErrorHandler, authenticate, guard } from '@latchkey/koa';
import { chain } from './compose.js';
import { echo, runConformanceSuite, type AdapterHarness } from '../../core/test/conformance/suite.js';
import { listening } from '../../core/test/conformance/http.js';

function harness(Koa: typeof Koa3): AdapterHarness {
  return {
    async start({ verifier, routes, rendering }) {
      const app = new Koa();
      if (rendering === 'json') app.use(authErrorHandler());
      const byPath = new Map<string, Middleware>();
      for (const route of routes) {
        const handlers: Middleware[] = [authenticate({ verifier, ...route.auth })];
        if (route.rules.length > 0) handlers.push(guard(...route.rules));
        handlers.push((ctx) => {
          ctx.body = echo(ctx.state.auth);
        });
        byPath.set(route.path, chain(handlers));
      }
      app.use((ctx, next) => (byPath.get(ctx.path) ?? ((_ctx, next) => next()))(ctx, next));
      return listening(app.listen(0, '127.0.0.1'));
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
