/** `latchkey inspect`: decode a token without trust, then run the real core verifier and explain its verdict. */
import { parseArgs } from 'node:util';
import {
  createVerifier,
  isLatchkeyError,
  oidcDiscovery,
  remoteJwks,
  requireScopes,
  staticKeys,
  SUPPORTED_ALGORITHMS,
  type JwsAlgorithm,
  type KeySource,
  type LatchkeyError,
  type VerifierOptions,
} from '@latchkey/core';
import { decodeUnverified, describeTime, redactToken } from './decode.js';
import { readKeyFile } from './key-input.js';
import { EXIT, paint, printable, UsageError, type Io } from './output.js';

/** `latchkey inspect --help`. */
export const INSPECT_HELP = `Usage: latchkey inspect <token> [options]

Decode a JWT without trusting it, then verify it with @latchkey/core and print every check.
The token may also come on stdin ("-"). It is never printed back whole.

Key source (one of):
  --jwks <url>          a JWKS endpoint
  --issuer <url>        the expected "iss"; without --jwks/--key, keys come from its OIDC discovery
  --key <file>          a JWK, JWK Set or PEM public key file
Policy:
  --audience <aud>      the expected "aud" (repeatable); omitted: not checked
  --algorithms <list>   accepted algs, comma-separated (default: every asymmetric alg the core supports)
  --scope <scope>       a scope the token must grant (repeatable)
  --typ <typ>           an accepted "typ" header, e.g. at+jwt
Output:
  --json                machine-readable result
  -h, --help            this help

Exit codes: 0 the token passes, 1 it fails, 2 usage error.

Examples:
  latchkey inspect "$TOKEN" --issuer https://idp.example.com/ --audience https://api.example.com
  latchkey inspect "$TOKEN" --jwks https://idp.example.com/jwks.json --algorithms RS256 --scope read:items
  pbpaste | latchkey inspect - --key public.jwk.json --json`;

/** The checks in the order they are shown. */
export const CHECKS = ['format', 'alg', 'typ', 'key', 'signature', 'iss', 'aud', 'exp', 'nbf', 'iat', 'claims', 'scope'] as const;
/** One of {@link CHECKS}. */
export type CheckName = (typeof CHECKS)[number];
/** A check's outcome: `not reached` when an earlier check failed first, `not checked` when nothing asked for it. */
export type Verdict = 'pass' | 'fail' | 'not checked' | 'not reached';

/** One line of the report. */
export interface CheckResult {
  check: CheckName;
  verdict: Verdict;
  note?: string;
}

/** Which check a core error answers. */
export function checkOf(error: LatchkeyError): CheckName {
  // A claim error names its claim (a future "iat" is ERR_JWT_NOT_YET_VALID with claim "iat").
  const claim = error.claim;
  if (claim === 'aud' || claim === 'iss' || claim === 'exp' || claim === 'nbf' || claim === 'iat') return claim;
  switch (error.code) {
    case 'ERR_JWT_TOO_LARGE':
    case 'ERR_JWT_MALFORMED':
    case 'ERR_BEARER_MALFORMED':
    case 'ERR_BEARER_MISSING':
      return 'format';
    case 'ERR_JWS_ALG_NOT_ALLOWED':
      return 'alg';
    case 'ERR_JWS_HEADER_INVALID':
      // The same code covers "typ" and the header's other members (crit, b64): those are the token's format.
      return error.message.includes('"typ"') ? 'typ' : 'format';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_UNAVAILABLE':
      return 'key';
    case 'ERR_JWS_SIGNATURE_INVALID':
      return 'signature';
    case 'ERR_JWT_ISSUER_NOT_ALLOWED':
      return 'iss';
    case 'ERR_JWT_EXPIRED':
      return 'exp';
    case 'ERR_JWT_NOT_YET_VALID':
      return 'nbf';
    case 'ERR_SCOPE_INSUFFICIENT':
      return 'scope';
    default:
      return 'claims';
  }
}

interface InspectArgs {
  token: string;
  json: boolean;
  keys: KeySource;
  options: Omit<VerifierOptions, 'keys'>;
  configured: ReadonlySet<CheckName>;
}

const ASYMMETRIC = SUPPORTED_ALGORITHMS.filter((alg) => !alg.startsWith('HS'));

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1024 * 1024) throw new UsageError('stdin holds more than 1 MiB: not a token');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function parseInspectArgs(argv: readonly string[]): Promise<InspectArgs | 'help'> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      jwks: { type: 'string' },
      issuer: { type: 'string' },
      key: { type: 'string' },
      audience: { type: 'string', multiple: true },
      algorithms: { type: 'string' },
      scope: { type: 'string', multiple: true },
      typ: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one token (or "-" for stdin)');
  const token = positionals[0] === '-' ? await readStdin() : (positionals[0] ?? '');
  const sources = [values.jwks, values.key].filter((value) => value !== undefined);
  if (sources.length > 1) throw new UsageError('give one of --jwks or --key');
  let keys: KeySource;
  try {
    if (values.key !== undefined) keys = staticKeys((await readKeyFile(values.key)) as Parameters<typeof staticKeys>[0]);
    else if (values.jwks !== undefined) keys = remoteJwks(values.jwks);
    else if (values.issuer !== undefined) keys = oidcDiscovery(values.issuer);
    else throw new UsageError('give a key source: --jwks <url>, --key <file> or --issuer <url>');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
  const algorithms = values.algorithms === undefined ? ASYMMETRIC : values.algorithms.split(',').map((alg) => alg.trim());
  const configured = new Set<CheckName>(['format', 'alg', 'key', 'signature', 'exp', 'nbf', 'iat', 'claims']);
  if (values.issuer !== undefined) configured.add('iss');
  if (values.audience !== undefined) configured.add('aud');
  if (values.typ !== undefined) configured.add('typ');
  if (values.scope !== undefined) configured.add('scope');
  return {
    token,
    json: values.json,
    keys,
    configured,
    options: {
      algorithms: algorithms as JwsAlgorithm[],
      issuer: values.issuer ?? null,
      audience: values.audience ?? null,
      ...(values.typ === undefined ? {} : { typ: values.typ }),
      ...(values.scope === undefined ? {} : { rules: [requireScopes(...values.scope)] }),
    },
  };
}

/** What was expected against what the token carries, for the failing check. */
function expectedVersusGot(
  check: CheckName,
  options: InspectArgs['options'],
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string | undefined {
  const show = (value: unknown): string => (value === undefined ? '(absent)' : JSON.stringify(value));
  switch (check) {
    case 'alg':
      return `expected one of ${options.algorithms.join(', ')}, got ${show(header['alg'])}`;
    case 'typ':
      return `expected ${show(options.typ)}, got ${show(header['typ'])}`;
    case 'key':
      return `token kid ${show(header['kid'])}, alg ${show(header['alg'])}`;
    case 'iss':
      return `expected ${show(options.issuer)}, got ${show(payload['iss'])}`;
    case 'aud':
      return `expected ${show(options.audience)}, got ${show(payload['aud'])}`;
    case 'exp':
    case 'nbf':
    case 'iat':
      return `got ${describeTime(payload[check], Date.now()) ?? show(payload[check])}`;
    case 'scope':
      return `got scope ${show(payload['scope'] ?? payload['scp'])}`;
    default:
      return undefined;
  }
}

/** Runs `latchkey inspect`. Returns the exit code. */
export async function inspectCommand(argv: readonly string[], io: Io): Promise<number> {
  const args = await parseInspectArgs(argv);
  if (args === 'help') {
    io.out(INSPECT_HELP);
    return EXIT.pass;
  }
  const decoded = decodeUnverified(args.token);
  let verifier;
  try {
    verifier = createVerifier({ keys: args.keys, ...args.options });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let failure: LatchkeyError | undefined;
  try {
    await verifier.verify(args.token);
  } catch (error) {
    // Not a verdict on the token: the key given cannot be used (a private JWK, an empty set). A usage error.
    if (!isLatchkeyError(error)) throw new UsageError(`the key cannot be used: ${(error as Error).message}`);
    failure = error;
  }
  const failed = failure === undefined ? undefined : checkOf(failure);
  const checks: CheckResult[] = CHECKS.map((check) => {
    if (check === failed) return { check, verdict: 'fail' };
    if (!args.configured.has(check))
      return { check, verdict: 'not checked', note: `no --${check === 'iss' ? 'issuer' : check === 'aud' ? 'audience' : check}` };
    // The core checks format, alg, header, key and signature in that order before any claim, so those
    // ahead of a failure passed; past that it stops at its first failure, and what it did not reach has no verdict.
    if (failure !== undefined && failed !== undefined) {
      const index = CHECKS.indexOf(check);
      return index < CHECKS.indexOf(failed) && index <= CHECKS.indexOf('signature') ? { check, verdict: 'pass' } : { check, verdict: 'not reached' };
    }
    return { check, verdict: 'pass' };
  });
  const answer =
    failure === undefined || failed === undefined
      ? undefined
      : {
          check: failed,
          code: failure.code,
          message: failure.message,
          detail: failure.detail,
          expectedVersusGot: expectedVersusGot(failed, args.options, decoded.header, decoded.payload),
        };
  if (args.json) {
    io.out(
      JSON.stringify(
        { token: redactToken(args.token), header: decoded.header, payload: decoded.payload, valid: failure === undefined, checks, failure: answer },
        null,
        2,
      ),
    );
    return failure === undefined ? EXIT.pass : EXIT.fail;
  }
  printReport(io, args.token, decoded.header, decoded.payload, checks);
  if (answer === undefined) {
    io.out(paint(io, 'green', 'VALID: the token passes every configured check.'));
    return EXIT.pass;
  }
  io.out(paint(io, 'red', `INVALID (${answer.code}): ${printable(answer.message)}`));
  if (answer.expectedVersusGot !== undefined) io.out(`  ${printable(answer.expectedVersusGot)}`);
  if (answer.detail !== undefined) io.out(`  detail: ${printable(answer.detail)}`);
  return EXIT.fail;
}

function printReport(io: Io, token: string, header: Record<string, unknown>, payload: Record<string, unknown>, checks: readonly CheckResult[]): void {
  io.out(`${paint(io, 'bold', 'Token')} ${printable(redactToken(token))} (decoded without trust)`);
  io.out(`${paint(io, 'bold', 'Header')}  ${printable(JSON.stringify(header))}`);
  io.out(paint(io, 'bold', 'Payload'));
  for (const [name, value] of Object.entries(payload)) {
    const time = name === 'exp' || name === 'nbf' || name === 'iat' ? describeTime(value, Date.now()) : undefined;
    io.out(`  ${printable(name)}: ${printable(JSON.stringify(value))}${time === undefined ? '' : paint(io, 'dim', `  ${time}`)}`);
  }
  io.out(paint(io, 'bold', 'Checks'));
  for (const { check, verdict, note } of checks) {
    const colour = verdict === 'pass' ? 'green' : verdict === 'fail' ? 'red' : 'dim';
    io.out(`  ${check.padEnd(10)} ${paint(io, colour, verdict)}${note === undefined ? '' : paint(io, 'dim', ` (${note})`)}`);
  }
}
