import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from '../src/mounts/read-body.js';

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

/** A server that reports what readBody resolved for each request. */
async function serve(maxBytes: number): Promise<{ port: number; results: Array<Buffer | 'too-large'> }> {
  const results: Array<Buffer | 'too-large'> = [];
  const server = createServer((req: IncomingMessage, res) => {
    void readBody(req, maxBytes).then((body) => {
      results.push(body);
      res.writeHead(body === 'too-large' ? 400 : 200, { connection: 'close' }).end(body === 'too-large' ? 'big' : String(body.length));
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, results };
}

describe('readBody', () => {
  it('reads a body up to the limit, refuses one declared or streamed past it', async () => {
    const { port } = await serve(100);
    const post = (body: string, chunked = false): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) } },
          (res) => {
            let text = '';
            res
              .setEncoding('utf8')
              .on('data', (chunk: string) => (text += chunk))
              .on('end', () => resolve({ status: res.statusCode!, text }));
          },
        );
        req.on('error', reject);
        if (chunked) for (let i = 0; i < body.length; i += 10) req.write(body.slice(i, i + 10));
        else req.write(body);
        req.end();
      });
    expect(await post('x'.repeat(100))).toEqual({ status: 200, text: '100' });
    expect((await post('x'.repeat(101))).status).toBe(400);
    expect((await post('x'.repeat(500), true)).status).toBe(400);
    expect(await post('x'.repeat(90), true)).toEqual({ status: 200, text: '90' });
  });

  it('resolves what arrived when the client goes away mid-body (no hang)', async () => {
    const { port, results } = await serve(1000);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 500\r\n\r\n{"refresh":"abc');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    for (let i = 0; i < 50 && results.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(results).toHaveLength(1);
    expect(results[0]!.toString()).toBe('{"refresh":"abc');
  });
});
