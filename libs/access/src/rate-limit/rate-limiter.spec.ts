import { InMemoryKeyValueStore, type KeyValueStore } from '@lloyd/store';
import { limitedConfig, TestClock } from '../testing/fixtures.js';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  let kv: KeyValueStore;
  let clock: TestClock;
  let limiter: RateLimiter;

  beforeEach(() => {
    kv = new InMemoryKeyValueStore(() => clock.millis);
    clock = new TestClock(Date.parse('2026-03-02T10:00:15Z'));
    limiter = new RateLimiter(limitedConfig(), kv, clock.now);
  });

  it('allows the limit within a window, then refuses, counting down and saying when the window resets', async () => {
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.take('RX1'));
    expect(verdicts.map((v) => [v.allowed, v.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
    ]);
    expect(verdicts.every((v) => v.limit === 3 && v.resetSeconds === 45 && v.windowSeconds === 60)).toBe(true);
  });

  it('starts again in the next window', async () => {
    for (let i = 0; i < 4; i++) await limiter.take('RX1');
    clock.advance(45_000);
    await expect(limiter.take('RX1')).resolves.toMatchObject({ allowed: true, remaining: 2, resetSeconds: 60 });
  });

  it('counts each organisation separately, with its own limit', async () => {
    await expect(limiter.take('SC100')).resolves.toMatchObject({ allowed: true, limit: 1, remaining: 0 });
    await expect(limiter.take('SC100')).resolves.toMatchObject({ allowed: false });
    await expect(limiter.take('RX1')).resolves.toMatchObject({ allowed: true, remaining: 2 });
  });

  it('shares one count between replicas on the same store', async () => {
    const replica = new RateLimiter(limitedConfig(), kv, clock.now);
    await limiter.take('RX1');
    await replica.take('RX1');
    await limiter.take('RX1');
    await expect(replica.take('RX1')).resolves.toMatchObject({ allowed: false });
  });

  it('lets window counters expire shortly after their window', async () => {
    await limiter.take('RX1');
    const [key] = await kv.keys('ratelimit:RX1:');
    expect(await kv.ttlMillis(key!)).toBe(46_000);
    clock.advance(46_000);
    expect(await kv.keys('ratelimit:')).toEqual([]);
  });
});
