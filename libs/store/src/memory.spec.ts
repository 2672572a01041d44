import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBlobStore } from './file-blob-store.js';
import { InMemoryJobQueue } from './memory-job-queue.js';
import { InMemoryKeyValueStore } from './memory-kv.js';
import { describeBlobStoreContract, describeJobQueueContract, describeKeyValueStoreContract } from './testing/index.js';

describeKeyValueStoreContract('in-memory', () => new InMemoryKeyValueStore());

const roots: string[] = [];
describeBlobStoreContract(
  'files',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'lloyd-blobs-'));
    roots.push(root);
    return new FileBlobStore(join(root, 'blobs'));
  },
  async () => {
    await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
  },
);

describeJobQueueContract('in-memory', () => new InMemoryJobQueue());
