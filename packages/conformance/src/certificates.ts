/**
 * Throw-away X.509 certificates for the mutual-TLS cases, made at test time by the `openssl` command line
 * (node:crypto makes keys, not certificates) in a temporary directory that is removed at once: no private
 * key is ever committed. Plain module, not a test file.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PEM key and certificate, and the certificate's RFC 8705 `x5t#S256`. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
  readonly thumbprint: string;
}

/** One self-signed P-256 certificate for `commonName` (the server's also names 127.0.0.1). */
function selfSigned(dir: string, name: string, commonName: string, server: boolean): TestCertificate {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${commonName}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ];
  if (server) args.push('-addext', 'subjectAltName=IP:127.0.0.1');
  execFileSync('openssl', args, { stdio: 'ignore' });
  const cert = readFileSync(certFile, 'utf8');
  return { key: readFileSync(keyFile, 'utf8'), cert, thumbprint: createHash('sha256').update(new X509Certificate(cert).raw).digest('base64url') };
}

/** A server certificate and two client certificates. */
export function createTestCertificates(): { server: TestCertificate; client: TestCertificate; otherClient: TestCertificate } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-certs-'));
  try {
    return {
      server: selfSigned(dir, 'server', '127.0.0.1', true),
      client: selfSigned(dir, 'client', 'client', false),
      otherClient: selfSigned(dir, 'other', 'other-client', false),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
