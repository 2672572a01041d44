import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { reassembleAttachment, type AttachmentPart } from '@lloyd/hl7v3';
import { type BlobStore } from '@lloyd/store';

/** What cutting a stream into fragments produced. */
export interface FragmentedContent {
  /** Total bytes of the content. */
  bytes: number;
  /** Hex SHA-256 of the whole content. */
  sha256: string;
  /** Fragments written (at least one, possibly empty). */
  fragments: number;
}

/**
 * Large-message fragments in the blob store: content is cut into pieces of at most `fragmentBytes` (the NHS sender
 * chunks above 4,500,000 bytes) as it streams in, each piece stored under its own key, and read back as one stream.
 * Only one piece is ever held in memory.
 */
export class FragmentStore {
  constructor(
    private readonly blobs: BlobStore,
    private readonly fragmentBytes: number,
  ) {}

  /** Streams `content` into fragments `key(0)`, `key(1)`, …; resolves their number, size and digest. */
  async write(
    content: Readable | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
    key: (index: number) => string,
  ): Promise<FragmentedContent> {
    const hash = createHash('sha256');
    let bytes = 0;
    let index = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (piece: Buffer): Promise<void> => {
      await this.blobs.put(key(index++), piece);
    };
    for await (const item of content) {
      const chunk = item as Uint8Array | string;
      let buffer: Buffer =
        typeof chunk === 'string'
          ? Buffer.from(chunk, 'utf8')
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      hash.update(buffer);
      bytes += buffer.length;
      while (pendingBytes + buffer.length >= this.fragmentBytes) {
        const take = this.fragmentBytes - pendingBytes;
        pending.push(buffer.subarray(0, take));
        buffer = buffer.subarray(take);
        await flush(Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      }
      if (buffer.length > 0) {
        // Copy: the source may reuse its chunk buffers.
        pending.push(Buffer.from(buffer));
        pendingBytes += buffer.length;
      }
    }
    if (pendingBytes > 0 || index === 0) await flush(Buffer.concat(pending));
    return { bytes, sha256: hash.digest('hex'), fragments: index };
  }

  /**
   * The fragments `key(0)` … `key(count - 1)` reassembled into one stream (`@lloyd/hl7v3`'s reassembly, opening one
   * fragment at a time). With `decompress` the content is gunzipped (a skeleton extract); a failure surfaces as the
   * library's `ReassemblyError` (GP2GP reason 29).
   */
  read(count: number, key: (index: number) => string, decompress = false): Readable {
    const blobs = this.blobs;
    async function* parts(): AsyncGenerator<AttachmentPart> {
      for (let i = 0; i < count; i++) yield { content: await blobs.get(key(i)), base64: false };
    }
    return reassembleAttachment(parts(), { decompress });
  }

  /** Size and digest of the fragments read back in order, to check them against what the sender described. */
  async measure(count: number, key: (index: number) => string): Promise<{ bytes: number; sha256: string }> {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of this.read(count, key)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { bytes, sha256: hash.digest('hex') };
  }

  async remove(count: number, key: (index: number) => string): Promise<void> {
    for (let i = 0; i < count; i++) await this.blobs.delete(key(i));
  }
}
