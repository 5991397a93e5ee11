/**
 * `latchkey keys rotate`: one step of the issuer's key ring, on command or from a scheduler (cron, CI).
 * The ring file is the data every issuer instance reads (`keyRingFromFile`); this command only edits it:
 * it drops retired keys, and adds a next key that activates after the overlap, giving the active key the
 * retire time its last tokens need. Promotion needs no command: a next key becomes active at its
 * `activateAt`, on every instance at once, because the state is a function of the ring and the clock.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  keyStatesAt,
  parseKeyRing,
  scheduleKeys,
  DEFAULT_RETIRE_MARGIN_SECONDS,
  type KeyRingDocument,
  type KeyRingFileEntry,
  type KeyState,
} from '@latchkey/issuer';
import { durationSeconds } from './duration.js';
import { generatePrivateJwk, GENERATABLE, type GeneratableAlg } from './keys.js';
import { EXIT, UsageError, paint, type Io } from './output.js';
import { readSmallFile } from './read-file.js';

/** `latchkey keys rotate --help`. */
export const ROTATE_HELP = `Usage: latchkey keys rotate --ring <keyring.json> [options]

One rotation step of the issuer's key ring (next -> active -> retiring -> retired):
  - keys whose retire time has passed are dropped from the ring (their files are left for you to delete);
  - with no key at all, a first key is created, active at once;
  - with no next key, a new one is created that activates after --overlap, and the active key gets
    its retire time (that activation + --max-token-lifetime + the ring's margin);
  - with a next key already pending, nothing is added (it becomes active by itself at its time).
Private keys are written to new files (mode 0600) beside the ring; only public data is printed.

Options:
  --ring <file>                 the ring file every issuer instance reads (created if missing)
  --alg <alg>                   EdDSA, ES256, RS256, PS256 or HS256 (default: the newest key's, else EdDSA)
  --overlap <duration>          how long the next key is published before it signs (default 1h);
                                at least --jwks-max-age, so every cached JWKS has seen it
  --jwks-max-age <duration>     the issuer's jwksMaxAgeSeconds (default 300)
  --max-token-lifetime <dur>    the longest token lifetime of the issuer, leeway included (default 1d)
  --now <iso time>              plan as if it were this time (default: now)
  --json                        print the ring's states as JSON

Examples:
  latchkey keys rotate --ring /etc/latchkey/keyring.json
  latchkey keys rotate --ring keyring.json --alg ES256 --overlap 2h --max-token-lifetime 14d`;

const ROTATABLE = [...GENERATABLE, 'HS256'] as const;
type RotatableAlg = (typeof ROTATABLE)[number];

async function readRing(path: string): Promise<KeyRingDocument> {
  let text: string;
  try {
    text = await readSmallFile(path, 'key ring');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { keys: [] };
    throw error;
  }
  let ring: KeyRingDocument;
  try {
    ring = JSON.parse(text) as KeyRingDocument;
    if (typeof ring !== 'object' || ring === null || !Array.isArray(ring.keys)) throw new Error('no keys');
  } catch {
    throw new UsageError(`${JSON.stringify(path)} is not a key ring ({ "keys": [...] })`);
  }
  // What every issuer instance will check when it reads the ring: members, types, key files. A ring the
  // issuer would refuse is refused here, before this command adds to it.
  try {
    parseKeyRing(ring, { baseDir: dirname(path) });
  } catch (error) {
    throw new UsageError(`${JSON.stringify(path)}: ${(error as Error).message}`);
  }
  return ring;
}

/** Writes a new private key file (0600, never over an existing file); returns the ring entry's material. */
async function newKey(alg: RotatableAlg, dir: string, stamp: string): Promise<{ kid?: string; file: string }> {
  if (alg === 'HS256') {
    // 64 random bytes: twice what RFC 7518 §3.2 requires for HS256. No kid: HMAC tokens carry none.
    const file = `hmac-${stamp}.jwk.json`;
    await writePrivate(join(dir, file), `${JSON.stringify({ kty: 'oct', k: randomBytes(64).toString('base64url'), alg })}\n`);
    return { file };
  }
  const { privateJwk, kid } = await generatePrivateJwk(alg as GeneratableAlg);
  const file = `${kid}.jwk.json`;
  await writePrivate(join(dir, file), `${JSON.stringify(privateJwk, null, 2)}\n`);
  return { kid, file };
}

async function writePrivate(path: string, contents: string): Promise<void> {
  try {
    await writeFile(path, contents, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new UsageError(`cannot write ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/**
 * Replaces the ring file in one step (a reader never sees half a ring), keeping its mode: a ring with
 * inline private keys may be 0600, and must not become world-readable. A new ring is 0644 (it names
 * files; it holds no secrets unless you put them inline). The temporary file is created exclusively
 * (`wx`), so a file or link planted at its name is not followed.
 */
async function writeRing(path: string, ring: KeyRingDocument): Promise<void> {
  const mode = await stat(path).then(
    (stats) => stats.mode & 0o777,
    () => 0o644,
  );
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(ring, null, 2)}\n`, { mode, flag: 'wx' });
    // The umask may have narrowed the mode given to writeFile: set it exactly.
    await chmod(temporary, mode);
  } catch (error) {
    throw new UsageError(`cannot write beside ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  await rename(temporary, path);
}

interface Row {
  kid: string;
  alg: string;
  state: KeyState;
  activateAt: string;
  retireAt: string | undefined;
}

function statesOf(ring: KeyRingDocument, maxTokenLifetimeSeconds: number, nowMs: number): Row[] {
  let schedule;
  try {
    schedule = scheduleKeys(ring.keys, { maxTokenLifetimeSeconds, retireMarginSeconds: ring.retireMarginSeconds }, 'ring');
  } catch (error) {
    throw new UsageError(`the ring is not valid: ${(error as Error).message.replace(/^createIssuer: /, '')}`);
  }
  const states = keyStatesAt(schedule, nowMs);
  return schedule.map((key, position) => {
    const entry = ring.keys[key.index]!;
    return {
      kid: entry.kid ?? `(HMAC ${entry.file ?? 'inline'})`,
      alg: entry.alg ?? '?',
      state: states[position]!,
      activateAt: entry.activateAt,
      retireAt: Number.isFinite(key.retireAtMs) ? new Date(key.retireAtMs).toISOString() : undefined,
    };
  });
}

/** Runs `latchkey keys rotate`. */
export async function rotateCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      ring: { type: 'string' },
      alg: { type: 'string' },
      overlap: { type: 'string', default: '1h' },
      'jwks-max-age': { type: 'string', default: '300' },
      'max-token-lifetime': { type: 'string', default: '1d' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(ROTATE_HELP);
    return EXIT.pass;
  }
  if (values.ring === undefined) throw new UsageError('--ring <file> is required');
  const overlapSeconds = durationSeconds('--overlap', values.overlap);
  const jwksMaxAgeSeconds = durationSeconds('--jwks-max-age', values['jwks-max-age']);
  const maxTokenLifetimeSeconds = durationSeconds('--max-token-lifetime', values['max-token-lifetime']);
  if (overlapSeconds < jwksMaxAgeSeconds)
    throw new UsageError(
      `--overlap (${overlapSeconds} s) must be at least --jwks-max-age (${jwksMaxAgeSeconds} s): a resource server may serve a JWKS that old`,
    );
  // ISO 8601 with a zone only: Date.parse also takes "1" (2001) and zone-less local times.
  if (values.now !== undefined && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(values.now))
    throw new UsageError('--now must be an ISO 8601 time with a zone, such as 2026-12-01T00:00:00Z');
  const nowMs = values.now === undefined ? Date.now() : Date.parse(values.now);
  if (!Number.isFinite(nowMs)) throw new UsageError('--now must be an ISO 8601 time with a zone, such as 2026-12-01T00:00:00Z');
  const ring = await readRing(values.ring);
  const newest = ring.keys.at(-1)?.alg;
  const alg = (values.alg ?? newest ?? 'EdDSA') as RotatableAlg;
  if (!ROTATABLE.includes(alg)) throw new UsageError(`--alg must be one of ${ROTATABLE.join(', ')}`);
  if (newest !== undefined && newest.startsWith('HS') !== alg.startsWith('HS')) throw new UsageError('a ring holds HMAC secrets or asymmetric keys, not both');

  const notes: string[] = [];
  // 1. Drop retired keys.
  const before = statesOf(ring, maxTokenLifetimeSeconds, nowMs);
  const schedule = scheduleKeys(ring.keys, { maxTokenLifetimeSeconds, retireMarginSeconds: ring.retireMarginSeconds }, 'ring');
  const retired = new Set(schedule.filter((_, position) => before[position]!.state === 'retired').map((key) => key.index));
  for (const index of retired)
    notes.push(`dropped ${ring.keys[index]!.kid ?? 'an HMAC secret'} (retired); ${ring.keys[index]!.file ?? 'its key'} may be deleted`);
  ring.keys = ring.keys.filter((_, index) => !retired.has(index));
  // 2. Add a key: the first one active now, else a next one after the overlap.
  const states = statesOf(ring, maxTokenLifetimeSeconds, nowMs);
  const stamp = new Date(nowMs).toISOString().replace(/[-:.]/g, '');
  const addedAt = new Date(nowMs).toISOString();
  if (ring.keys.length === 0) {
    const material = await newKey(alg, dirname(values.ring), stamp);
    ring.keys.push({ ...(material.kid === undefined ? {} : { kid: material.kid }), alg, file: material.file, activateAt: addedAt, addedAt });
    notes.push(`created ${material.kid ?? 'an HMAC secret'} (${alg}), active now`);
  } else if (!states.some((row) => row.state === 'next')) {
    const activateAtMs = nowMs + overlapSeconds * 1000;
    const margin = ring.retireMarginSeconds ?? DEFAULT_RETIRE_MARGIN_SECONDS;
    const material = await newKey(alg, dirname(values.ring), stamp);
    // The active key (the newest one, since none is next) retires once its last tokens have expired.
    const active = ring.keys.reduce((latest, entry) => (Date.parse(entry.activateAt) > Date.parse(latest.activateAt) ? entry : latest));
    active.retireAt = new Date(activateAtMs + (maxTokenLifetimeSeconds + margin) * 1000).toISOString();
    const entry: KeyRingFileEntry = {
      ...(material.kid === undefined ? {} : { kid: material.kid }),
      alg,
      file: material.file,
      activateAt: new Date(activateAtMs).toISOString(),
      addedAt,
    };
    ring.keys.push(entry);
    notes.push(
      `added next key ${material.kid ?? 'an HMAC secret'} (${alg}), active from ${entry.activateAt}; ${active.kid ?? 'the active secret'} retires at ${active.retireAt}`,
    );
  } else {
    const next = states.find((row) => row.state === 'next')!;
    notes.push(`a next key (${next.kid}) is already published and activates at ${next.activateAt}; nothing added`);
  }
  await writeRing(values.ring, ring);
  const rows = statesOf(ring, maxTokenLifetimeSeconds, nowMs);
  if (values.json) {
    io.out(JSON.stringify({ ring: values.ring, notes, keys: rows }, null, 2));
    return EXIT.pass;
  }
  for (const note of notes) io.out(note);
  const colour = { next: 'yellow', active: 'green', retiring: 'dim', retired: 'red' } as const;
  for (const row of rows) {
    io.out(
      `  ${paint(io, colour[row.state], row.state.padEnd(8))}  ${row.alg.padEnd(6)}  ${row.kid}  from ${row.activateAt}${row.retireAt === undefined ? '' : `  until ${row.retireAt}`}`,
    );
  }
  return EXIT.pass;
}
