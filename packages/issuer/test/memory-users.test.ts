import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from '../src/users/password-hash.js';
import { createMemoryUsers } from '../src/users/memory-users.js';
import { TEST_COST } from './helpers.js';

const request = { method: 'POST', path: '/api/token/', headers: {}, clientAddress: undefined, userAgent: undefined };

describe('password hashes', () => {
  it("default to OWASP's scrypt minimum (N 2^17, r 8, p 1) and verify in constant time", async () => {
    expect(DEFAULT_SCRYPT_COST).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const hash = await hashPassword('correct horse', DEFAULT_SCRYPT_COST);
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
    expect(await verifyPassword('x', 'not a hash')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same', TEST_COST)).not.toBe(await hashPassword('same', TEST_COST));
  });

  it('refuses costs outside sane bounds', async () => {
    await expect(hashPassword('x', { N: 1000, r: 8, p: 1 })).rejects.toThrow(/power of two/);
    await expect(createMemoryUsers([], { cost: { N: 2 ** 12, r: 0, p: 1 } })).rejects.toThrow(/"r"/);
  });
});

describe('createMemoryUsers', () => {
  it('authenticates by user name and password; unknown users, wrong passwords and blanks are null', async () => {
    const users = await createMemoryUsers([{ id: '7', username: 'alice', password: 'pw', team: 'red' }], { cost: TEST_COST });
    expect(await users.authenticate({ username: 'alice', password: 'pw' }, request)).toEqual({ id: '7', username: 'alice', isActive: true, team: 'red' });
    expect(await users.authenticate({ username: 'alice', password: 'PW' }, request)).toBeNull();
    expect(await users.authenticate({ username: 'mallory', password: 'pw' }, request)).toBeNull();
    expect(await users.getUser('7')).toMatchObject({ username: 'alice' });
    expect(await users.getUser('8')).toBeNull();
  });

  it('refuses bad user lists and unknown options', async () => {
    await expect(createMemoryUsers([{ id: '1', username: 'a' }])).rejects.toThrow(/exactly one of "password" and "passwordHash"/);
    await expect(
      createMemoryUsers(
        [
          { id: '1', username: 'a', password: 'x' },
          { id: '1', username: 'b', password: 'y' },
        ],
        { cost: TEST_COST },
      ),
    ).rejects.toThrow(/twice/);
    await expect(createMemoryUsers([], { costs: TEST_COST } as never)).rejects.toThrow(/unknown option "costs".*did you mean "cost"/);
  });

  it('spends the same time on an unknown user as on a wrong password (no enumeration by timing)', async () => {
    // A cost high enough that scrypt, not scheduling noise, dominates; medians of interleaved samples.
    const cost = { N: 2 ** 14, r: 8, p: 1 };
    const users = await createMemoryUsers([{ id: '1', username: 'alice', password: 'wonderland' }], { cost });
    const time = async (username: string): Promise<number> => {
      const started = performance.now();
      await users.authenticate({ username, password: 'wrong' }, request);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    await time('alice');
    for (let round = 0; round < 15; round += 1) {
      known.push(await time('alice'));
      unknown.push(await time(`nobody-${round}`));
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const ratio = median(unknown) / median(known);
    // Without the dummy hash the unknown user would answer in microseconds (ratio near 0).
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });
});
