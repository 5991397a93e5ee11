/**
 * `@latchkey/issuer/express`: the issuer's endpoints as one Express middleware. Mount it at the root
 * (its paths are absolute, `/api/token/` by default); it passes every other path on. It reads the raw body
 * itself (size-capped), or takes the one `express.json()` / `express.urlencoded()` already parsed. Mount it
 * before body parsers for exact parity: their own errors (bad JSON, too large) never reach it.
 *
 * @example app.use(issuerRoutes(issuer));
 *
 * @packageDocumentation
 */
import type { RequestHandler } from 'express';
import type { Issuer } from './issuer.js';
import { neutralRequest } from './mounts/neutral.js';
import { parsedBodyLimit, readBody } from './mounts/read-body.js';

/** The issuer's routes as an Express middleware (Express 4 and 5). */
export function issuerRoutes(issuer: Issuer<never>): RequestHandler {
  return (req, res, next) => {
    if (!issuer.owns(req.path)) return next();
    // A body parser that ran first spent the stream and left `req.body`; one that skipped the request
    // (another content type) left the stream unread, and it is read here.
    const parsed = req.readableEnded ? (req.body as unknown) : undefined;
    const body = parsed === undefined ? readBody(req, issuer.maxBodyBytes) : Promise.resolve(parsedBodyLimit(req, issuer.maxBodyBytes));
    body
      .then((raw) =>
        issuer.handle(
          neutralRequest({
            method: req.method,
            path: req.path,
            headers: req.headers,
            body: raw,
            parsedBody: parsed,
            clientAddress: req.ip ?? req.socket.remoteAddress,
          }),
        ),
      )
      .then((response) => {
        if (response === undefined) return next();
        res.writeHead(response.status, response.headers).end(response.body);
      })
      .catch(next);
  };
}
