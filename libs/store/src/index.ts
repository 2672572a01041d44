export * from './ports.js';
export { InMemoryKeyValueStore } from './memory-kv.js';
export * from './system-jobs.js';
export { InMemoryJobQueue, type InMemoryJobQueueOptions } from './memory-job-queue.js';
export { FileBlobStore } from './file-blob-store.js';
export { RedisKeyValueStore, type RedisKeyValueStoreOptions } from './redis-kv.js';
export { RedisBlobStore, type RedisBlobStoreOptions } from './redis-blob-store.js';
export { BullMqJobQueue, type BullMqJobQueueOptions } from './bullmq-job-queue.js';
export {
  connectRedis,
  isStoreFull,
  isStoreUnavailable,
  STORE_FULL_ADVICE,
  quitRedis,
  redactRedisUrl,
  REDIS_COMMAND_TIMEOUT_MS,
  type RedisClientOptions,
} from './redis-client.js';
export type { BlobContent } from './blob-content.js';
export { createStores, type Stores } from './create-stores.js';
export { StoreModule } from './store.module.js';
