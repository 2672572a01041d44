import { londonDate } from './validity.js';

describe('londonDate', () => {
  it('gives the calendar date in England, in GMT and in BST', () => {
    expect(londonDate(new Date('2026-01-15T23:59:59Z'))).toBe('2026-01-15');
    expect(londonDate(new Date('2026-01-16T00:00:00Z'))).toBe('2026-01-16');
    // 23:59:59 and 00:00:00 British Summer Time.
    expect(londonDate(new Date('2026-06-30T22:59:59Z'))).toBe('2026-06-30');
    expect(londonDate(new Date('2026-06-30T23:00:00Z'))).toBe('2026-07-01');
  });

  it('answers each instant afresh when asked in any order', () => {
    const instants = ['2026-03-29T00:59:00Z', '2026-03-28T23:59:30Z', '2026-03-29T00:59:59Z', '2026-10-25T00:00:00Z'];
    expect(instants.map((i) => londonDate(new Date(i)))).toEqual([
      '2026-03-29',
      '2026-03-28',
      '2026-03-29',
      '2026-10-25',
    ]);
    expect(londonDate(new Date('2026-03-28T23:59:30Z'))).toBe('2026-03-28');
  });
});
