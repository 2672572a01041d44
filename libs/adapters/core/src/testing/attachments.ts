import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AttachmentSource } from '../transfer.js';

/** Deterministic pseudo-random bytes in 64 KiB chunks, never held whole. */
export function* generateBytes(total: number, seed: string): Generator<Buffer> {
  let state = [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 2166136261);
  for (let sent = 0; sent < total;) {
    const size = Math.min(64 * 1024, total - sent);
    const chunk = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      chunk[i] = state >>> 24;
    }
    sent += size;
    yield chunk;
  }
}

/** An attachment whose content is generated on the fly (`bytes` long, deterministic from its id), never held whole. */
export function generatedAttachment(
  id: string,
  filename: string,
  bytes: number,
  contentType = 'application/pdf',
): AttachmentSource {
  return {
    id,
    filename,
    contentType,
    length: bytes,
    open: () => Promise.resolve(Readable.from(generateBytes(bytes, id))),
  };
}

/** The SHA-256 (hex) and length of everything a stream yields. */
export async function digestOf(stream: AsyncIterable<unknown>): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
