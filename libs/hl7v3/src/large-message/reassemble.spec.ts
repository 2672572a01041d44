import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  fragmentOrder,
  reassembleAttachment,
  reassembleFragments,
  ReassemblyError,
  type AttachmentPart,
} from './reassemble.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const document = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));

function splitText(text: string, sizes: number[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const size of sizes) {
    out.push(text.slice(at, at + size));
    at += size;
  }
  out.push(text.slice(at));
  return out;
}

describe('reassembleAttachment', () => {
  it('decodes base64 split at arbitrary points (not on 4-character boundaries)', async () => {
    const parts = splitText(document.toString('base64'), [1001, 2222, 7]).map((content): AttachmentPart => ({
      content,
      base64: true,
    }));
    expect(await collect(reassembleAttachment(parts))).toEqual(document);
  });

  it('decodes parts that were each encoded separately (padding inside the stream)', async () => {
    const pieces = [document.subarray(0, 1000), document.subarray(1000, 2501), document.subarray(2501)];
    const parts = pieces.map((p): AttachmentPart => ({ content: p.toString('base64'), base64: true }));
    expect(await collect(reassembleAttachment(parts))).toEqual(document);
  });

  it('passes plain parts through and mixes them with base64 ones', async () => {
    const parts: AttachmentPart[] = [
      { content: document.subarray(0, 1200), base64: false },
      { content: Readable.from([document.subarray(1200, 3000).toString('base64')]), base64: true },
      { content: document.subarray(3000), base64: false },
    ];
    expect(await collect(reassembleAttachment(parts))).toEqual(document);
  });

  it('inflates gzip content by its magic number even when the description says it is not compressed', async () => {
    const gz = gzipSync(document).toString('base64');
    const parts = splitText(gz, [100, 333]).map((content): AttachmentPart => ({ content, base64: true }));
    expect(await collect(reassembleAttachment(parts))).toEqual(document);
    expect(await collect(reassembleAttachment(parts, { decompress: false }))).toEqual(gzipSync(document));
  });

  it('refuses a decompression bomb and a corrupt gzip stream with GP2GP reason 29', async () => {
    const bomb = gzipSync(Buffer.alloc(5_000_000));
    await expect(
      collect(reassembleAttachment([{ content: bomb, base64: false }], { maxBytes: 1_000_000 })),
    ).rejects.toBeInstanceOf(ReassemblyError);
    const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip data at all')]);
    await expect(collect(reassembleAttachment([{ content: corrupt, base64: false }]))).rejects.toMatchObject({
      reasonCode: '29',
    });
  });
});

describe('fragments', () => {
  it('orders fragments by their index, whatever order and names they arrived with, and names the missing ones', () => {
    const index = ['M-1', 'M-2', 'M-3'];
    expect(fragmentOrder(index, new Set(['m-3', 'M-1']))).toEqual({ order: index, missing: ['M-2'] });
    expect(fragmentOrder(index, ['M-2', 'M-3', 'M-1']).missing).toEqual([]);
  });

  it('reassembles from the index order, opening one fragment at a time, after leading parts in the index message', async () => {
    const text = document.toString('base64');
    const [lead, a, b] = splitText(text, [1500, 2500]);
    const store = new Map([
      ['M-B', b!],
      ['M-A', a!],
    ]);
    const opened: string[] = [];
    const stream = reassembleFragments(
      ['M-A', 'M-B'],
      (id) => {
        opened.push(id);
        return { content: store.get(id)!, base64: true };
      },
      { leading: [{ content: lead!, base64: true }] },
    );
    expect(await collect(stream)).toEqual(document);
    expect(opened).toEqual(['M-A', 'M-B']);
  });
});
