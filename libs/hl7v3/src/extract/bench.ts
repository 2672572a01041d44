import { Readable } from 'node:stream';
import { parseEhrExtract } from './parse-ehr-extract.js';

/**
 * Parse throughput in MB/s for one extract held in memory (best of `rounds` runs after a warm-up), fed through the
 * streaming path in 64 KiB chunks as a blob store would. For benchmarks only; tests must not assert on it.
 */
export async function benchParse(buffer: Uint8Array, rounds = 3): Promise<number> {
  const chunk = 64 * 1024;
  function* pieces(): Generator<Uint8Array> {
    for (let i = 0; i < buffer.byteLength; i += chunk) yield buffer.subarray(i, i + chunk);
  }
  const stream = (): Readable => Readable.from(pieces());
  await parseEhrExtract(stream());
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    await parseEhrExtract(stream());
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return buffer.byteLength / 1e6 / best;
}
