import { describe, expect, it } from 'vitest';
import { FRAMEWORKS, HTTP_CONTENDERS } from '../src/http/contenders.js';
import { CONTENDERS } from '../src/verify/index.js';

// Each phase divides by figures it took earlier in the same round: the HTTP phase divides req/s by the
// bare framework's and req/s and server CPU by the floor server's, the in-process phase by the floor's.
// Those references must run before anything compared to them.
describe('the order contenders run in', () => {
  it.each(FRAMEWORKS)('%s over HTTP: the bare framework, then the floor server, then the rest', (framework) => {
    const kinds = HTTP_CONTENDERS[framework].map((contender) => contender.kind);
    expect(kinds.slice(0, 2)).toEqual(['bare', 'floor']);
    expect(kinds.slice(2)).not.toContain('bare');
    expect(kinds.slice(2)).not.toContain('floor');
    expect(kinds.slice(2)).toContain('latchkey');
    const ids = HTTP_CONTENDERS[framework].map((contender) => contender.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('in process: the floor first, and only once', () => {
    expect(CONTENDERS[0]?.id).toBe('floor');
    expect(CONTENDERS.filter((contender) => contender.id === 'floor')).toHaveLength(1);
    const ids = CONTENDERS.map((contender) => contender.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
