import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadPool } from '../src/common/pool-load.js';

let server: Server;
let url: string;
/** The items the server saw, from the `x-item` header. */
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(String(req.headers['x-item']));
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const carry = (request: object, item: string) => ({ ...request, headers: { 'x-item': item } });

it('sends every item of a small pool once, then ends without waiting for its duration', async () => {
  seen.length = 0;
  const pool = Array.from({ length: 50 }, (_, index) => `small-${index}`);
  const started = performance.now();
  const result = await loadPool({ url, method: 'GET', pool, carry, seconds: 20, connections: 5 });
  expect(performance.now() - started).toBeLessThan(10_000);
  expect([result.sent, result.total, result.unserved]).toEqual([50, 50, { non2xx: 0, errors: 0, timeouts: 0 }]);
  expect([...seen].sort()).toEqual([...pool].sort());
});

it('stops at its duration when the pool would last longer, each item sent at most once', async () => {
  seen.length = 0;
  const pool = Array.from({ length: 2_000_000 }, (_, index) => `large-${index}`);
  const started = performance.now();
  const result = await loadPool({ url, method: 'GET', pool, carry, seconds: 1, connections: 5 });
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(result.sent).toBeLessThan(pool.length);
  expect(result.total).toBeGreaterThan(0);
  expect(new Set(seen).size).toBe(seen.length);
});

it('refuses an empty pool (autocannon would take an amount of 0 as no bound)', async () => {
  await expect(loadPool({ url, method: 'GET', pool: [], carry, seconds: 1, connections: 1 })).rejects.toThrow(/empty/);
});
