/**
 * One HTTP server process: `server.ts <framework> <contender> <alg> <fixture.json> <tag>`. Prints one JSON
 * line on stdout: `{"port":N}` when listening, `{"pending":"..."}` or `{"error":"..."}` otherwise.
 * The parent pins it to its own core and kills it by PID when the cell is done.
 */
import { isAlg } from '../common/algs.js';
import { readServerFixture } from '../common/fixture.js';
import type { AppContext, Started } from './apps/types.js';

// Only the framework asked for is loaded: a server process carries no other framework's code.
const APPS: Record<string, () => Promise<(id: string, context: AppContext) => Promise<Started>>> = {
  express: async () => (await import('./apps/express.js')).startExpress,
  koa: async () => (await import('./apps/koa.js')).startKoa,
  fastify: async () => (await import('./apps/fastify.js')).startFastify,
};

const [framework, contender, alg, fixturePath, tag] = process.argv.slice(2);
const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

try {
  if (!framework || !contender || !alg || !isAlg(alg) || !fixturePath || !tag) throw new Error('usage: server.ts <framework> <contender> <alg> <fixture.json> <tag>');
  const fixture = readServerFixture(fixturePath);
  const context: AppContext = { alg, fixture, tag, jwksUrl: `${fixture.jwksBase}/${tag}/.well-known/jwks.json`, jwksDomain: `${fixture.jwksBase}/${tag}/` };
  const load = APPS[framework];
  if (load === undefined) throw new Error(`unknown framework ${framework}`);
  const start = await load();
  const started: Started = await start(contender, context);
  if ('pending' in started) {
    say({ pending: started.pending });
    process.exit(0);
  }
  say({ port: await started.listen(), note: started.note });
} catch (error) {
  say({ error: (error as Error).stack ?? String(error) });
  process.exit(1);
}
// Never outlive the bench: it holds our stdin open, and it closes when the bench ends, however it ends.
process.stdin.on('close', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
