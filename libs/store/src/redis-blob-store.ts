import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Redis } from 'ioredis';
import { assertBlobKey, DigestStream, toReadable, type BlobContent } from './blob-content.js';
import { BlobNotFoundError, BlobStore, type BlobInfo } from './ports.js';
import { LuaScript } from './redis-client.js';

/**
 * Commit: checks every chunk of the new upload exists, makes them permanent, points the meta hash at the upload and
 * drops the previous upload's chunks, all in one atomic step (a Lua script, because the previous upload id must be
 * read and acted on without a gap in which a concurrent writer could commit).
 * KEYS[1] meta hash. ARGV: chunk key base (`<prefix>blob:<key>:`), upload id, chunk count, bytes, sha256, content type.
 * Chunk keys are derived inside the script, so this suits standalone and Sentinel Redis, not Cluster.
 */
const commitScript = new LuaScript(`
local base, upload, chunks = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 0, chunks - 1 do
  if redis.call('EXISTS', base .. upload .. ':' .. i) == 0 then
    return redis.error_reply('LLOYD_UPLOAD_EXPIRED chunk ' .. i .. ' of the upload is missing')
  end
end
local old = redis.call('HMGET', KEYS[1], 'upload', 'chunks')
for i = 0, chunks - 1 do redis.call('PERSIST', base .. upload .. ':' .. i) end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'upload', upload, 'chunks', chunks, 'bytes', ARGV[4], 'sha256', ARGV[5], 'contentType', ARGV[6])
if old[1] and old[1] ~= upload then
  for i = 0, tonumber(old[2]) - 1 do redis.call('UNLINK', base .. old[1] .. ':' .. i) end
end
return 1
`);

/** KEYS[1] meta hash; ARGV[1] chunk key base. */
const deleteScript = new LuaScript(`
local old = redis.call('HMGET', KEYS[1], 'upload', 'chunks')
if old[1] then
  for i = 0, tonumber(old[2]) - 1 do redis.call('UNLINK', ARGV[1] .. old[1] .. ':' .. i) end
end
redis.call('DEL', KEYS[1])
return 1
`);

export interface RedisBlobStoreOptions {
  /** Global key prefix, e.g. `lloyd:`; keys are `<prefix>blob:<key>:meta` and `<prefix>blob:<key>:<upload>:<n>`. */
  keyPrefix: string;
  /** Chunk size in bytes (default 1 MiB). */
  chunkBytes?: number;
  /** Chunks of an unfinished upload expire after this long, so a crashed writer leaves no garbage (default 1 h). */
  uploadTtlMs?: number;
}

/** Cuts a byte stream into fixed-size chunks and hands each to `store`, one at a time (backpressure). */
class ChunkWriter extends Writable {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inflight: Promise<unknown> = Promise.resolve();
  chunks = 0;

  constructor(
    private readonly chunkBytes: number,
    private readonly store: (index: number, chunk: Buffer) => Promise<void>,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.chunkBytes) return callback();
    this.drainFull().then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const rest = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (rest.length === 0) return callback();
    this.tracked(this.chunks++, rest).then(() => callback(), callback);
  }

  /** Resolves once no chunk write is in flight (a failed pipeline does not wait for one). */
  async settled(): Promise<void> {
    await this.inflight.catch(() => undefined);
  }

  private tracked(index: number, chunk: Buffer): Promise<void> {
    const write = this.store(index, chunk);
    this.inflight = write;
    return write;
  }

  private async drainFull(): Promise<void> {
    const all = Buffer.concat(this.pending);
    let offset = 0;
    while (all.length - offset >= this.chunkBytes) {
      await this.tracked(this.chunks++, all.subarray(offset, offset + this.chunkBytes));
      offset += this.chunkBytes;
    }
    // Copy the remainder so the large concatenated buffer can be freed.
    const rest = Buffer.from(all.subarray(offset));
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
  }
}

/**
 * {@link BlobStore} on Redis: blobs are cut into chunks written under a fresh upload id (with an expiry, so
 * abandoned uploads vanish) and committed atomically by pointing the meta hash at the upload. Readers see the old
 * blob or the new one; a failed write leaves the previous blob intact. Neither direction holds a whole blob in
 * memory. The client is borrowed, not owned.
 */
export class RedisBlobStore extends BlobStore {
  private readonly prefix: string;
  private readonly chunkBytes: number;
  private readonly uploadTtlMs: number;

  constructor(
    private readonly redis: Redis,
    options: RedisBlobStoreOptions,
  ) {
    super();
    this.prefix = `${options.keyPrefix}blob:`;
    this.chunkBytes = options.chunkBytes ?? 1024 * 1024;
    this.uploadTtlMs = options.uploadTtlMs ?? 60 * 60 * 1000;
  }

  private base(key: string): string {
    return `${this.prefix}${key}:`;
  }

  private metaKey(key: string): string {
    return `${this.base(key)}meta`;
  }

  async put(key: string, content: BlobContent, options?: { contentType?: string }): Promise<BlobInfo> {
    assertBlobKey(key);
    const upload = randomUUID();
    const chunkKey = (index: number): string => `${this.base(key)}${upload}:${index}`;
    const digest = new DigestStream();
    const writer = new ChunkWriter(this.chunkBytes, async (index, chunk) => {
      await this.redis.set(chunkKey(index), chunk, 'PX', this.uploadTtlMs);
    });
    try {
      await pipeline(toReadable(content), digest, writer);
      const info: BlobInfo = { key, bytes: digest.bytes, sha256: digest.sha256() };
      if (options?.contentType) info.contentType = options.contentType;
      await commitScript.run(
        this.redis,
        [this.metaKey(key)],
        [this.base(key), upload, writer.chunks, info.bytes, info.sha256, info.contentType ?? ''],
      );
      return info;
    } catch (error) {
      await writer.settled();
      const written = Array.from({ length: writer.chunks }, (_, index) => chunkKey(index));
      // Best effort: the upload TTL removes them anyway if Redis is unreachable now.
      if (written.length) await this.redis.unlink(...written).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    assertBlobKey(key);
    const meta = await this.redis.hgetall(this.metaKey(key));
    const upload = meta['upload'];
    if (!upload) throw new BlobNotFoundError(key);
    const chunks = Number(meta['chunks'] ?? 0);
    const redis = this.redis;
    const base = this.base(key);
    async function* read(): AsyncGenerator<Buffer> {
      for (let index = 0; index < chunks; index++) {
        const chunk = await redis.getBuffer(`${base}${upload}:${index}`);
        if (!chunk) {
          throw new Error(`Blob "${key}" was replaced or deleted while it was being read; read it again`);
        }
        yield chunk;
      }
    }
    return Readable.from(read(), { objectMode: false });
  }

  async stat(key: string): Promise<BlobInfo | null> {
    assertBlobKey(key);
    const meta = await this.redis.hgetall(this.metaKey(key));
    if (!meta['upload']) return null;
    const info: BlobInfo = { key, bytes: Number(meta['bytes']), sha256: meta['sha256'] ?? '' };
    if (meta['contentType']) info.contentType = meta['contentType'];
    return info;
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await deleteScript.run(this.redis, [this.metaKey(key)], [this.base(key)]);
  }
}
