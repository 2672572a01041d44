import { join, resolve } from 'node:path';
import type { LloydConfig } from '@lloyd/config';
import { BullMqJobQueue } from './bullmq-job-queue.js';
import { FileBlobStore } from './file-blob-store.js';
import { InMemoryJobQueue } from './memory-job-queue.js';
import { InMemoryKeyValueStore } from './memory-kv.js';
import type { BlobStore, JobQueue, KeyValueStore } from './ports.js';
import { RedisBlobStore } from './redis-blob-store.js';
import { connectRedis, quitRedis } from './redis-client.js';
import { RedisKeyValueStore } from './redis-kv.js';

/** The three stores behind one lifecycle. */
export interface Stores {
  kv: KeyValueStore;
  blobs: BlobStore;
  queue: JobQueue;
  /** Closes the queue (waiting for running jobs), then the connections. Safe to call more than once. */
  close(): Promise<void>;
}

function once(task: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= task());
}

/**
 * Builds the stores `config.store` asks for: in-process (memory, blob files under `<dataDir>/blobs`, in-process
 * queue) when `redisUrl` is unset, otherwise Redis for key-value and blobs (sharing one connection) and BullMQ for
 * the queue. Rejects with an actionable message when Redis cannot be reached. For CLIs, benchmarks and
 * {@link StoreModule}.
 */
export async function createStores(config: LloydConfig): Promise<Stores> {
  const { redisUrl, keyPrefix, dataDir } = config.store;
  if (!redisUrl) {
    const queue = new InMemoryJobQueue();
    return {
      kv: new InMemoryKeyValueStore(),
      blobs: new FileBlobStore(join(resolve(dataDir), 'blobs')),
      queue,
      close: once(() => queue.close()),
    };
  }
  const redis = await connectRedis(redisUrl, { name: 'store' });
  const queue = new BullMqJobQueue({ redisUrl, prefix: `${keyPrefix}bull`, lockDurationMs: config.store.jobLockMs });
  return {
    kv: new RedisKeyValueStore(redis, { keyPrefix: `${keyPrefix}kv:` }),
    blobs: new RedisBlobStore(redis, { keyPrefix }),
    queue,
    close: once(async () => {
      await queue.close();
      await quitRedis(redis);
    }),
  };
}
