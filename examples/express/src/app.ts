import { grantedScopes, type Verifier } from '@latchkey/core';
import { authErrorHandler, authenticate, guard, requireScopes } from '@latchkey/express';
import express, { type Express } from 'express';

export interface Item {
  id: number;
  name: string;
  createdBy: string | undefined;
}

/**
 * The items API. It takes a verifier built once at start-up (see main.ts) and reads nothing from the
 * environment, so a test can build it with any verifier. `items` is the store it starts with and adds to
 * (the demo, examples/demo, serves this app with items of its own).
 */
export function createApp(
  verifier: Verifier,
  items: Item[] = [
    { id: 1, name: 'hammer', createdBy: undefined },
    { id: 2, name: 'nails', createdBy: undefined },
  ],
): Express {
  const required = authenticate({ verifier });
  const optional = authenticate({ verifier, optional: true });

  const app = express();
  app.use(express.json({ limit: '16kb' }));

  // Public: no authentication at all, so a bad token here is simply ignored.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/items', required, guard(requireScopes('read:items')), (_req, res) => {
    res.json({ items });
  });

  app.post('/items', required, guard(requireScopes('write:items')), (req, res) => {
    const name: unknown = (req.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
      res.status(400).json({ error: 'invalid_item', error_description: '"name" must be a non-empty string of at most 100 characters' });
      return;
    }
    const item: Item = { id: items.length + 1, name: name.trim(), createdBy: req.auth?.payload.sub };
    items.push(item);
    res.status(201).json(item);
  });

  // Optional: anonymous callers get an answer too; a token that is sent must still be valid.
  app.get('/me', optional, (req, res) => {
    if (req.auth == null) {
      res.json({ authenticated: false });
      return;
    }
    const { payload } = req.auth;
    res.json({ authenticated: true, sub: payload.sub, scopes: [...grantedScopes(payload)] });
  });

  // RFC 6750 answers for Latchkey errors: status, WWW-Authenticate and { error, error_description }.
  app.use(authErrorHandler());
  return app;
}
