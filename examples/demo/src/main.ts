// The Latchkey demo (`npm start` at the repository root): a local identity provider with generated keys
// and in-memory users, a protected API, and the requests a newcomer should try, with their answers.
//
// It then keeps serving, for your own curl commands, until Ctrl-C. It exits after printing instead when
// --once is given, CI is set, or stdin is not a terminal (--serve keeps it serving regardless); the exit
// status is then non-zero when an answer differed from the expected one.
//
// PORT (default 3000; a free port when 3000 is taken) and HOST (default 127.0.0.1) place the API.
import { curlCommands, formatTour, runTour, startDemo } from './demo.js';
import { formatIssuerTour, runIssuerTour, startIssuerDemo } from './issuer-tour.js';

const args = process.argv.slice(2);
const once = !args.includes('--serve') && (args.includes('--once') || Boolean(process.env.CI) || !process.stdin.isTTY);
const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);
const host = process.env.HOST ?? '127.0.0.1';

const demo = await startDemo({ host, port, fallbackToFreePort: process.env.PORT === undefined });
const { provider, apiUrl } = demo;
const issuerDemo = await startIssuerDemo({ host });

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all([demo.close(), issuerDemo.close()]);
  }
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

console.log(`
Latchkey demo
  identity provider  ${provider.issuer}  (OpenID Connect discovery and JWKS; generated RS256 key)
  token endpoint     ${provider.tokenEndpoint}  (users in memory: alice, bob)
  protected API      ${apiUrl}  (Express + @latchkey/express, keys found by oidcDiscovery)

  GET  /health  public
  GET  /items   needs scope read:items
  POST /items   needs scope write:items
  GET  /me      optional authentication

  login (simplejwt) ${issuerDemo.url}  (@latchkey/issuer: same users, Ed25519 key, rotation with reuse detection)
  POST /api/token/  /api/token/refresh/  /api/token/verify/  /api/token/blacklist/
  GET  /.well-known/jwks.json; the items API on the same server trusts these tokens through it
`);

const steps = await runTour(demo);
console.log(formatTour(steps));

console.log(`\nNow the other half: logging in with @latchkey/issuer, as a simplejwt client would (${issuerDemo.url})\n`);
const issuerSteps = await runIssuerTour(issuerDemo);
console.log(formatIssuerTour(issuerSteps));
const reuse = issuerDemo.events.find((event) => event.type === 'refresh.reuse_detected');
if (reuse !== undefined) console.log(`\n  event: ${JSON.stringify(reuse)}`);

const wrong = [...steps, ...issuerSteps].filter((step) => step.status !== step.expectedStatus);
if (wrong.length > 0) {
  console.error(`\n✗ ${wrong.length} answer(s) differed from the expected status`);
  if (once) await stop(1);
}

console.log(`\nTry it yourself:\n\n${await curlCommands(demo)}`);
console.log(
  [
    `# log in and refresh with @latchkey/issuer (simplejwt's bodies)`,
    `curl -s -H 'content-type: application/json' -d '{"username":"alice","password":"wonderland"}' ${issuerDemo.url}/api/token/`,
    `curl -s -d refresh=<the refresh token> ${issuerDemo.url}/api/token/refresh/`,
  ].join('\n'),
);

if (once) {
  console.log('\n(exiting: --once, CI or no terminal; `pnpm --filter @latchkey/example-demo start --serve` keeps serving)');
  await stop(0);
}
console.log('\nServing until Ctrl-C.');
