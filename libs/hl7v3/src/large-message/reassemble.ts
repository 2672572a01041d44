import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One received piece of an attachment: an inline MIME part, or the attachment of one COPC fragment. */
export interface AttachmentPart {
  content: Readable | AsyncIterable<Uint8Array | string> | Uint8Array | string;
  /**
   * The content is base64 text to decode: the transport carried it so (Spine's `is_base64`, MIME base64) or the
   * description says `OriginalBase64=Yes`. Consecutive base64 parts are decoded as one text, because senders split
   * the encoded text at arbitrary points.
   */
  base64: boolean;
}

export interface ReassembleOptions {
  /**
   * `auto` (default) gunzips when the decoded bytes start with the gzip magic number, whatever the description says
   * (senders' `Compressed=` flags are not reliable); `true` always, `false` never.
   */
  decompress?: 'auto' | boolean;
  /** Refuse output larger than this (a decompression bomb guard). Default 512 MiB. */
  maxBytes?: number;
}

/** Raised when fragments cannot be put back together; GP2GP reason 29 (large message re-assembly failure) applies. */
export class ReassemblyError extends Error {
  override readonly name = 'ReassemblyError';
  readonly reasonCode = '29';
}

const DEFAULT_MAX = 512 * 1024 * 1024;
const BASE64_NOISE = /[^A-Za-z0-9+/=\-_]/g;

async function* chunksOf(content: AttachmentPart['content']): AsyncGenerator<Uint8Array | string> {
  if (typeof content === 'string' || content instanceof Uint8Array) {
    yield content;
    return;
  }
  for await (const chunk of content) yield chunk as Uint8Array | string;
}

/** Decodes as much complete base64 as `text` holds; returns the bytes and the undecoded rest. */
function decodeBase64(text: string, final: boolean): { bytes: Buffer[]; rest: string } {
  const bytes: Buffer[] = [];
  let remaining = text;
  // Padding ends one encoded stream; what follows (another part's text) is decoded on its own.
  for (let pad = remaining.indexOf('='); pad >= 0; pad = remaining.indexOf('=')) {
    let end = pad;
    while (remaining[end] === '=') end++;
    bytes.push(Buffer.from(remaining.slice(0, end), 'base64'));
    remaining = remaining.slice(end);
  }
  const usable = final ? remaining.length : remaining.length - (remaining.length % 4);
  if (usable > 0) bytes.push(Buffer.from(remaining.slice(0, usable), 'base64'));
  return { bytes, rest: remaining.slice(usable) };
}

async function* decodedBytes(
  parts: Iterable<AttachmentPart | Promise<AttachmentPart>> | AsyncIterable<AttachmentPart>,
): AsyncGenerator<Buffer> {
  let carry = '';
  for await (const part of parts as AsyncIterable<AttachmentPart>) {
    if (!part.base64 && carry) {
      yield* decodeBase64(carry, true).bytes;
      carry = '';
    }
    for await (const chunk of chunksOf(part.content)) {
      if (part.base64) {
        const text =
          typeof chunk === 'string'
            ? chunk
            : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
        const decoded = decodeBase64(
          carry + text.replace(BASE64_NOISE, '').replace(/-/g, '+').replace(/_/g, '/'),
          false,
        );
        carry = decoded.rest;
        yield* decoded.bytes;
      } else {
        yield typeof chunk === 'string'
          ? Buffer.from(chunk, 'utf8')
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    }
  }
  if (carry) yield* decodeBase64(carry, true).bytes;
}

async function* limited(source: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new ReassemblyError(
        `The reassembled attachment is larger than ${maxBytes} bytes; it was refused (possible decompression bomb). ` +
          'Reject the transfer with GP2GP reason 29 or raise the limit if such attachments are expected.',
      );
    }
    yield chunk;
  }
}

async function* reassembled(
  parts: Iterable<AttachmentPart | Promise<AttachmentPart>> | AsyncIterable<AttachmentPart>,
  options: ReassembleOptions,
): AsyncGenerator<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX;
  const iterator = decodedBytes(parts)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = Buffer.concat(head);
  async function* all(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const gzip = first[0] === 0x1f && first[1] === 0x8b;
  const inflate = options.decompress === true || ((options.decompress ?? 'auto') === 'auto' && gzip);
  if (!inflate) {
    yield* limited(all(), maxBytes);
    return;
  }
  const gunzip = pipeline(Readable.from(all()), createGunzip(), () => undefined);
  try {
    yield* limited(gunzip, maxBytes);
  } catch (err) {
    if (err instanceof ReassemblyError) throw err;
    throw new ReassemblyError(
      `The attachment could not be decompressed (${(err as Error).message}); GP2GP reason 29 applies.`,
    );
  } finally {
    gunzip.destroy();
  }
}

/**
 * Puts an attachment back together from its parts, in the order given, as a byte stream: base64 parts are decoded
 * (across part boundaries), plain parts passed through, and gzip content inflated. Nothing is held beyond one
 * chunk, so attachments of any size stream through.
 */
export function reassembleAttachment(
  parts: Iterable<AttachmentPart | Promise<AttachmentPart>> | AsyncIterable<AttachmentPart>,
  options: ReassembleOptions = {},
): Readable {
  return Readable.from(reassembled(parts, options), { objectMode: false });
}

/**
 * The fragments of a large attachment in the order of its index (the manifest's `mid:` references), whatever order
 * they arrived in and whatever they are called (SystmOne names every chunk "Untitled"). `missing` lists the message
 * ids not yet received; reassemble only when it is empty.
 */
export function fragmentOrder(
  indexMessageIds: readonly string[],
  received: ReadonlySet<string> | readonly string[],
): { order: string[]; missing: string[] } {
  const have = new Set([...received].map((id) => id.toUpperCase()));
  const missing = indexMessageIds.filter((id) => !have.has(id.toUpperCase()));
  return { order: [...indexMessageIds], missing };
}

/**
 * Reassembles a large attachment from its fragments: `open` fetches each fragment (e.g. from the blob store) when
 * its turn comes, so only one fragment is open at a time. `leading` holds parts carried by the index message
 * itself (some senders put the first chunk there).
 */
export function reassembleFragments(
  indexMessageIds: readonly string[],
  open: (messageId: string) => AttachmentPart | Promise<AttachmentPart>,
  options: ReassembleOptions & { leading?: readonly AttachmentPart[] } = {},
): Readable {
  async function* parts(): AsyncGenerator<AttachmentPart> {
    for (const part of options.leading ?? []) yield part;
    for (const id of indexMessageIds) yield await open(id);
  }
  return reassembleAttachment(parts(), options);
}
