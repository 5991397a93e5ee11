/**
 * The key ring as a JSON document, so every instance reads the same data (a mounted secret, a config map
 * plus key files, or one environment variable) and so agrees on the active key without talking to the others.
 *
 * ```json
 * { "keys": [
 *   { "kid": "…", "alg": "EdDSA", "file": "2026-11.jwk.json", "activateAt": "2026-11-01T00:00:00Z", "retireAt": "2026-12-02T00:02:00Z" },
 *   { "kid": "…", "alg": "EdDSA", "file": "2026-12.jwk.json", "activateAt": "2026-12-01T00:00:00Z" }
 * ] }
 * ```
 *
 * `file` is a PEM or a JWK (an `oct` JWK for an HMAC secret), relative to the ring file; `jwk` gives the key
 * inline instead. `kid`, when given, must be the key's RFC 7638 thumbprint (a swapped file is caught at
 * start-up). `addedAt` is informational (written by `latchkey keys rotate`).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { refuseUnknownKeys } from '@latchkey/core/adapter';
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { thumbprint, type SigningAlgorithm, type SigningKeyInput } from '../keys.js';
import type { KeyRingEntry, KeyRingOptions } from './ring.js';

/** One key of a ring document. */
export interface KeyRingFileEntry {
  kid?: string;
  alg?: SigningAlgorithm;
  file?: string;
  jwk?: JsonWebKey;
  activateAt: string;
  retireAt?: string;
  addedAt?: string;
}

/** A ring document (`keyring.json`). */
export interface KeyRingDocument {
  keys: KeyRingFileEntry[];
  retireMarginSeconds?: number;
}

const DOCUMENT_MEMBERS = ['keys', 'retireMarginSeconds'];
const ENTRY_MEMBERS = ['kid', 'alg', 'file', 'jwk', 'activateAt', 'retireAt', 'addedAt'];

function keyOf(jwkOrPem: JsonWebKey | string, where: string): SigningKeyInput {
  if (typeof jwkOrPem === 'string') return jwkOrPem;
  if (jwkOrPem.kty === 'oct') {
    if (typeof jwkOrPem.k !== 'string') throw new TypeError(`${where}: an oct JWK needs "k"`);
    return Buffer.from(jwkOrPem.k, 'base64url');
  }
  return jwkOrPem;
}

function readKey(path: string, where: string): JsonWebKey | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TypeError(`${where}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (text.trimStart().startsWith('-----BEGIN')) return text;
  try {
    return JSON.parse(text) as JsonWebKey;
  } catch {
    // The file may hold a secret: never quoted in the message.
    throw new TypeError(`${where}: ${JSON.stringify(path)} is neither PEM nor a JWK`);
  }
}

function checkKid(entry: KeyRingFileEntry, key: SigningKeyInput, where: string): void {
  if (entry.kid === undefined || entry.alg?.startsWith('HS') === true || Buffer.isBuffer(key)) return;
  let actual: string;
  try {
    const jwk = createPrivateKey(typeof key === 'string' ? key : { key: key as JsonWebKey, format: 'jwk' }).export({ format: 'jwk' });
    actual = thumbprint(jwk);
  } catch (cause) {
    throw new TypeError(`${where}: the key could not be read as a private key`, { cause });
  }
  if (actual !== entry.kid) throw new TypeError(`${where}: "kid" ${entry.kid} is not the key's RFC 7638 thumbprint (${actual}): wrong file?`);
}

/**
 * Reads a ring document (a JSON string or the parsed object) into the `keyRing` option. Key files are
 * read now, relative to `baseDir` (default: the working directory). Unknown members are refused.
 *
 * @example createIssuer({ keyRing: parseKeyRing(process.env.KEY_RING!), users })
 */
export function parseKeyRing(document: string | KeyRingDocument, options: { baseDir?: string } = {}): KeyRingOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('parseKeyRing: options must be an object');
  refuseUnknownKeys(options, ['baseDir'], 'parseKeyRing options');
  if (options.baseDir !== undefined && typeof options.baseDir !== 'string') throw new TypeError('parseKeyRing: "baseDir" must be a directory path');
  let value: unknown = document;
  if (typeof document === 'string') {
    try {
      value = JSON.parse(document);
    } catch {
      throw new TypeError('parseKeyRing: the key ring is not valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as KeyRingDocument).keys))
    throw new TypeError('parseKeyRing: a key ring is an object { "keys": [...] }');
  refuseUnknownKeys(value, DOCUMENT_MEMBERS, 'the key ring');
  const ring = value as KeyRingDocument;
  const keys = ring.keys.map((entry, index): KeyRingEntry => {
    const where = `key ring keys[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new TypeError(`${where} must be an object`);
    refuseUnknownKeys(entry, ENTRY_MEMBERS, `the key ring's keys[${index}]`);
    if ((entry.file === undefined) === (entry.jwk === undefined)) throw new TypeError(`${where}: give exactly one of "file" and "jwk"`);
    const material =
      entry.file === undefined ? entry.jwk! : readKey(isAbsolute(entry.file) ? entry.file : join(options.baseDir ?? process.cwd(), entry.file), where);
    const key = keyOf(material, where);
    checkKid(entry, key, where);
    return {
      key,
      activateAt: entry.activateAt,
      ...(entry.alg === undefined ? {} : { algorithm: entry.alg }),
      ...(entry.retireAt === undefined ? {} : { retireAt: entry.retireAt }),
    };
  });
  return { keys, ...(ring.retireMarginSeconds === undefined ? {} : { retireMarginSeconds: ring.retireMarginSeconds }) };
}

/** Reads a ring file (`keyring.json`); key files are relative to it. */
export function keyRingFromFile(path: string): KeyRingOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TypeError(`keyRingFromFile: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseKeyRing(text, { baseDir: dirname(path) });
}
