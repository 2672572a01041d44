import type { KeyValueStore } from '../ports.js';
import { sleep } from './helpers.js';

/** Creates a fresh, empty store for one test; `dispose` (optional) releases it afterwards. */
export type ContractFactory<T> = () => T | Promise<T>;
export type ContractDispose<T> = (subject: T) => void | Promise<void>;

/**
 * The behaviour every {@link KeyValueStore} must show. Call it from a spec with a factory that returns an empty
 * store per test. Expiry is checked against the real clock with one-second TTLs (one short wait per run).
 */
export function describeKeyValueStoreContract(
  label: string,
  factory: ContractFactory<KeyValueStore>,
  dispose?: ContractDispose<KeyValueStore>,
): void {
  describe(`KeyValueStore contract: ${label}`, () => {
    let kv: KeyValueStore;

    beforeEach(async () => {
      kv = await factory();
    });

    afterEach(async () => {
      await dispose?.(kv);
    });

    it('gets, sets, overwrites and deletes values', async () => {
      expect(await kv.get('k')).toBeNull();
      await kv.set('k', 'one');
      expect(await kv.get('k')).toBe('one');
      await kv.set('k', 'two');
      expect(await kv.get('k')).toBe('two');
      await kv.delete('k');
      expect(await kv.get('k')).toBeNull();
      await expect(kv.delete('never-set')).resolves.toBeUndefined();
    });

    it('keeps values byte for byte, including empty strings and unicode', async () => {
      const value = '{"a":"ü ✓ \\n"}\u0000tail';
      await kv.set('json', value);
      await kv.set('empty', '');
      expect(await kv.get('json')).toBe(value);
      expect(await kv.get('empty')).toBe('');
    });

    it('setIfAbsent creates only when absent', async () => {
      expect(await kv.setIfAbsent('jti:1', 'first')).toBe(true);
      expect(await kv.setIfAbsent('jti:1', 'second')).toBe(false);
      expect(await kv.get('jti:1')).toBe('first');
      await kv.delete('jti:1');
      expect(await kv.setIfAbsent('jti:1', 'third')).toBe(true);
      expect(await kv.get('jti:1')).toBe('third');
      expect(await kv.setIfAbsent('jti:1', 'with-ttl', { ttlSeconds: 60 })).toBe(false);
      expect(await kv.get('jti:1')).toBe('third');
      expect(await kv.ttlMillis('jti:1')).toBeNull();
      expect(await kv.setIfAbsent('jti:2', 'with-ttl', { ttlSeconds: 60 })).toBe(true);
      expect(await kv.ttlMillis('jti:2')).toBeGreaterThan(0);
    });

    it('compareAndSet writes only when the current value matches (null meaning absent)', async () => {
      expect(await kv.compareAndSet('state', 'requested', 'sent')).toBe(false);
      expect(await kv.get('state')).toBeNull();
      expect(await kv.compareAndSet('state', null, 'requested')).toBe(true);
      expect(await kv.compareAndSet('state', null, 'again')).toBe(false);
      expect(await kv.compareAndSet('state', 'wrong', 'sent')).toBe(false);
      expect(await kv.get('state')).toBe('requested');
      expect(await kv.compareAndSet('state', 'requested', 'sent')).toBe(true);
      expect(await kv.get('state')).toBe('sent');
      expect(await kv.compareAndSet('state', '', 'x')).toBe(false);
    });

    it('lets exactly one of many concurrent compareAndSet racers win', async () => {
      await kv.set('race', 'v0');
      const racers = Array.from({ length: 25 }, (_, i) => kv.compareAndSet('race', 'v0', `winner-${i}`));
      const results = await Promise.all(racers);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await kv.get('race')).toBe(`winner-${results.indexOf(true)}`);

      const creators = await Promise.all(
        Array.from({ length: 25 }, (_, i) => kv.compareAndSet('fresh', null, `creator-${i}`)),
      );
      expect(creators.filter(Boolean)).toHaveLength(1);
      expect(await kv.get('fresh')).toBe(`creator-${creators.indexOf(true)}`);
    });

    it('lets exactly one of many concurrent setIfAbsent callers win', async () => {
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => kv.setIfAbsent('once', `${i}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await kv.get('once')).toBe(`${results.indexOf(true)}`);
    });

    it('claim creates a key only when absent, and then alone applies its compare-and-set and appends', async () => {
      await kv.set('head', 'h1');
      const then = {
        compareAndSet: { key: 'head', expected: 'h1', next: 'h2' },
        append: [
          { listKey: 'index:a', value: '1' },
          { listKey: 'index:b', value: '1' },
        ],
      };
      expect(await kv.claim('event:1', 'first', then)).toBe('claimed');
      expect(await kv.get('event:1')).toBe('first');
      expect(await kv.get('head')).toBe('h2');
      expect(await kv.range('index:a', 0, -1)).toEqual(['1']);
      expect(await kv.range('index:b', 0, -1)).toEqual(['1']);
      // Taken: nothing of it happens.
      expect(
        await kv.claim('event:1', 'second', { ...then, compareAndSet: { key: 'head', expected: 'h2', next: 'h3' } }),
      ).toBe('taken');
      expect(await kv.get('event:1')).toBe('first');
      expect(await kv.get('head')).toBe('h2');
      expect(await kv.range('index:a', 0, -1)).toEqual(['1']);
      // A compare-and-set that does not match is skipped, and said so; the claim and the appends still happen.
      expect(
        await kv.claim('event:2', 'x', { ...then, compareAndSet: { key: 'head', expected: 'h1', next: 'h9' } }),
      ).toBe('claimed-unswapped');
      expect(await kv.get('head')).toBe('h2');
      expect(await kv.range('index:a', 0, -1)).toEqual(['1', '1']);
      // Expecting absence (null), and no follow-up at all.
      expect(await kv.claim('event:3', 'y', { compareAndSet: { key: 'fresh', expected: null, next: 'n' } })).toBe(
        'claimed',
      );
      expect(await kv.get('fresh')).toBe('n');
      expect(await kv.claim('event:5', 'w', { compareAndSet: { key: 'fresh', expected: null, next: 'm' } })).toBe(
        'claimed-unswapped',
      );
      expect(await kv.get('fresh')).toBe('n');
      expect(await kv.claim('event:4', 'z')).toBe('claimed');
      expect(await kv.get('event:4')).toBe('z');
    });

    it('lets exactly one of many concurrent claimers win, with only its follow-ups applied', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          kv.claim('seq:7', `w${i}`, { append: [{ listKey: 'winners', value: `w${i}` }] }),
        ),
      );
      expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r === 'taken')).toHaveLength(19);
      const winner = `w${results.indexOf('claimed')}`;
      expect(await kv.get('seq:7')).toBe(winner);
      expect(await kv.range('winners', 0, -1)).toEqual([winner]);
    });

    it('increments counters atomically, starting from 0', async () => {
      expect(await kv.increment('n')).toBe(1);
      expect(await kv.increment('n')).toBe(2);
      const parallel = await Promise.all(Array.from({ length: 20 }, () => kv.increment('n')));
      expect(new Set(parallel).size).toBe(20);
      expect(await kv.get('n')).toBe('22');
    });

    it('sets the counter TTL only when the counter is created', async () => {
      await kv.increment('rate', { ttlSeconds: 30 });
      const first = await kv.ttlMillis('rate');
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThanOrEqual(30_000);
      await kv.increment('rate', { ttlSeconds: 3600 });
      expect(await kv.ttlMillis('rate')).toBeLessThanOrEqual(30_000);
      await kv.increment('plain');
      await kv.increment('plain', { ttlSeconds: 30 });
      expect(await kv.ttlMillis('plain')).toBeNull();
    });

    it('reports remaining TTL, and null for absent keys and keys without expiry', async () => {
      expect(await kv.ttlMillis('absent')).toBeNull();
      await kv.set('forever', 'x');
      expect(await kv.ttlMillis('forever')).toBeNull();
      await kv.set('short', 'x', { ttlSeconds: 60 });
      const ttl = await kv.ttlMillis('short');
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await kv.set('short', 'y');
      expect(await kv.ttlMillis('short')).toBeNull();
    });

    it('expires keys written with a TTL by set, setIfAbsent, compareAndSet and increment', async () => {
      await kv.set('t:set', 'x', { ttlSeconds: 1 });
      await kv.setIfAbsent('t:nx', 'x', { ttlSeconds: 1 });
      await kv.compareAndSet('t:cas', null, 'x', { ttlSeconds: 1 });
      await kv.increment('t:count', { ttlSeconds: 1 });
      await kv.set('t:keep', 'x');
      expect(await kv.get('t:set')).toBe('x');
      expect(await kv.get('t:nx')).toBe('x');
      expect(await kv.get('t:cas')).toBe('x');

      await sleep(1_150);

      expect(await kv.get('t:set')).toBeNull();
      expect(await kv.get('t:nx')).toBeNull();
      expect(await kv.get('t:cas')).toBeNull();
      expect(await kv.get('t:count')).toBeNull();
      expect(await kv.ttlMillis('t:set')).toBeNull();
      expect(await kv.get('t:keep')).toBe('x');
      expect(await kv.keys('t:')).toEqual(['t:keep']);
      expect(await kv.setIfAbsent('t:nx', 'again')).toBe(true);
      expect(await kv.compareAndSet('t:cas', null, 'again')).toBe(true);
      expect(await kv.increment('t:count')).toBe(1);
    });

    it('appends to lists and reads ranges like LRANGE', async () => {
      expect(await kv.listLength('audit')).toBe(0);
      expect(await kv.range('audit', 0, -1)).toEqual([]);
      expect(await kv.append('audit', 'a')).toBe(1);
      expect(await kv.append('audit', 'b')).toBe(2);
      expect(await kv.append('audit', 'c')).toBe(3);
      expect(await kv.listLength('audit')).toBe(3);
      expect(await kv.range('audit', 0, -1)).toEqual(['a', 'b', 'c']);
      expect(await kv.range('audit', 1, 1)).toEqual(['b']);
      expect(await kv.range('audit', -2, -1)).toEqual(['b', 'c']);
      expect(await kv.range('audit', 1, 100)).toEqual(['b', 'c']);
      expect(await kv.range('audit', -100, 0)).toEqual(['a']);
      expect(await kv.range('audit', 2, 1)).toEqual([]);
      expect(await kv.range('audit', 5, 10)).toEqual([]);
      await kv.delete('audit');
      expect(await kv.listLength('audit')).toBe(0);
    });

    it('trims items from the start of a list, removing the list when none are left', async () => {
      for (const item of ['1', '2', '3', '4']) await kv.append('index', item);
      await kv.trimStart('index', 0);
      expect(await kv.range('index', 0, -1)).toEqual(['1', '2', '3', '4']);
      await kv.trimStart('index', 2);
      expect(await kv.range('index', 0, -1)).toEqual(['3', '4']);
      await kv.append('index', '5');
      expect(await kv.range('index', 0, -1)).toEqual(['3', '4', '5']);
      await kv.trimStart('index', 10);
      expect(await kv.listLength('index')).toBe(0);
      expect(await kv.keys('index')).toEqual([]);
      await kv.trimStart('absent', 3);
      expect(await kv.listLength('absent')).toBe(0);
    });

    it('keeps appends from concurrent callers', async () => {
      const lengths = await Promise.all(Array.from({ length: 20 }, (_, i) => kv.append('log', `${i}`)));
      expect([...lengths].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await kv.listLength('log')).toBe(20);
    });

    it('lists keys (values and lists) by prefix, sorted', async () => {
      await kv.set('transfer:2', 'x');
      await kv.set('transfer:1', 'x');
      await kv.append('transfer:1:events', 'created');
      await kv.set('transferred', 'x');
      await kv.set('other:1', 'x');
      await kv.set('glob*1', 'x');
      await kv.set('globby', 'x');
      expect(await kv.keys('transfer:')).toEqual(['transfer:1', 'transfer:1:events', 'transfer:2']);
      expect(await kv.keys('glob*')).toEqual(['glob*1']);
      expect(await kv.keys('nothing:')).toEqual([]);
      expect(await kv.keys('')).toEqual(
        ['glob*1', 'globby', 'other:1', 'transfer:1', 'transfer:1:events', 'transfer:2', 'transferred'].sort(),
      );
    });

    it('answers ping', async () => {
      await expect(kv.ping()).resolves.toBeUndefined();
    });
  });
}
