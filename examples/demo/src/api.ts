import { grantedScopes, type Verifier } from '@latchkey/core';
import { authErrorHandler, authenticate, requireScopes } from '@latchkey/express';
import express, { type Express } from 'express';

/** The protected API of the demo: a small items store. Same routes as examples/express. */
export function createApi(verifier: Verifier): Express {
  const items = [
    { id: 1, name: 'hammer', createdBy: 'alice' },
    { id: 2, name: 'nails', createdBy: 'bob' },
  ];
  const required = authenticate({ verifier });
  const app = express();
  app.use(express.json({ limit: '16kb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/items', required, requireScopes('read:items'), (_req, res) => {
    res.json({ items });
  });
  app.post('/items', required, requireScopes('write:items'), (req, res) => {
    const name: unknown = (req.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
      res.status(400).json({ error: 'invalid_item', error_description: '"name" must be a non-empty string of at most 100 characters' });
      return;
    }
    const item = { id: items.length + 1, name: name.trim(), createdBy: req.auth?.payload.sub ?? 'unknown' };
    items.push(item);
    res.status(201).json(item);
  });
  app.get('/me', authenticate({ verifier, optional: true }), (req, res) => {
    const payload = req.auth?.payload;
    res.json(payload === undefined ? { authenticated: false } : { authenticated: true, sub: payload.sub, scopes: [...grantedScopes(payload)] });
  });

  app.use(authErrorHandler());
  return app;
}
