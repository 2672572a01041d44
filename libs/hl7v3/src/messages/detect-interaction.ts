import { localName, SafeXmlReader } from '../xml/safe-xml-reader.js';
import type { XmlLimits } from '../xml/xml-limits.js';
import { sourceChunks, type XmlSource } from '../xml/xml-source.js';

/** What a GP2GP message is, from its root element. */
export type Gp2gpMessageKind = 'ehr-extract' | 'ehr-request' | 'acknowledgement' | 'copc' | 'unknown';

class Found extends Error {
  constructor(readonly root: string) {
    super(root);
  }
}

/**
 * The root element's local name, reading only as far as it (the rest of a stream is not consumed). Safety caps
 * apply to what is read.
 */
export async function readRootElement(source: XmlSource, limits?: Partial<XmlLimits>): Promise<string> {
  const reader = new SafeXmlReader(
    {
      openElement(name) {
        throw new Found(localName(name));
      },
      text: () => undefined,
      closeElement: () => undefined,
    },
    limits,
  );
  try {
    for await (const chunk of sourceChunks(source)) reader.write(chunk.text, chunk.bytes);
    reader.close();
  } catch (err) {
    if (err instanceof Found) return err.root;
    throw err;
  }
  return '';
}

/** Classifies a root element name. */
export function messageKind(root: string): Gp2gpMessageKind {
  if (/^RCMR_IN03\d{4}UK0\d$/.test(root) || root === 'EhrExtract' || root === 'ehrComposition') return 'ehr-extract';
  if (/^RCMR_IN01\d{4}UK0\d$/.test(root)) return 'ehr-request';
  if (/^MCCI_IN\d{6}UK\d{2}$/.test(root)) return 'acknowledgement';
  if (/^COPC_IN\d{6}UK\d{2}$/.test(root)) return 'copc';
  return 'unknown';
}
