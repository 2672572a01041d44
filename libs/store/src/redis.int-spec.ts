import { Readable } from 'node:stream';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { loadConfig } from '@lloyd/config';
import { describeWithRedis } from '@lloyd/test-support';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { createStores } from './create-stores.js';
import { BlobStore, JobQueue, KeyValueStore } from './ports.js';
import { RedisBlobStore } from './redis-blob-store.js';
import { connectRedis, quitRedis } from './redis-client.js';
import { RedisKeyValueStore } from './redis-kv.js';
import { StoreModule } from './store.module.js';
import {
  describeBlobStoreContract,
  describeJobQueueContract,
  describeKeyValueStoreContract,
  failingStream,
  patternBytes,
  readAll,
  waitFor,
} from './testing/index.js';

const MiB = 1024 * 1024;

describeWithRedis('Redis stores', (getUrl) => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await connectRedis(getUrl(), { name: 'test' });
  });

  afterAll(async () => {
    await quitRedis(redis);
  });

  describeKeyValueStoreContract('redis', async () => {
    await redis.flushdb();
    return new RedisKeyValueStore(redis, { keyPrefix: 'test:kv:' });
  });

  describeBlobStoreContract('redis', async () => {
    await redis.flushdb();
    return new RedisBlobStore(redis, { keyPrefix: 'test:' });
  });

  describeJobQueueContract('bullmq', async () => {
    await redis.flushdb();
    return new BullMqJobQueue({ redisUrl: getUrl(), prefix: 'test:bull' });
  });

  describe('RedisKeyValueStore specifics', () => {
    beforeEach(async () => {
      await redis.flushdb();
    });

    it('namespaces keys under its prefix and hides the prefix from callers', async () => {
      const kv = new RedisKeyValueStore(redis, { keyPrefix: 'ns:kv:' });
      await kv.set('transfer:1', 'x');
      await kv.append('transfer:1:events', 'created');
      await redis.set('elsewhere:transfer:2', 'not ours');
      expect((await redis.keys('*')).sort()).toEqual([
        'elsewhere:transfer:2',
        'ns:kv:transfer:1',
        'ns:kv:transfer:1:events',
      ]);
      expect(await kv.keys('transfer:')).toEqual(['transfer:1', 'transfer:1:events']);
      expect(await kv.keys('')).toEqual(['transfer:1', 'transfer:1:events']);
    });

    it('keeps working after the server forgets its scripts (NOSCRIPT)', async () => {
      const kv = new RedisKeyValueStore(redis, { keyPrefix: 'ns:' });
      expect(await kv.compareAndSet('k', null, 'a')).toBe(true);
      await redis.script('FLUSH');
      expect(await kv.compareAndSet('k', 'a', 'b')).toBe(true);
      await redis.script('FLUSH');
      expect(await kv.increment('n', { ttlSeconds: 5 })).toBe(1);
    });

    it('pages through many keys with SCAN', async () => {
      const kv = new RedisKeyValueStore(redis, { keyPrefix: 'ns:' });
      const pipeline = redis.pipeline();
      for (let i = 0; i < 2500; i++) pipeline.set(`ns:bulk:${i}`, '1');
      await pipeline.exec();
      const keys = await kv.keys('bulk:');
      expect(keys).toHaveLength(2500);
      expect(new Set(keys).size).toBe(2500);
    });
  });

  describe('RedisBlobStore specifics', () => {
    beforeEach(async () => {
      await redis.flushdb();
    });

    it('stores 1 MiB chunks plus a meta hash, all permanent once committed', async () => {
      const blobs = new RedisBlobStore(redis, { keyPrefix: 'p:' });
      await blobs.put('gp2gp/ehr:1', patternBytes(2 * MiB + 10));
      const keys = (await redis.keys('p:blob:*')).sort();
      expect(keys).toHaveLength(4);
      expect(keys).toContain('p:blob:gp2gp/ehr:1:meta');
      const chunkKeys = keys.filter((key) => !key.endsWith(':meta'));
      expect(chunkKeys.map((key) => key.split(':').pop()).sort()).toEqual(['0', '1', '2']);
      const sizes = await Promise.all(chunkKeys.sort().map((key) => redis.strlen(key)));
      expect(sizes.sort((a, b) => a - b)).toEqual([10, MiB, MiB]);
      for (const key of keys) expect(await redis.pttl(key)).toBe(-1);
    });

    it('removes the previous upload on overwrite and the failed upload on error', async () => {
      const blobs = new RedisBlobStore(redis, { keyPrefix: 'p:' });
      await blobs.put('doc', patternBytes(MiB + 1, 'v1'));
      await blobs.put('doc', patternBytes(MiB + 2, 'v2'));
      const afterOverwrite = (await redis.keys('p:blob:doc:*')).sort();
      expect(afterOverwrite).toHaveLength(3);
      await expect(blobs.put('doc', failingStream(3 * MiB))).rejects.toThrow('upstream connection reset');
      expect((await redis.keys('p:blob:doc:*')).sort()).toEqual(afterOverwrite);
      await blobs.delete('doc');
      expect(await redis.keys('p:blob:*')).toEqual([]);
    });

    it('refuses to commit an upload whose chunks expired', async () => {
      // A 1 ms upload lifetime: every chunk has expired by the time the slow stream ends and the commit runs.
      const blobs = new RedisBlobStore(redis, { keyPrefix: 'p:', chunkBytes: 1024, uploadTtlMs: 1 });
      await expect(
        blobs.put(
          'slow',
          Readable.from(
            (async function* slowly() {
              yield patternBytes(3000, 'slow');
              await new Promise((resolve) => setTimeout(resolve, 50));
            })(),
          ),
        ),
      ).rejects.toThrow(/missing/);
      expect(await blobs.stat('slow')).toBeNull();
    });

    it('fails a read clearly when the blob is replaced underneath it', async () => {
      const blobs = new RedisBlobStore(redis, { keyPrefix: 'p:', chunkBytes: 1024 });
      await blobs.put('moving', patternBytes(10 * 1024, 'old'));
      const reading = await blobs.get('moving');
      await blobs.put('moving', patternBytes(10 * 1024, 'new'));
      await expect(readAll(reading)).rejects.toThrow(/replaced or deleted while it was being read/);
    });
  });

  describe('BullMqJobQueue specifics', () => {
    beforeEach(async () => {
      await redis.flushdb();
    });

    it('shares jobs between instances: one adds, another processes, ids dedupe across both', async () => {
      const producer = new BullMqJobQueue({ redisUrl: getUrl(), prefix: 'shared' });
      const consumer = new BullMqJobQueue({ redisUrl: getUrl(), prefix: 'shared' });
      try {
        const ran: string[] = [];
        expect(await producer.add('transfer', { n: 1 }, { jobId: 'a:b' })).toBe('a:b');
        expect(await consumer.add('transfer', { n: 2 }, { jobId: 'a:b' })).toBe('a:b');
        consumer.process<{ n: number }>('transfer', (job) => {
          ran.push(`${job.id}=${job.data.n}`);
          return Promise.resolve();
        });
        await waitFor(async () => (await producer.counts()).completed === 1, { what: 'the job to complete' });
        expect(ran).toEqual(['a:b=1']);
      } finally {
        await Promise.all([producer.close(), consumer.close()]);
      }
    });

    it('stores BullMQ keys under its own prefix', async () => {
      const queue = new BullMqJobQueue({ redisUrl: getUrl(), prefix: 'lloyd:bull' });
      try {
        await queue.add('gp2gp:send', { id: 1 }, { jobId: 'x:y' });
        const keys = await redis.keys('*');
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.every((key) => key.startsWith('lloyd:bull:gp2gp%3Asend:'))).toBe(true);
      } finally {
        await queue.close();
      }
    });
  });

  describe('createStores and StoreModule with redisUrl', () => {
    it('wires Redis key-value and blob stores on one connection and BullMQ, and closes them', async () => {
      const config = loadConfig({ env: {}, overrides: { store: { redisUrl: getUrl(), keyPrefix: 'wired:' } } });
      const stores = await createStores(config);
      expect(stores.kv).toBeInstanceOf(RedisKeyValueStore);
      expect(stores.blobs).toBeInstanceOf(RedisBlobStore);
      expect(stores.queue).toBeInstanceOf(BullMqJobQueue);
      await stores.kv.set('k', 'v');
      await stores.blobs.put('b', 'blob');
      expect(await redis.get('wired:kv:k')).toBe('v');
      expect(await redis.exists('wired:blob:b:meta')).toBe(1);
      await stores.queue.ping();
      await stores.close();
      await expect(stores.kv.ping()).rejects.toThrow();
      await expect(stores.queue.add('x', {})).rejects.toThrow(/closed/);
      await stores.close();
    });

    it('provides the Redis implementations through StoreModule and releases them on shutdown', async () => {
      const config = loadConfig({ env: {}, overrides: { store: { redisUrl: getUrl(), keyPrefix: 'module:' } } });
      const moduleRef = await Test.createTestingModule({ imports: [StoreModule.forRoot(config)] }).compile();
      const app = await moduleRef.init();
      const kv = app.get(KeyValueStore);
      const queue = app.get(JobQueue);
      expect(kv).toBeInstanceOf(RedisKeyValueStore);
      expect(app.get(BlobStore)).toBeInstanceOf(RedisBlobStore);
      expect(queue).toBeInstanceOf(BullMqJobQueue);
      await kv.ping();
      await app.close();
      await expect(kv.ping()).rejects.toThrow();
      await expect(queue.ping()).rejects.toThrow(/closed/);
    });

    it('fails fast with what to do next when Redis is unreachable', async () => {
      const { startRedis } = await import('@lloyd/test-support');
      const doomed = await startRedis();
      await doomed.stop();
      const config = loadConfig({ env: {}, overrides: { store: { redisUrl: doomed.url } } });
      await expect(createStores(config)).rejects.toThrow(
        /Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+ \(.+\)\. Start Redis there or correct REDIS_URL \(store\.redisUrl\)\./,
      );
    });
  });
});
