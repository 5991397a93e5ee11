import type { Verifier } from '@latchkey/core';
import { createApp } from '@latchkey/example-express/app';
import type { Express } from 'express';

/** The protected API of the demo: the items API of examples/express, with two items already in it. */
export function createApi(verifier: Verifier): Express {
  return createApp(verifier, [
    { id: 1, name: 'hammer', createdBy: 'alice' },
    { id: 2, name: 'nails', createdBy: 'bob' },
  ]);
}
