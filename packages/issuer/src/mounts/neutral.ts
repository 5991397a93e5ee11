/** Turns the parts of a Node request into the issuer's framework-neutral request. */
import type { IncomingHttpHeaders } from 'node:http';
import type { IssuerRequest } from '../http/types.js';

/** The neutral request from a Node request's parts (shared by the three mounts). */
export function neutralRequest(parts: {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer | 'too-large' | undefined;
  parsedBody?: unknown;
  clientAddress: string | undefined;
}): IssuerRequest {
  const { headers } = parts;
  return {
    method: parts.method,
    path: parts.path,
    headers,
    contentType: headers['content-type'],
    body: parts.body,
    parsedBody: parts.parsedBody,
    clientAddress: parts.clientAddress,
    userAgent: headers['user-agent'],
  };
}
