/** Reads a Node request body with a size limit, for the mounts. */
import type { IncomingMessage } from 'node:http';

/**
 * What the mounts hand on for a body a framework parser (express.json(), koa-bodyparser) already read:
 * `'too-large'` when the request declared more than `maxBytes` — the issuer's limit holds whoever read the
 * body — else nothing (the parsed value goes as `parsedBody`).
 */
export function parsedBodyLimit(request: IncomingMessage, maxBytes: number): 'too-large' | undefined {
  return declaredOver(request, maxBytes) ? 'too-large' : undefined;
}

/** Whether the request's Content-Length says more than `maxBytes`. */
function declaredOver(request: IncomingMessage, maxBytes: number): boolean {
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) && declared > maxBytes;
}

/**
 * Reads a Node request body, at most `maxBytes`. Resolves the bytes, or `'too-large'` as soon as the
 * declared or received size exceeds the limit (the rest is not buffered). A body the client aborts
 * resolves what arrived, which then fails to parse: a 400, never a hang or a crash.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  if (declaredOver(request, maxBytes)) {
    request.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (value: Buffer | 'too-large'): void => {
      if (settled) return;
      settled = true;
      request.off('data', onData).off('end', onEnd).off('error', onEnd).off('close', onEnd);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        // Keep draining (so keep-alive works) without keeping the bytes.
        request.resume();
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks));
    request.on('data', onData).on('end', onEnd).on('error', onEnd).on('close', onEnd);
  });
}
