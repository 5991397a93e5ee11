import { describe, expect, it } from 'vitest';
import { MAX_CACHE_CONTROL_CHARS, freshnessMs, parseCacheControl } from '../src/jwks/cache-control.js';
import type { CacheHeaders } from '../src/jwks/fetch-json.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const BOUNDS = { defaultMs: 600_000, minMs: 30_000, maxMs: 86_400_000 };
const headers = (patch: Partial<CacheHeaders>): CacheHeaders => ({ cacheControl: null, expires: null, date: null, age: null, ...patch });
const fresh = (patch: Partial<CacheHeaders>) => freshnessMs(headers(patch), BOUNDS, NOW);

describe('freshnessMs', () => {
  it('uses max-age, in seconds', () => {
    expect(fresh({ cacheControl: 'public, max-age=300' })).toBe(300_000);
    expect(fresh({ cacheControl: 'MAX-AGE="120", must-revalidate' })).toBe(120_000);
  });

  it('subtracts the Age header', () => {
    expect(fresh({ cacheControl: 'max-age=300', age: '100' })).toBe(200_000);
  });

  it('clamps to the bounds', () => {
    expect(fresh({ cacheControl: 'max-age=1' })).toBe(30_000);
    expect(fresh({ cacheControl: 'max-age=0' })).toBe(30_000);
    expect(fresh({ cacheControl: 'max-age=99999999999999999999' })).toBe(86_400_000);
  });

  it('gives the minimum for no-cache and no-store, whatever max-age says', () => {
    expect(fresh({ cacheControl: 'no-cache, max-age=3600' })).toBe(30_000);
    expect(fresh({ cacheControl: 'max-age=3600, no-store' })).toBe(30_000);
  });

  it('falls back to Expires − Date, then to the default', () => {
    const date = new Date(NOW - 60_000).toUTCString();
    const expires = new Date(NOW + 3_540_000).toUTCString();
    expect(fresh({ expires, date })).toBe(3_600_000);
    expect(fresh({ expires: new Date(NOW + 120_000).toUTCString() })).toBe(120_000);
    expect(fresh({ expires: '0' })).toBe(30_000);
    expect(fresh({})).toBe(600_000);
    expect(fresh({ cacheControl: 'public' })).toBe(600_000);
  });

  it('ignores s-maxage, and takes a malformed max-age as stale (RFC 9111 §4.2.1): refresh at the floor', () => {
    expect(fresh({ cacheControl: 's-maxage=5000' })).toBe(600_000);
    expect(fresh({ cacheControl: 'max-age=-5' })).toBe(30_000);
    expect(fresh({ cacheControl: 'max-age=1e3' })).toBe(30_000);
    expect(fresh({ cacheControl: 'max-age' })).toBe(30_000);
    // A malformed max-age is not rescued by Expires: the server's freshness information is invalid.
    expect(fresh({ cacheControl: 'max-age=soon', expires: new Date(NOW + 3_600_000).toUTCString() })).toBe(30_000);
  });
});

describe('parseCacheControl', () => {
  it('lower-cases names, unquotes arguments and keeps the first occurrence', () => {
    const parsed = parseCacheControl('Max-Age=60, private="x, y", max-age=10,no-transform');
    expect([...parsed]).toEqual([
      ['max-age', '60'],
      ['private', 'x, y'],
      ['no-transform', ''],
    ]);
  });
});

describe('parseCacheControl: hostile values', () => {
  it('parses in linear time: long runs of token characters, quotes and separators', () => {
    // Each took the backtracking regular expression quadratic time (0.66 s for 16 KiB of the first).
    const shapes = [
      `${'a'.repeat(1000)}"`,
      `${'a'.repeat(1000)};`,
      `max-age${' '.repeat(1000)}x`,
      `max-age=${'1'.repeat(1000)} x`,
      `x="${'\\'.repeat(1000)}`,
      `${'a='.repeat(500)}`,
      `${'a '.repeat(500)}`,
    ];
    for (const shape of shapes) {
      const value = shape.slice(0, MAX_CACHE_CONTROL_CHARS);
      const started = performance.now();
      for (let i = 0; i < 200; i++) parseCacheControl(value);
      expect(performance.now() - started, shape.slice(0, 12)).toBeLessThan(200);
    }
  });

  it('ignores a value over the length cap, as if absent, at once', () => {
    const huge = `max-age=60, ${'a'.repeat(16 * 1024)}`;
    const started = performance.now();
    expect(parseCacheControl(huge).size).toBe(0);
    expect(fresh({ cacheControl: huge })).toBe(BOUNDS.defaultMs);
    expect(fresh({ cacheControl: `${'a'.repeat(1024 * 1024)}` })).toBe(BOUNDS.defaultMs);
    expect(performance.now() - started).toBeLessThan(50);
    expect(parseCacheControl(`max-age=60,${' '.repeat(MAX_CACHE_CONTROL_CHARS - 11)}`).get('max-age')).toBe('60');
  });

  it('skips what it cannot parse up to the next comma, and keeps the rest', () => {
    expect([...parseCacheControl('max-age=60 junk, public, x="unterminated')]).toEqual([['public', '']]);
    expect([...parseCacheControl('=5, "quoted", max-age=30')]).toEqual([['max-age', '30']]);
    expect([...parseCacheControl(' , ,max-age = 45 ,')]).toEqual([['max-age', '45']]);
  });
});
