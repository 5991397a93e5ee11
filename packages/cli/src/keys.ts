/** `latchkey keys generate` and `latchkey keys jwks`. */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, importPKCS8, importSPKI, type JWK } from 'jose';
import { readKeyFile } from './key-input.js';
import { EXIT, UsageError, type Io } from './output.js';

/** `latchkey keys --help`. */
export const KEYS_HELP = `Usage: latchkey keys <generate|jwks|rotate> [options]

  generate --alg <EdDSA|ES256|RS256|PS256> --out <file> [--format jwk|pem]
      Write a new private key (file mode 0600) with kid = its RFC 7638 thumbprint; prints only the public JWK.
  jwks <files...>
      Print the public JWK Set of private or public key files (JWK or PEM). Private members are dropped.
  rotate --ring <keyring.json> [--alg ...] [--overlap 1h] [--max-token-lifetime 1d]
      One step of the issuer's key ring: drop retired keys, add a next key (see "keys rotate --help").

Examples:
  latchkey keys generate --alg EdDSA --out signing.jwk.json
  latchkey keys generate --alg RS256 --format pem --out signing.pem
  latchkey keys jwks signing.jwk.json next.jwk.json > jwks.json
  latchkey keys rotate --ring keyring.json --overlap 1h`;

/** Algorithms `keys generate` makes keys for. */
export const GENERATABLE = ['EdDSA', 'ES256', 'RS256', 'PS256'] as const;
/** One of {@link GENERATABLE}. */
export type GeneratableAlg = (typeof GENERATABLE)[number];
// The members a public JWK may carry, by key type (RFC 7518 §6, RFC 8037 §2), and those of every type
// (RFC 7517 §4). An allow-list: a private member of a key type or extension we do not know (ML-DSA's
// "priv", a vendor's field) is dropped rather than published.
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };
const COMMON_MEMBERS = ['kty', 'kid', 'alg', 'use', 'key_ops', 'x5u', 'x5c', 'x5t', 'x5t#S256'];

/** The public half of a JWK, with kid defaulted to its RFC 7638 thumbprint. */
export async function publicJwk(jwk: JWK): Promise<JWK> {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new UsageError('a key must be a JWK object');
  if (jwk.kty === 'oct') throw new UsageError('a symmetric (oct) key has no public half and never belongs in a JWKS');
  const members = typeof jwk.kty === 'string' && Object.hasOwn(PUBLIC_MEMBERS, jwk.kty) ? PUBLIC_MEMBERS[jwk.kty]! : undefined;
  if (members === undefined) throw new UsageError(`unsupported key type ${JSON.stringify(jwk.kty)} (RSA, EC or OKP)`);
  const pub: JWK = {};
  for (const [name, value] of Object.entries(jwk)) if (members.includes(name) || COMMON_MEMBERS.includes(name)) (pub as Record<string, unknown>)[name] = value;
  try {
    pub.kid ??= await calculateJwkThumbprint(pub, 'sha256');
  } catch (error) {
    throw new UsageError(`not a usable ${jwk.kty} key: ${(error as Error).message}`);
  }
  return pub;
}

/** A new private JWK with `kid` (its RFC 7638 thumbprint), `alg` and `use`; and its public half. */
export async function generatePrivateJwk(
  alg: GeneratableAlg,
): Promise<{ privateJwk: JWK; publicJwk: JWK; kid: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'] }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' || alg === 'PS256' ? { modulusLength: 2048 } : {}) });
  const pub = await publicJwk(await exportJWK(publicKey));
  pub.alg = alg;
  pub.use = 'sig';
  return { privateJwk: { ...(await exportJWK(privateKey)), kid: pub.kid, alg, use: 'sig' }, publicJwk: pub, kid: pub.kid!, privateKey };
}

async function generate(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: { alg: { type: 'string' }, out: { type: 'string' }, format: { type: 'string', default: 'jwk' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(KEYS_HELP);
    return EXIT.pass;
  }
  const alg = values.alg as GeneratableAlg | undefined;
  if (alg === undefined || !GENERATABLE.includes(alg)) throw new UsageError(`--alg must be one of ${GENERATABLE.join(', ')}`);
  if (values.format !== 'jwk' && values.format !== 'pem') throw new UsageError('--format must be jwk or pem');
  // A private key is written to a file or not at all: never to a terminal or a pipe someone may log.
  if (values.out === undefined) throw new UsageError('--out <file> is required: private keys are only written to a file (mode 0600)');
  const { privateJwk, publicJwk: pub, privateKey } = await generatePrivateJwk(alg);
  const contents = values.format === 'pem' ? await exportPKCS8(privateKey) : `${JSON.stringify(privateJwk, null, 2)}\n`;
  // flag 'wx': never overwrite an existing key by accident.
  try {
    await writeFile(values.out, contents, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new UsageError(`cannot write ${JSON.stringify(values.out)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  io.out(JSON.stringify(pub, null, 2));
  return EXIT.pass;
}

async function jwkOfFile(path: string): Promise<JWK[]> {
  const content = await readKeyFile(path);
  if (typeof content === 'string') {
    const isPrivate = content.includes('PRIVATE KEY-----');
    // jose needs an algorithm to import PEM; RS256/ES256/EdDSA cover the key types, and alg is not kept.
    for (const alg of ['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA']) {
      try {
        const key = isPrivate ? await importPKCS8(content, alg, { extractable: true }) : await importSPKI(content, alg, { extractable: true });
        return [await publicJwk(await exportJWK(key))];
      } catch {
        // try the next key type
      }
    }
    throw new UsageError(`${JSON.stringify(path)}: unsupported PEM key (expected PKCS#8 private or SPKI public)`);
  }
  const list = Array.isArray(content['keys']) ? (content['keys'] as JWK[]) : [content as JWK];
  return Promise.all(
    list.map((jwk, index) =>
      publicJwk(jwk).catch((error: unknown) => {
        throw error instanceof UsageError ? new UsageError(`${JSON.stringify(path)} key #${index}: ${error.message}`) : error;
      }),
    ),
  );
}

async function jwks(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.out(KEYS_HELP);
    return EXIT.pass;
  }
  if (positionals.length === 0) throw new UsageError('keys jwks needs at least one key file');
  const keys = (await Promise.all(positionals.map(jwkOfFile))).flat();
  io.out(JSON.stringify({ keys }, null, 2));
  return EXIT.pass;
}

/** Runs `latchkey keys …`. */
export async function keysCommand(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'generate') return generate(rest, io);
  if (sub === 'jwks') return jwks(rest, io);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(KEYS_HELP);
    return sub === undefined ? EXIT.usage : EXIT.pass;
  }
  throw new UsageError(`unknown keys command ${JSON.stringify(sub)} (generate, jwks, rotate)`);
}
