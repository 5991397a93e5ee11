/**
 * Signer: the contract passes for the in-process default (every asymmetric family) and for a signer whose
 * key lives in a separate "KMS" over real HTTP (which answers ECDSA in DER, as cloud KMS APIs do); the
 * contract catches a signer that forgets the DER -> r||s conversion; an issuer signs with a KMS key and any
 * resource server verifies through the JWKS; a failing KMS is a 500, never a bad token.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { createVerifier, remoteJwks } from '@latchkey/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSigner, describeSignerContract } from '../src/contract.js';
import { inProcessSigner, type Signer } from '../src/keyring/signer.js';
import { thumbprint, type PublishedJwk } from '../src/keys.js';
import { issuerPerTest, login, send } from './helpers.js';

const ed25519 = (): KeyObject => generateKeyPairSync('ed25519').privateKey;
const ec = (namedCurve: string): KeyObject => generateKeyPairSync('ec', { namedCurve }).privateKey;
const rsa = (): KeyObject => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

describeSignerContract('inProcessSigner EdDSA', () => inProcessSigner('EdDSA', ed25519()));
describeSignerContract('inProcessSigner ES256', () => inProcessSigner('ES256', ec('P-256')));
describeSignerContract('inProcessSigner ES512', () => inProcessSigner('ES512', ec('P-521')));
describeSignerContract('inProcessSigner PS256', () => inProcessSigner('PS256', rsa()));

// A stand-in KMS: holds the private key in "another process" (behind HTTP on 127.0.0.1) and, like AWS KMS
// or Google Cloud KMS, answers ECDSA signatures DER-encoded.
let kms: Server;
let kmsUrl: string;
let kmsDown = false;
const kmsKey = ec('P-256');
beforeAll(async () => {
  kms = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (kmsDown) {
        response.writeHead(503).end();
        return;
      }
      const message = Buffer.from(Buffer.concat(chunks).toString(), 'base64');
      response.writeHead(200, { 'content-type': 'text/plain' }).end(cryptoSign('sha256', message, kmsKey).toString('base64'));
    });
  });
  kms.listen(0, '127.0.0.1');
  await once(kms, 'listening');
  kmsUrl = `http://127.0.0.1:${(kms.address() as AddressInfo).port}/sign`;
});
afterAll(async () => {
  kms.closeAllConnections();
  await new Promise((resolve) => kms.close(resolve));
});

/** ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }` -> fixed-length r || s (RFC 7518 §3.4). */
function derToJose(der: Uint8Array, size: number): Uint8Array {
  let offset = 2 + (der[1]! & 0x80 ? der[1]! & 0x7f : 0);
  const integer = (): Buffer => {
    const length = der[offset + 1]!;
    const value = Buffer.from(der.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
    const trimmed = value.subarray(Math.max(0, value.length - size));
    return Buffer.concat([Buffer.alloc(size - trimmed.length), trimmed]);
  };
  return Buffer.concat([integer(), integer()]);
}

function kmsSigner(convert: boolean): Signer {
  const jwk = kmsKey.export({ format: 'jwk' });
  const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as PublishedJwk;
  const kid = thumbprint(publicJwk);
  return {
    alg: 'ES256',
    kid,
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
    async sign(signingInput) {
      const answer = await fetch(kmsUrl, { method: 'POST', body: Buffer.from(signingInput).toString('base64') });
      if (!answer.ok) throw new Error(`KMS answered ${answer.status}`);
      const der = Buffer.from(await answer.text(), 'base64');
      return convert ? derToJose(der, 32) : der;
    },
  };
}

describeSignerContract('a KMS signer over HTTP (DER converted to r || s)', () => kmsSigner(true));

describe('the contract', () => {
  it('catches a KMS signer that hands over DER signatures unconverted', async () => {
    await expect(checkSigner(kmsSigner(false))).rejects.toThrow(/64 bytes \(r \|\| s, RFC 7518 §3.4\); got 7\d/);
  });

  it('catches a kid that is not the thumbprint, and a private member in publicJwk', async () => {
    const good = inProcessSigner('EdDSA', ed25519());
    await expect(checkSigner({ ...good, kid: 'key-1', publicJwk: { ...good.publicJwk, kid: 'key-1' } })).rejects.toThrow(/RFC 7638 thumbprint/);
    const key = ed25519();
    const leaky = inProcessSigner('EdDSA', key);
    await expect(checkSigner({ ...leaky, publicJwk: { ...leaky.publicJwk, d: key.export({ format: 'jwk' }).d! } })).rejects.toThrow(/private members: d/);
  });
});

describe('an issuer signing with a KMS key', () => {
  const start = issuerPerTest();

  it('publishes its public key and signs tokens any resource server verifies; a KMS outage is a 500', async () => {
    const signer = kmsSigner(true);
    const { url } = await start({ signingKey: undefined, keyRing: { keys: [{ key: signer, activateAt: '2020-01-01T00:00:00Z' }] } });
    const jwks = (await send(`${url}/.well-known/jwks.json`, { method: 'GET' })).body as { keys: PublishedJwk[] };
    expect(jwks.keys).toEqual([signer.publicJwk]);
    const { access } = await login(url);
    const resourceServer = createVerifier({
      keys: remoteJwks(`${url}/.well-known/jwks.json`),
      algorithms: ['ES256'],
      issuer: null,
      audience: null,
      typ: 'at+jwt',
    });
    expect((await resourceServer.verify(access)).header.kid).toBe(signer.kid);
    kmsDown = true;
    try {
      const answer = await send(`${url}/api/token/`, { body: { username: 'alice', password: 'wonderland' } });
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ detail: 'A server error occurred.' });
    } finally {
      kmsDown = false;
    }
  });
});
