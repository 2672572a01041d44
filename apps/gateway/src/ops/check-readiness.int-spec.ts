/** Readiness against a real Redis that is full: it answers PING but refuses every write. */
import type { SupplierCaller, SupplierDirectory } from '@lloyd/federation';
import { connectRedis, InMemoryJobQueue, quitRedis, RedisKeyValueStore, SystemJob } from '@lloyd/store';
import { describeWithRedis } from '@lloyd/test-support';
import type { Redis } from 'ioredis';
import { CheckReadiness } from './check-readiness.js';

describeWithRedis('CheckReadiness on Redis', (getUrl) => {
  let redis: Redis;
  const queue = new InMemoryJobQueue();
  queue.process(SystemJob.HealthPing, () => Promise.resolve());
  const directory = { all: () => [] } as unknown as SupplierDirectory;
  const suppliers = {} as SupplierCaller;

  beforeAll(async () => {
    redis = await connectRedis(getUrl(), { name: 'readiness-test' });
  });
  afterAll(async () => {
    await redis.config('SET', 'maxmemory', '0');
    await quitRedis(redis);
    await queue.close();
  });

  it('is not ready while Redis is at its maxmemory and refuses writes, and says what to do', async () => {
    const readiness = new CheckReadiness(
      new RedisKeyValueStore(redis, { keyPrefix: 'readiness:' }),
      queue,
      directory,
      suppliers,
    );
    await expect(readiness.execute()).resolves.toMatchObject({ ready: true });
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', '1');
    try {
      const report = await readiness.execute();
      expect(report.ready).toBe(false);
      expect(report.checks['store']).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/store \(Redis\) is full.*raise maxmemory/) as string,
      });
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
    await expect(readiness.execute()).resolves.toMatchObject({ ready: true });
  });
});
