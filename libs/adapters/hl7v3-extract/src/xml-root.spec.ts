import { peekRoot } from './xml-root.js';

function streamOf(...parts: string[]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  const chunks = parts.map((p) => new TextEncoder().encode(p));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let out = '';
  for await (const chunk of body) out += decoder.decode(chunk, { stream: true });
  return out + decoder.decode();
}

describe('peekRoot', () => {
  it('finds the root element past the declaration, comments and a prefix, and replays every byte', async () => {
    const parts = [
      '\uFEFF<?xml version="1.0"?>\n<!-- a comment -->',
      '<hl7:MCCI_IN0100',
      '00UK13 xmlns:hl7="urn:hl7-org:v3">',
      '<id/></hl7:MCCI_IN010000UK13>',
    ];
    const { stream } = streamOf(...parts);
    const peeked = await peekRoot(stream);
    expect(peeked.root).toBe('MCCI_IN010000UK13');
    expect(await collect(peeked.body)).toBe(parts.join(''));
  });

  it('reads no more than it needs before handing the stream back', async () => {
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new TextEncoder().encode(pulls === 1 ? '<RCMR_IN030000UK06>' : '<x/>'));
        if (pulls === 5) controller.close();
      },
    });
    const peeked = await peekRoot(stream);
    expect(peeked.root).toBe('RCMR_IN030000UK06');
    expect(pulls).toBeLessThanOrEqual(2);
    await peeked.cancel();
  });

  it('answers no root for a document type declaration, text that is not XML, or an empty body', async () => {
    for (const body of ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', '{"resourceType":"Bundle"}', '', '   ']) {
      const { stream } = streamOf(body);
      expect((await peekRoot(stream)).root).toBeUndefined();
    }
  });

  it('gives up on a prolog longer than the limit', async () => {
    const { stream, cancelled } = streamOf(`<!--${'x'.repeat(200)}`, `${'y'.repeat(200)}-->`, '<a/>');
    const peeked = await peekRoot(stream, 100);
    expect(peeked.root).toBeUndefined();
    await peeked.cancel();
    expect(cancelled()).toBe(true);
  });

  it('cancels the source when the reader stops early', async () => {
    const { stream, cancelled } = streamOf('<a>', '<b/>', '<c/>', '</a>');
    const peeked = await peekRoot(stream);
    for await (const chunk of peeked.body) {
      expect(chunk.byteLength).toBeGreaterThan(0);
      break;
    }
    expect(cancelled()).toBe(true);
  });
});
