import { InMemoryKeyValueStore } from './memory-kv.js';

describe('InMemoryKeyValueStore', () => {
  it('expires entries by its clock, without waiting', async () => {
    let now = 1_000_000;
    const kv = new InMemoryKeyValueStore(() => now);
    await kv.set('k', 'v', { ttlSeconds: 0.5 });
    expect(await kv.ttlMillis('k')).toBe(500);
    now += 499;
    expect(await kv.get('k')).toBe('v');
    now += 1;
    expect(await kv.get('k')).toBeNull();
  });

  it('holds a value or a list under a key, never both, as Redis does', async () => {
    const kv = new InMemoryKeyValueStore();
    await kv.append('k', 'item');
    await kv.set('k', 'value');
    expect(await kv.listLength('k')).toBe(0);
    expect(await kv.keys('')).toEqual(['k']);
    await expect(kv.append('k', 'item')).rejects.toThrow(/holds a value/);
    await kv.delete('k');
    await kv.append('list', 'item');
    expect(await kv.setIfAbsent('list', 'value')).toBe(false);
    expect(await kv.compareAndSet('list', null, 'value')).toBe(false);
  });

  it('refuses to increment a non-integer value', async () => {
    const kv = new InMemoryKeyValueStore();
    await kv.set('k', 'abc');
    await expect(kv.increment('k')).rejects.toThrow(/integer/);
    expect(await kv.get('k')).toBe('abc');
  });
});
