import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertBlobKey, DigestStream, toReadable, type BlobContent } from './blob-content.js';
import { BlobNotFoundError, BlobStore, type BlobInfo } from './ports.js';

interface StoredMeta extends BlobInfo {
  /** Name of the data file under `data/`: a fresh id per write, so a commit is one rename of the meta file. */
  upload: string;
}

const MAX_NAME_LENGTH = 200;
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

/**
 * Maps any key to one safe file name: bytes outside `[A-Za-z0-9._-]` (and a leading dot) are percent-encoded, so
 * `/`, `:` and `..` can never reach the file system as path syntax. The mapping is injective; over-long names are
 * shortened with a hash of the key (`~` never occurs in an encoded name) and the meta file records the real key.
 */
export function blobFileName(key: string): string {
  let name = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    const plain = /[A-Za-z0-9_-]/.test(char) || (char === '.' && name.length > 0);
    name += plain ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (name.length <= MAX_NAME_LENGTH) return name;
  return `${name.slice(0, 100)}~${createHash('sha256').update(key).digest('hex')}`;
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * {@link BlobStore} on the local file system (the single-node default). Layout under `root`:
 * `meta/<name>.json` points at `data/<upload-id>`; `tmp/` holds writes in progress. A put streams into `tmp/`,
 * fsyncs, moves the data into place and commits by renaming the meta file, so readers see the old blob or the new
 * one, never a partial one, and a failed write leaves nothing behind.
 */
export class FileBlobStore extends BlobStore {
  private readonly tmpDir: string;
  private readonly dataDir: string;
  private readonly metaDir: string;
  private ready: Promise<void> | undefined;
  /** Serialises commits per key so that concurrent overwrites cannot orphan each other's data files. */
  private readonly commits = new Map<string, Promise<unknown>>();

  constructor(readonly root: string) {
    super();
    this.tmpDir = join(root, 'tmp');
    this.dataDir = join(root, 'data');
    this.metaDir = join(root, 'meta');
  }

  async put(key: string, content: BlobContent, options?: { contentType?: string }): Promise<BlobInfo> {
    assertBlobKey(key);
    await this.prepare();
    const upload = randomUUID();
    const tmpData = join(this.tmpDir, upload);
    const tmpMeta = join(this.tmpDir, `${upload}.json`);
    const finalData = join(this.dataDir, upload);
    try {
      const digest = new DigestStream();
      await pipeline(toReadable(content), digest, createWriteStream(tmpData, { flags: 'wx', flush: true }));
      const info: BlobInfo = { key, bytes: digest.bytes, sha256: digest.sha256() };
      if (options?.contentType) info.contentType = options.contentType;
      await rename(tmpData, finalData);
      await writeFile(tmpMeta, JSON.stringify({ ...info, upload } satisfies StoredMeta), { flag: 'wx', flush: true });
      await this.exclusive(key, async () => {
        const previous = await this.readMeta(key);
        await rename(tmpMeta, this.metaPath(key));
        if (previous && previous.upload !== upload) await rm(join(this.dataDir, previous.upload), { force: true });
      });
      return info;
    } catch (error) {
      await Promise.all([tmpData, tmpMeta, finalData].map((file) => rm(file, { force: true })));
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    assertBlobKey(key);
    // A concurrent overwrite may remove the data file between reading the meta and opening it: read the meta again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const meta = await this.readMeta(key);
      if (!meta) break;
      try {
        const handle = await open(join(this.dataDir, meta.upload), 'r');
        return handle.createReadStream();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    throw new BlobNotFoundError(key);
  }

  async stat(key: string): Promise<BlobInfo | null> {
    assertBlobKey(key);
    const meta = await this.readMeta(key);
    if (!meta) return null;
    const info: BlobInfo = { key: meta.key, bytes: meta.bytes, sha256: meta.sha256 };
    if (meta.contentType) info.contentType = meta.contentType;
    return info;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.exclusive(key, async () => {
      const meta = await this.readMeta(key);
      if (!meta) return;
      await rm(this.metaPath(key), { force: true });
      await rm(join(this.dataDir, meta.upload), { force: true });
    });
  }

  private metaPath(key: string): string {
    return join(this.metaDir, `${blobFileName(key)}.json`);
  }

  private async readMeta(key: string): Promise<StoredMeta | null> {
    let text: string;
    try {
      text = await readFile(this.metaPath(key), 'utf8');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    const meta = JSON.parse(text) as StoredMeta;
    // Shortened names could in theory collide; the recorded key settles it.
    return meta.key === key ? meta : null;
  }

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await Promise.all([this.tmpDir, this.dataDir, this.metaDir].map((dir) => mkdir(dir, { recursive: true })));
      await this.sweepStaleTemps();
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** Removes leftovers of writes interrupted by a crash; recent files may belong to a write still in progress. */
  private async sweepStaleTemps(): Promise<void> {
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const entry of await readdir(this.tmpDir)) {
      const file = join(this.tmpDir, entry);
      const info = await stat(file).catch(() => null);
      if (info && info.mtimeMs < cutoff) await rm(file, { force: true });
    }
  }

  private async exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.commits.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.commits.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.commits.get(key) === settled) this.commits.delete(key);
    }
  }
}
