import { describe, expect, it } from 'vitest';
import { median, quartiles, spreadPercent } from '../src/common/stats.js';

describe('the statistics the report gives', () => {
  it('median: the middle value, or the mean of the two middle values, of an unsorted list', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('quartiles: nearest rank, without reordering the caller’s list', () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5];
    expect(quartiles(values)).toEqual([3, 7]);
    expect(values[0]).toBe(9);
  });

  it('spreadPercent: half the min–max range in percent of the median', () => {
    expect(spreadPercent([90, 100, 110])).toBe(10);
    expect(spreadPercent([100])).toBe(0);
  });
});
