/**
 * `latchkey config check <file>`: loads a verifier or issuer configuration and builds it the way start-up
 * does — with the real `createVerifier` / `createIssuer` — without starting a server or fetching keys, and
 * reports every problem start-up would reject, in start-up's own words. Unknown keys are collected (each
 * is removed and the build retried, so one typo does not hide the next); the first other problem stops it.
 */
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createVerifier, hmacSecrets, oidcDiscovery, remoteJwks, staticKeys, type KeySource } from '@latchkey/core';
import { createIssuer, parseKeyRing, type KeyRingDocument } from '@latchkey/issuer';
import { EXIT, UsageError, paint, type Io } from './output.js';
import { readSmallFile } from './read-file.js';

/** `latchkey config check --help`. */
export const CONFIG_HELP = `Usage: latchkey config check <file> [--kind verifier|issuer] [--json]

Builds a Latchkey verifier or issuer configuration as start-up would (no server, no key fetch) and reports
what start-up would reject: unknown options (with the name meant), weak or misplaced HMAC secrets, http
URLs, missing algorithms, bad key rings. Exit 0: start-up would accept it; 1: it would refuse; 2: usage.

The file is JSON, or an ES module (.js/.mjs; .ts where Node strips types) whose default export (or
"verifier" / "issuer" export) is the options object. In JSON, "keys" of a verifier is one of
  {"jwks": "<url>"}, {"discovery": "<issuer url>"}, {"static": <JWK Set>}, {"hmacSecrets": ["..."]};
an issuer's "keyRing" is a ring document (or a path to one), and "users" (code) is not checked.

Examples:
  latchkey config check verifier.json
  latchkey config check src/auth-config.mjs --kind issuer --json`;

type Kind = 'verifier' | 'issuer';

interface Finding {
  problem: string;
}

const KEY_FORMS = ['jwks', 'discovery', 'static', 'hmacSecrets'];

/** A JSON description of keys -> the core key source (constructing it runs its URL and secret checks). */
function keySourceOf(value: unknown): KeySource | unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as KeySource).getKeys === 'function') return value;
  const form = Object.keys(value);
  if (form.length !== 1 || !KEY_FORMS.includes(form[0]!)) {
    throw new TypeError(`"keys" in JSON must be exactly one of ${KEY_FORMS.map((name) => `{"${name}": …}`).join(', ')}`);
  }
  const [name] = form as [string];
  const argument = (value as Record<string, unknown>)[name];
  if (name === 'jwks') return remoteJwks(String(argument));
  if (name === 'discovery') return oidcDiscovery(String(argument));
  if (name === 'static') return staticKeys(argument as never);
  return hmacSecrets(argument as never);
}

const NO_USERS = { authenticate: () => undefined, getUser: () => undefined };

/** Builds the configuration; problems of the key source are pushed to `problems` and the build goes on with a stand-in. */
async function build(kind: Kind, options: Record<string, unknown>, baseDir: string, problems: string[]): Promise<void> {
  if (kind === 'verifier') {
    const described = options['keys'];
    let keys: unknown;
    try {
      keys = keySourceOf(described);
    } catch (error) {
      problems.push((error as Error).message);
      // A stand-in of the same kind, so the other options are still checked against it.
      const symmetric = typeof described === 'object' && described !== null && 'hmacSecrets' in described;
      keys = { description: 'stand-in', symmetric, getKeys: () => [], warm: async () => undefined } satisfies KeySource;
    }
    const verifier = createVerifier({ ...options, keys } as never);
    // Static keys and secrets are imported now (a remote JWKS is not fetched): a bad key fails here as at warm().
    if (problems.length === 0 && typeof described === 'object' && described !== null && ('static' in described || 'hmacSecrets' in described))
      await verifier.warm();
    return;
  }
  const ring = options['keyRing'];
  const keyRing =
    typeof ring === 'string'
      ? parseKeyRing(
          await readSmallFile(isAbsolute(ring) ? ring : resolve(baseDir, ring), 'key ring').catch((error: unknown) => {
            throw new TypeError(error instanceof UsageError ? error.message : `cannot read the key ring ${JSON.stringify(ring)}`);
          }),
          { baseDir },
        )
      : typeof ring === 'object' &&
          ring !== null &&
          Array.isArray((ring as KeyRingDocument).keys) &&
          (ring as KeyRingDocument).keys.some((key) => 'file' in key || 'jwk' in key)
        ? parseKeyRing(ring as KeyRingDocument, { baseDir })
        : ring;
  createIssuer({ users: NO_USERS, ...options, ...(keyRing === undefined ? {} : { keyRing }) } as never);
}

// The name as JSON.stringify wrote it: escaped quotes and backslashes included.
const UNKNOWN = /^latchkey: unknown option ("(?:[^"\\]|\\.)+") in (createVerifier|createIssuer) options/;

/** Every finding start-up would report, unknown top-level keys first. */
export async function checkConfig(kind: Kind, options: Record<string, unknown>, baseDir: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const remaining = { ...options };
  for (let round = 0; round < 50; round += 1) {
    const problems: string[] = [];
    try {
      await build(kind, remaining, baseDir, problems);
      return [...findings, ...problems.map((problem) => ({ problem }))];
    } catch (error) {
      if (!UNKNOWN.test(error instanceof Error ? error.message : '')) findings.push(...problems.map((problem) => ({ problem })));
      const message = error instanceof Error ? error.message : String(error);
      findings.push({ problem: message });
      const unknown = UNKNOWN.exec(message);
      if (unknown === null) return findings;
      delete remaining[JSON.parse(unknown[1]!) as string];
    }
  }
  return findings;
}

function kindOf(options: Record<string, unknown>): Kind | undefined {
  if ('signingKey' in options || 'keyRing' in options || 'developmentKeys' in options || 'users' in options) return 'issuer';
  if ('keys' in options || 'algorithms' in options) return 'verifier';
  return undefined;
}

async function load(path: string): Promise<Record<string, unknown>> {
  const extension = extname(path);
  let value: unknown;
  if (extension === '.json') {
    let text: string;
    try {
      text = await readSmallFile(path, 'configuration');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot read ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new UsageError(`${JSON.stringify(path)} is not valid JSON`);
    }
  } else if (['.js', '.mjs', '.cjs', '.ts', '.mts'].includes(extension)) {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
    } catch (error) {
      const hint = extension.endsWith('ts') ? ' (TypeScript needs a Node that strips types, ≥ 22.6; or check the compiled .js)' : '';
      throw new UsageError(`cannot load ${JSON.stringify(path)}${hint}: ${(error as Error).message}`);
    }
    value = module['default'] ?? module['verifier'] ?? module['issuer'];
  } else {
    throw new UsageError(`${JSON.stringify(path)}: expected a .json file or an ES module (.js, .mjs, .ts)`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${JSON.stringify(path)} does not hold an options object`);
  return value as Record<string, unknown>;
}

/** Runs `latchkey config …`. */
export async function configCommand(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(CONFIG_HELP);
    return sub === undefined ? EXIT.usage : EXIT.pass;
  }
  if (sub !== 'check') throw new UsageError(`unknown config command ${JSON.stringify(sub)} (check)`);
  const { values, positionals } = parseArgs({
    args: [...rest],
    strict: true,
    allowPositionals: true,
    options: { kind: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(CONFIG_HELP);
    return EXIT.pass;
  }
  if (positionals.length !== 1) throw new UsageError('config check needs exactly one file');
  if (values.kind !== undefined && values.kind !== 'verifier' && values.kind !== 'issuer') throw new UsageError('--kind must be verifier or issuer');
  const [file] = positionals as [string];
  const options = await load(file);
  const kind = (values.kind as Kind | undefined) ?? kindOf(options);
  if (kind === undefined) throw new UsageError(`cannot tell whether ${JSON.stringify(file)} configures a verifier or an issuer: pass --kind`);
  const findings = await checkConfig(kind, options, resolve(file, '..'));
  if (values.json) {
    io.out(JSON.stringify({ file, kind, accepted: findings.length === 0, findings }, null, 2));
  } else if (findings.length === 0) {
    io.out(`${paint(io, 'green', 'OK')}: start-up would accept this ${kind} configuration (${file})`);
  } else {
    io.out(`${paint(io, 'red', 'REJECTED')}: start-up would refuse this ${kind} configuration (${file})`);
    for (const finding of findings) io.out(`  - ${finding.problem}`);
  }
  return findings.length === 0 ? EXIT.pass : EXIT.fail;
}
