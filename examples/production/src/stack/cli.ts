/**
 * `pnpm start` / `pnpm stop` / `pnpm status` of the example: the whole stack on 127.0.0.1.
 * Ports: LATCHKEY_HTTP_PORT (8080), LATCHKEY_INSTANCE_PORTS (3101,3102), LATCHKEY_REDIS_PORT (6391);
 * LATCHKEY_ACCESS_LIFETIME_SECONDS (300).
 */
import { readStackFile, startStack, stopStack } from './stack.js';

const command = process.argv[2];
const port = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

if (command === 'start') {
  const stack = await startStack({
    httpPort: port('LATCHKEY_HTTP_PORT'),
    redisPort: port('LATCHKEY_REDIS_PORT'),
    instancePorts: process.env.LATCHKEY_INSTANCE_PORTS?.split(',').map(Number),
    accessTokenLifetimeSeconds: port('LATCHKEY_ACCESS_LIFETIME_SECONDS'),
  });
  console.log(`\nOpen ${stack.url}/ and log in as alice / wonderland (or bob / builder-of-things). Stop with: pnpm --filter @latchkey/example-production stop`);
} else if (command === 'stop') {
  const stopped = await stopStack();
  console.log(stopped.length === 0 ? 'nothing was running' : `stopped ${stopped.join(', ')}`);
} else if (command === 'status') {
  const state = readStackFile();
  console.log(state ? `stack state: ${JSON.stringify(state)}` : 'no stack state (not started)');
} else {
  console.error('usage: tsx src/stack/cli.ts start|stop|status');
  process.exit(2);
}
