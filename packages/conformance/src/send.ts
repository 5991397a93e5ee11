/**
 * Requests whose every header the test chooses — a forged `Host`, a repeated `DPoP` — over HTTP or HTTPS
 * with a client certificate. `fetch` folds repeated headers and cannot set `Host`; node:http can.
 */
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What came back. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** TLS settings of a request: the server certificate to trust, and the client certificate to present. */
export interface ClientTls {
  readonly ca: string;
  readonly key?: string;
  readonly cert?: string;
}

/** Sends `GET url` with exactly these headers (an array value is sent as one line per item). */
export function sendRaw(url: string, headers: Readonly<Record<string, string | readonly string[]>>, tls?: ClientTls, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const options = { method, headers: headers as OutgoingHttpHeaders, ...(tls === undefined ? {} : { ca: tls.ca, key: tls.key, cert: tls.cert }) };
    const req = (tls === undefined ? httpRequest : httpsRequest)(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
