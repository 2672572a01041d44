import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@lloyd/config';
import { createStores } from './create-stores.js';
import { FileBlobStore } from './file-blob-store.js';
import { InMemoryJobQueue } from './memory-job-queue.js';
import { InMemoryKeyValueStore } from './memory-kv.js';
import { BlobStore, JobQueue, KeyValueStore } from './ports.js';
import { StoreModule } from './store.module.js';

describe('StoreModule and createStores without redisUrl', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lloyd-store-module-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('createStores builds the in-process stores, with blob files under <dataDir>/blobs', async () => {
    const stores = await createStores(loadConfig({ env: {}, overrides: { store: { dataDir } } }));
    expect(stores.kv).toBeInstanceOf(InMemoryKeyValueStore);
    expect(stores.blobs).toBeInstanceOf(FileBlobStore);
    expect(stores.queue).toBeInstanceOf(InMemoryJobQueue);
    await stores.blobs.put('x', 'y');
    expect(await readdir(join(dataDir, 'blobs'))).toEqual(expect.arrayContaining(['data', 'meta', 'tmp']));
    await stores.close();
    await stores.close();
    await expect(stores.queue.add('job', {})).rejects.toThrow(/closed/);
  });

  it('provides the ports as injection tokens and closes the queue when the app shuts down', async () => {
    const config = loadConfig({ env: {}, overrides: { store: { dataDir } } });
    const moduleRef = await Test.createTestingModule({ imports: [StoreModule.forRoot(config)] }).compile();
    const app = await moduleRef.init();
    const kv = app.get(KeyValueStore);
    const queue = app.get(JobQueue);
    expect(kv).toBeInstanceOf(InMemoryKeyValueStore);
    expect(app.get(BlobStore)).toBeInstanceOf(FileBlobStore);
    expect(queue).toBeInstanceOf(InMemoryJobQueue);
    await kv.set('k', 'v');
    expect(await app.get(KeyValueStore).get('k')).toBe('v');
    await app.close();
    await expect(queue.ping()).rejects.toThrow(/closed/);
  });
});
