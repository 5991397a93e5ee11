import { describe, expect, it } from 'vitest';
import { describeUnserved, unservedCount, unservedOf } from '../src/common/unserved.js';

describe('the requests a load run did not serve', () => {
  it('takes the three counts out of a load result and nothing else', () => {
    expect(unservedOf({ non2xx: 1, errors: 2, timeouts: 3, requests: { total: 9 } } as never)).toEqual({ non2xx: 1, errors: 2, timeouts: 3 });
  });

  it('counts every kind', () => {
    expect(unservedCount({ non2xx: 1, errors: 2, timeouts: 3 })).toBe(6);
    expect(unservedCount({ non2xx: 0, errors: 0, timeouts: 0 })).toBe(0);
  });

  it('says which kinds failed, so a slow peer reads apart from a broken one', () => {
    expect(describeUnserved({ non2xx: 0, errors: 0, timeouts: 20 })).toBe('20 requests failed under load (timed out after 10 s: 20)');
    expect(describeUnserved({ non2xx: 3, errors: 1, timeouts: 0 }, 'refreshes')).toBe(
      '4 refreshes failed under load (answered outside 2xx: 3, connection errors: 1)',
    );
  });
});
