import type { Readable } from 'node:stream';

/** Anything an XML message can be read from: whole text, bytes, a Node stream or any async iterable of chunks. */
export type XmlSource = string | Uint8Array | Readable | AsyncIterable<string | Uint8Array>;

const CHUNK_CHARS = 64 * 1024;

/** One decoded piece of input and the number of bytes it came from. */
export interface SourceChunk {
  text: string;
  bytes: number;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<string | Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Decodes the source as UTF-8 into text chunks, without ever holding more than one chunk of a streamed source.
 * A leading byte-order mark is dropped.
 */
export async function* sourceChunks(source: XmlSource): AsyncGenerator<SourceChunk> {
  if (typeof source === 'string') {
    yield* stringChunks(source);
    return;
  }
  if (source instanceof Uint8Array) {
    yield* bufferChunks(source);
    return;
  }
  if (!isAsyncIterable(source))
    throw new TypeError('XML source must be a string, bytes, a stream or an async iterable');
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      if (chunk.length > 0) yield { text: chunk, bytes: Buffer.byteLength(chunk) };
      continue;
    }
    const text = decoder.decode(chunk, { stream: true });
    if (text.length > 0 || chunk.byteLength > 0) yield { text, bytes: chunk.byteLength };
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield { text: rest, bytes: 0 };
}

function* stringChunks(text: string): Generator<SourceChunk> {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length; i += CHUNK_CHARS) {
    const piece = text.slice(i, i + CHUNK_CHARS);
    yield { text: piece, bytes: Buffer.byteLength(piece) };
  }
}

function* bufferChunks(bytes: Uint8Array): Generator<SourceChunk> {
  const decoder = new TextDecoder('utf-8');
  const step = CHUNK_CHARS * 4;
  for (let i = 0; i < bytes.byteLength; i += step) {
    const piece = bytes.subarray(i, i + step);
    yield { text: decoder.decode(piece, { stream: true }), bytes: piece.byteLength };
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield { text: rest, bytes: 0 };
}
