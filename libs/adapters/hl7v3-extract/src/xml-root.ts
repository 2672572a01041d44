/**
 * Tells which message a streamed answer is (an EHR extract or an acknowledgement) from its first bytes, without
 * buffering the rest: the bytes read to find the root element are replayed in front of the remaining stream.
 */

export interface PeekedXml {
  /** The root element's local name; undefined when the prolog ended, or grew too long, before an element. */
  readonly root: string | undefined;
  /** The whole body again, from its first byte; cancels the underlying stream when abandoned mid-way. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Releases the stream when the body will not be read at all. */
  cancel(): Promise<void>;
}

const NAME = /^<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]/;

type Scan = { kind: 'root'; name: string } | { kind: 'more' } | { kind: 'none' };

/** Skips the XML declaration, processing instructions, comments and white space; finds the first element. */
function scan(text: string): Scan {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (at >= text.length) return { kind: 'more' };
    const rest = text.slice(at);
    if (rest.startsWith('<?') || rest.startsWith('<!--')) {
      const close = rest.indexOf(rest.startsWith('<?') ? '?>' : '-->');
      if (close < 0) return { kind: 'more' };
      at += close + (rest.startsWith('<?') ? 2 : 3);
      continue;
    }
    if (rest.length < 2 || (rest.startsWith('<') && !/[\s/>]/.test(rest.slice(1)))) return { kind: 'more' };
    const match = NAME.exec(rest);
    return match ? { kind: 'root', name: match[2]! } : { kind: 'none' };
  }
}

async function* replay(
  head: readonly Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let finished = false;
  try {
    yield* head;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Reads `source` until its root element is known (at most `maxPrologBytes`), then hands back the name and the body.
 * Only the prolog and the first chunk or two are held; the caller streams the rest.
 */
export async function peekRoot(source: ReadableStream<Uint8Array>, maxPrologBytes = 64 * 1024): Promise<PeekedXml> {
  const reader = source.getReader();
  const head: Uint8Array[] = [];
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let bytes = 0;
  let root: string | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        text += decoder.decode();
        const result = scan(text);
        root = result.kind === 'root' ? result.name : undefined;
        break;
      }
      head.push(value);
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
      const result = scan(text);
      if (result.kind === 'root') {
        root = result.name;
        break;
      }
      if (result.kind === 'none' || bytes > maxPrologBytes) break;
    }
  } catch (err) {
    reader.releaseLock();
    throw err;
  }
  let started = false;
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => {
      if (started) throw new Error('The peeked body can be read only once');
      started = true;
      return replay(head, reader);
    },
  };
  const cancel = async () => {
    if (started) return;
    started = true;
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  };
  return { root, body, cancel };
}
