/**
 * `@latchkey/issuer/koa`: the issuer's endpoints as one Koa middleware (Koa 2 and 3). Its paths are
 * absolute (`/api/token/` by default); every other path goes on to `next()`. It reads the raw body itself
 * (size-capped), or takes `ctx.request.body` when a body parser ran first.
 *
 * @example app.use(issuerRoutes(issuer));
 *
 * @packageDocumentation
 */
import type { Middleware } from 'koa';
import type { Issuer } from './issuer.js';
import { neutralRequest } from './mounts/neutral.js';
import { parsedBodyLimit, readBody } from './mounts/read-body.js';

/** The issuer's routes as a Koa middleware. */
export function issuerRoutes(issuer: Issuer<never>): Middleware {
  return async (ctx, next) => {
    if (!issuer.owns(ctx.path)) return next();
    // As in the Express mount: a body parser that ran first spent the stream; one that skipped the request
    // (koa-bodyparser leaves `{}` for a content type it does not parse) left it unread, and it is read here.
    const parsed = ctx.req.readableEnded ? (ctx.request as { body?: unknown }).body : undefined;
    const body = parsed === undefined ? await readBody(ctx.req, issuer.maxBodyBytes) : parsedBodyLimit(ctx.req, issuer.maxBodyBytes);
    const response = await issuer.handle(
      neutralRequest({ method: ctx.method, path: ctx.path, headers: ctx.headers, body, parsedBody: parsed, clientAddress: ctx.ip }),
    );
    if (response === undefined) return next();
    ctx.status = response.status;
    ctx.set(response.headers);
    ctx.body = response.body;
  };
}
