/**
 * Login limits over real HTTP on Express, Koa and Fastify: the client address is the framework's own
 * (`trust proxy`, `app.proxy`, `trustProxy`), never a raw X-Forwarded-For; 429 with Retry-After; a real
 * user is never locked out by failures from another address; a success resets the account's counter.
 */
import { describe, expect, it } from 'vitest';
import type { IssuerEvent } from '../src/events.js';
import { memoryLimiterStore, type LimiterStore } from '../src/limits/store.js';
import { MOUNT_NAMES, mountPerTest } from './frameworks.js';
import { send, type Answer } from './helpers.js';

const WRONG = { username: 'alice', password: 'not-the-password' };
const RIGHT = { username: 'alice', password: 'wonderland' };
const TIGHT = {
  perAccountAndAddress: { attempts: 3, windowSeconds: 600, blockSeconds: 120 },
  perAddress: { attempts: 50, windowSeconds: 600, blockSeconds: 300 },
};

function expectThrottled(answer: Answer, maxSeconds: number): void {
  expect(answer.status).toBe(429);
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= maxSeconds).toBe(true);
  expect(answer.body).toEqual({ detail: `Request was throttled. Expected available in ${retryAfter} seconds.`, code: 'throttled' });
  expect(answer.headers.get('cache-control')).toBe('no-store');
}

describe.each(MOUNT_NAMES)('login limits on %s', (mount) => {
  const start = mountPerTest(mount);
  const events: IssuerEvent[] = [];
  const limited = (loginLimits: object, trustProxy = false) => {
    events.length = 0;
    return start({ loginLimits, onEvent: (event) => void events.push(event) }, { trustProxy });
  };
  const obtain = (url: string, body: object, forwardedFor?: string) =>
    send(`${url}/api/token/`, { body, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });

  it('blocks an account+address after its failures with 429 and Retry-After, even for the right password', async () => {
    const { url } = await limited(TIGHT);
    for (let i = 0; i < 3; i++) expect((await obtain(url, WRONG)).status).toBe(401);
    expectThrottled(await obtain(url, WRONG), 120);
    expectThrottled(await obtain(url, RIGHT), 120);
    expect(events.filter((event) => event.type === 'login.failed')).toHaveLength(3);
    expect(events.filter((event) => event.type === 'login.rate_limited')).toMatchObject([
      { type: 'login.rate_limited', scope: 'account-address', clientAddress: '127.0.0.1' },
      { type: 'login.rate_limited', scope: 'account-address', clientAddress: '127.0.0.1' },
    ]);
  });

  it('does not lock the real user out: a correct password from another address gets in', async () => {
    const { url } = await limited(TIGHT, true);
    for (let i = 0; i < 3; i++) expect((await obtain(url, WRONG, '203.0.113.7')).status).toBe(401);
    expectThrottled(await obtain(url, RIGHT, '203.0.113.7'), 120);
    expect((await obtain(url, RIGHT, '198.51.100.2')).status).toBe(200);
    expect(events.find((event) => event.type === 'login.failed')).toMatchObject({ clientAddress: '203.0.113.7' });
  });

  it('ignores a forged X-Forwarded-For when the framework does not trust proxies', async () => {
    const { url } = await limited(TIGHT);
    for (let i = 0; i < 3; i++) expect((await obtain(url, WRONG, `192.0.2.${i + 1}`)).status).toBe(401);
    expectThrottled(await obtain(url, RIGHT, '192.0.2.99'), 120);
    expect(events.filter((event) => event.type === 'login.failed').map((event) => (event as { clientAddress?: string }).clientAddress)).toEqual([
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
    ]);
  });

  it('resets the account+address counter on a successful login', async () => {
    const { url } = await limited(TIGHT);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++) expect((await obtain(url, WRONG)).status).toBe(401);
      expect((await obtain(url, RIGHT)).status).toBe(200);
    }
  });

  it('limits one address spraying many accounts (per address), and counts parallel guesses before checking them', async () => {
    const { url } = await limited({
      perAccountAndAddress: { attempts: 100, windowSeconds: 600, blockSeconds: 60 },
      perAddress: { attempts: 5, windowSeconds: 600, blockSeconds: 300 },
    });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => obtain(url, { username: `user${i}`, password: 'guess' })));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(5);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(7);
    expectThrottled(refused[0]!, 300);
    expect(events.filter((event) => event.type === 'login.rate_limited').every((event) => (event as { scope: string }).scope === 'address')).toBe(true);
  });

  it('makes no per-account counter for an address already blocked: a client cycling user names allocates nothing', async () => {
    // A memory store that records every key a limit was charged under.
    const charged = new Map<string, Set<string>>();
    const inner = memoryLimiterStore();
    const store: LimiterStore = {
      create(settings) {
        const limiter = inner.create(settings);
        const keys = new Set<string>();
        charged.set(settings.keyPrefix, keys);
        const consume = limiter.consume.bind(limiter);
        limiter.consume = (key, points) => (keys.add(String(key)), consume(key, points));
        return limiter;
      },
    };
    const { url } = await limited({ ...TIGHT, perAddress: { attempts: 4, windowSeconds: 600, blockSeconds: 300 }, store });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await obtain(url, { username: `user${i}`, password: 'guess' })).status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(26);
    // The four checked guesses (and the fifth, the one that tripped the address limit, is refused first).
    expect(charged.get('latchkey:login:account-address')!.size).toBe(4);
    expect(charged.get('latchkey:login:address')!.size).toBe(1);
  });

  it('can be turned off', async () => {
    const { url } = await limited(false as never);
    for (let i = 0; i < 12; i++) expect((await obtain(url, WRONG)).status).toBe(401);
  });
});
