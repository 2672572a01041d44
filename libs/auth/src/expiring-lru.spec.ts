import { ExpiringLru } from './expiring-lru.js';

describe('ExpiringLru', () => {
  it('evicts the least recently used entry when full', () => {
    const lru = new ExpiringLru<string>(2);
    lru.set('a', 'A', 100);
    lru.set('b', 'B', 100);
    expect(lru.get('a', 0)).toBe('A'); // a is now the most recent
    lru.set('c', 'C', 100);
    expect(lru.size).toBe(2);
    expect(lru.get('b', 0)).toBeUndefined();
    expect(lru.get('a', 0)).toBe('A');
    expect(lru.get('c', 0)).toBe('C');
  });

  it('never returns an entry at or after its expiry, and drops it', () => {
    const lru = new ExpiringLru<string>(5);
    lru.set('a', 'A', 100);
    expect(lru.get('a', 99)).toBe('A');
    expect(lru.get('a', 100)).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new ExpiringLru(0)).toThrow(RangeError);
  });
});
