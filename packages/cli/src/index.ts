/**
 * `@latchkey/cli`: the `latchkey` command. {@link run} is the whole program, for embedding and tests.
 *
 * @packageDocumentation
 */
import { inspectCommand } from './inspect.js';
import { configCommand } from './config-check.js';
import { keysCommand } from './keys.js';
import { rotateCommand } from './rotate.js';
import { EXIT, UsageError, processIo, type Io } from './output.js';

export { EXIT, UsageError, processIo, type Io } from './output.js';
export { decodeUnverified, redactToken } from './decode.js';

/** `latchkey --help`: the commands. */
export const MAIN_HELP = `Usage: latchkey <command> [options]

Commands:
  inspect <token>     decode a token and run the @latchkey/core verifier on it, check by check
  keys generate       write a new signing key (kid = RFC 7638 thumbprint)
  keys jwks <files>   print the public JWK Set of key files
  keys rotate         one step of the issuer's key ring (drop retired, add next)
  config check <file> report what start-up would reject in a verifier or issuer configuration

Run "latchkey <command> --help" for a command's options and examples.

Examples:
  latchkey inspect "$TOKEN" --issuer https://idp.example.com/ --audience https://api.example.com
  latchkey keys generate --alg EdDSA --out signing.jwk.json
  latchkey keys rotate --ring keyring.json
  latchkey config check verifier.json`;

/** Runs the command line `argv` (without node and script). Returns the exit code: 0 pass, 1 fail, 2 usage. */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'inspect') return await inspectCommand(rest, io);
    // `keys rotate` lives in its own module (it builds on keys.ts, which must not import it back).
    if (command === 'keys' && rest[0] === 'rotate') return await rotateCommand(rest.slice(1), io);
    if (command === 'keys') return await keysCommand(rest, io);
    if (command === 'config') return await configCommand(rest, io);
    if (command === '--help' || command === '-h' || command === 'help') {
      io.out(MAIN_HELP);
      return EXIT.pass;
    }
    io.err(command === undefined ? MAIN_HELP : `latchkey: unknown command ${JSON.stringify(command)}; run "latchkey --help"`);
    return EXIT.usage;
  } catch (error) {
    // parseArgs reports unknown options and missing values as TypeErrors with a code.
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`latchkey: ${(error as Error).message}`);
      return EXIT.usage;
    }
    throw error;
  }
}
