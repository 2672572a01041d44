import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** Polls `condition` until it holds (or throws after `timeoutMs`), for effects that happen asynchronously. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  {
    timeoutMs = 10_000,
    intervalMs = 10,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads a stream to the end. Only for tests: production code streams. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic, incompressible-looking bytes (a hash chain), so tests are repeatable without random data. */
export function patternBytes(length: number, seed = 'lloyd'): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < length; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** Streams `data` in uneven pieces, as a network socket would. */
export function streamOf(data: Buffer, pieceBytes = 65_537): Readable {
  return Readable.from(
    (function* pieces() {
      for (let offset = 0; offset < data.length; offset += pieceBytes) yield data.subarray(offset, offset + pieceBytes);
    })(),
  );
}

/** A stream that delivers `bytesBeforeFailure` bytes, then errors: a connection dropped mid-upload. */
export function failingStream(bytesBeforeFailure: number, error = new Error('upstream connection reset')): Readable {
  const data = patternBytes(bytesBeforeFailure, 'failing');
  return Readable.from(
    (async function* pieces() {
      for (let offset = 0; offset < data.length; offset += 65_536) {
        yield data.subarray(offset, offset + 65_536);
        await sleep(0);
      }
      throw error;
    })(),
  );
}
