/**
 * One HTTP server process: `server.ts <framework> <contender> <alg> <fixture.json> <tag>`. Prints one JSON
 * line on stdout: `{"port":N}` when listening, `{"pending":"..."}` or `{"error":"..."}` otherwise.
 * The parent pins it to its own core and kills it by PID when the cell is done.
 */
import { isAlg } from '../common/algs.js';
import { readServerFixture } from '../common/fixture.js';
import { serveForParent } from '../common/server-process.js';
import type { AppContext, Started } from './apps/types.js';

// Only the framework asked for is loaded: a server process carries no other framework's code.
const APPS: Record<string, () => Promise<(id: string, context: AppContext) => Promise<Started>>> = {
  express: async () => (await import('./apps/express.js')).startExpress,
  koa: async () => (await import('./apps/koa.js')).startKoa,
  fastify: async () => (await import('./apps/fastify.js')).startFastify,
};

const [framework, contender, alg, fixturePath, tag] = process.argv.slice(2);

await serveForParent(async () => {
  if (!framework || !contender || !alg || !isAlg(alg) || !fixturePath || !tag)
    throw new Error('usage: server.ts <framework> <contender> <alg> <fixture.json> <tag>');
  const fixture = readServerFixture(fixturePath);
  const context: AppContext = { alg, fixture, tag, jwksUrl: `${fixture.jwksBase}/${tag}/.well-known/jwks.json`, jwksDomain: `${fixture.jwksBase}/${tag}/` };
  const load = APPS[framework];
  if (load === undefined) throw new Error(`unknown framework ${framework}`);
  const start = await load();
  const started: Started = await start(contender, context);
  return { port: await started.listen(), note: started.note };
});
