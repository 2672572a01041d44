import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';

/** What {@link BlobStore.put} accepts. */
export type BlobContent = Readable | Buffer | string;

/** Normalises blob content to a byte stream (strings are UTF-8). */
export function toReadable(content: BlobContent): Readable {
  if (typeof content === 'string') return Readable.from([Buffer.from(content, 'utf8')]);
  if (Buffer.isBuffer(content)) return Readable.from([content]);
  return content;
}

/** Rejects keys no implementation can store sensibly. */
export function assertBlobKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('A blob key must be a non-empty string');
}

/** Pass-through that hashes (SHA-256) and counts the bytes flowing through it, so content is never buffered whole. */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  private byteCount = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.byteCount += chunk.length;
    callback(null, chunk);
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Hex SHA-256 of everything that passed; call once, after the stream has finished. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}
