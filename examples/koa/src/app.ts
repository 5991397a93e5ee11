/** The items API on Koa: public, signed-in and scope-guarded routes. */
import { grantedScopes, type Verifier } from '@latchkey/core';
import { authErrorHandler, authenticate, guard, requireScopes, type AuthState } from '@latchkey/koa';
import Koa, { type Context, type Middleware, type Next } from 'koa';

export interface Item {
  id: number;
  name: string;
  createdBy: string | undefined;
}

type Route = Middleware<AuthState>;

/**
 * Runs `stack` for one method and path. A real app would use @koa/router
 * (`router.get('/items', authenticate({ verifier }), guard(requireScopes('read:items')), handler)`); this example
 * keeps to Koa itself so that it has no other dependency.
 */
function route(method: string, path: string, ...stack: Route[]): Route {
  return async (ctx, next) => {
    if (ctx.method !== method || ctx.path !== path) return next();
    const run = async (index: number): Promise<void> => {
      const middleware = stack[index];
      if (middleware !== undefined) await middleware(ctx, () => run(index + 1));
    };
    await run(0);
  };
}

/** Reads a small JSON body (Koa has no body parser of its own; koa-bodyparser would do this). */
async function readJson(ctx: Context, limitBytes = 16 * 1024): Promise<unknown> {
  if (!ctx.is('application/json')) ctx.throw(415, 'send application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) ctx.throw(413, 'the body is too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return ctx.throw(400, 'the body is not valid JSON');
  }
}

/**
 * The items API on Koa. It takes a verifier built once at start-up (see main.ts) and reads nothing from
 * the environment, so a test can build it with any verifier.
 */
export function createApp(verifier: Verifier): Koa<AuthState> {
  const items: Item[] = [
    { id: 1, name: 'hammer', createdBy: undefined },
    { id: 2, name: 'nails', createdBy: undefined },
  ];
  const required = authenticate({ verifier });
  const optional = authenticate({ verifier, optional: true });

  const app = new Koa<AuthState>();
  // Outermost: Latchkey errors become RFC 6750 answers with a JSON body (status, WWW-Authenticate).
  // Without it, Koa's ctx.onerror would send the same status and header with a plain-text body.
  app.use(authErrorHandler());

  app.use(
    route('GET', '/health', async (ctx: Context) => {
      ctx.body = { status: 'ok' };
    }),
  );

  app.use(
    route('GET', '/items', required, guard(requireScopes('read:items')), async (ctx: Context) => {
      ctx.body = { items };
    }),
  );

  app.use(
    route('POST', '/items', required, guard(requireScopes('write:items')), async (ctx: Context, _next: Next) => {
      const name: unknown = ((await readJson(ctx)) as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_item', error_description: '"name" must be a non-empty string of at most 100 characters' };
        return;
      }
      const item: Item = { id: items.length + 1, name: name.trim(), createdBy: ctx.state.auth?.payload.sub };
      items.push(item);
      ctx.status = 201;
      ctx.body = item;
    }),
  );

  // Optional: anonymous callers get an answer too; a token that is sent must still be valid.
  app.use(
    route('GET', '/me', optional, async (ctx: Context) => {
      const auth = ctx.state.auth;
      ctx.body = auth == null ? { authenticated: false } : { authenticated: true, sub: auth.payload.sub, scopes: [...grantedScopes(auth.payload)] };
    }),
  );

  return app;
}
