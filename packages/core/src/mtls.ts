/**
 * Certificate-bound access tokens (RFC 8705 §3): the SHA-256 thumbprint of the client certificate of the
 * request's TLS connection, read from the socket, or from a header a TLS-terminating proxy sets (and that
 * the user names explicitly: a client that can reach the app directly could otherwise forge it).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { refuseUnknownKeys } from './internal/strict-options.js';

/** The `mtls` option of `authenticate()`. */
export interface MtlsOptions {
  /**
   * Read the client certificate from this request header instead of the TLS socket: a URL-encoded PEM, as
   * nginx's `$ssl_client_escaped_cert` (`proxy_set_header X-Client-Cert $ssl_client_escaped_cert`). Only
   * when the app is reachable through that proxy alone. Default: none (the socket).
   */
  certificateHeader?: string;
}

const MTLS_OPTIONS = Object.keys({ certificateHeader: true } satisfies Record<keyof MtlsOptions, true>);
// A certificate chain of a few certificates URL-encoded stays far below this; Node's header limit is 16 KiB.
const MAX_CERTIFICATE_HEADER_BYTES = 16 * 1024;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Where the client certificate is read from, checked once. */
export interface MtlsPolicy {
  /** The lower-case header name, or `undefined` for the TLS socket. */
  readonly header: string | undefined;
}

/** Validates the `mtls` option (start-up); `undefined` when certificate-bound tokens are not accepted. */
export function resolveMtlsOptions(option: unknown): MtlsPolicy | undefined {
  if (option === undefined || option === false) return undefined;
  const given = (option === true ? {} : option) as MtlsOptions;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new TypeError('latchkey: "mtls" must be true or { certificateHeader? }');
  refuseUnknownKeys(given, MTLS_OPTIONS, 'the mtls option');
  const { certificateHeader } = given;
  if (certificateHeader !== undefined && (typeof certificateHeader !== 'string' || !HEADER_NAME.test(certificateHeader))) {
    throw new TypeError('latchkey: "mtls.certificateHeader" must be a header name, e.g. "x-client-cert"');
  }
  return Object.freeze({ header: certificateHeader?.toLowerCase() });
}

/** What a TLS socket offers (Node's `TLSSocket`); a plain socket has no `getPeerCertificate`. */
interface PeerCertificateSource {
  getPeerCertificate?(detailed?: boolean): { raw?: Buffer } | null | undefined;
}

/** The base64url SHA-256 of the DER certificate of the TLS peer, or `undefined` without one. */
export function socketCertificateThumbprint(socket: unknown): string | undefined {
  const source = socket as PeerCertificateSource | undefined;
  if (typeof source?.getPeerCertificate !== 'function') return undefined;
  const raw = source.getPeerCertificate(false)?.raw;
  return raw instanceof Uint8Array && raw.length > 0 ? createHash('sha256').update(raw).digest('base64url') : undefined;
}

/**
 * The thumbprint of the certificate a proxy forwarded (URL-encoded PEM), `undefined` when the header is
 * absent or empty (nginx sends an empty value without a client certificate); `null` when it is there but
 * not one well-formed certificate (sent twice, too large, not PEM).
 */
export function headerCertificateThumbprint(values: string | readonly string[] | undefined): string | undefined | null {
  if (values === undefined || values === '') return undefined;
  if (typeof values !== 'string' || values.length > MAX_CERTIFICATE_HEADER_BYTES) return null;
  try {
    // nginx escapes the PEM (newlines as %0A); a PEM is unchanged by decoding, so both forms pass.
    const certificate = new X509Certificate(decodeURIComponent(values));
    return createHash('sha256').update(certificate.raw).digest('base64url');
  } catch {
    return null;
  }
}
