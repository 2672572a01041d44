import type { Redis } from 'ioredis';
import { connectRedis, quitRedis, RedisKeyValueStore } from '@lloyd/store';
import { describeWithRedis } from '@lloyd/test-support';
import { limitedConfig, TestClock } from '../testing/fixtures.js';
import { RateLimiter } from './rate-limiter.js';

describeWithRedis('RateLimiter on Redis', (getUrl) => {
  let redis: Redis;
  let clock: TestClock;

  beforeAll(async () => {
    redis = await connectRedis(getUrl(), { name: 'rate-limit-test' });
  });

  afterAll(async () => {
    await quitRedis(redis);
  });

  beforeEach(async () => {
    await redis.flushdb();
    clock = new TestClock(Date.parse('2026-03-02T10:00:15Z'));
  });

  const limiter = () =>
    new RateLimiter(limitedConfig(), new RedisKeyValueStore(redis, { keyPrefix: 'test:kv:' }), clock.now);

  it('allows the limit in a window and then refuses, across replicas sharing Redis', async () => {
    const replicas = [limiter(), limiter(), limiter()];
    const verdicts = await Promise.all(Array.from({ length: 6 }, (_, i) => replicas[i % 3]!.take('RX1')));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
    expect(verdicts.map((v) => v.remaining).sort()).toEqual([0, 0, 0, 0, 1, 2]);
    await expect(limiter().take('SC100')).resolves.toMatchObject({ allowed: true, limit: 1 });
    await expect(limiter().take('SC100')).resolves.toMatchObject({ allowed: false, resetSeconds: 45 });
  });

  it('counts each window under its own expiring key', async () => {
    await limiter().take('RX1');
    const keys = await redis.keys('test:kv:ratelimit:RX1:*');
    expect(keys).toHaveLength(1);
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(40_000);
    expect(ttl).toBeLessThanOrEqual(46_000);
    clock.advance(45_000);
    await expect(limiter().take('RX1')).resolves.toMatchObject({ allowed: true, remaining: 2, resetSeconds: 60 });
  });
});
