import { Readable } from 'node:stream';
import { localName, SafeXmlReader, type XmlEventHandler } from '../xml/safe-xml-reader.js';
import type { XmlLimits } from '../xml/xml-limits.js';
import { sourceChunks, type XmlSource } from '../xml/xml-source.js';
import { attr, child, newNode, path, type XNode } from '../xml/xml-tree.js';
import { escapeAttribute, escapeText } from '../xml/xml-writer.js';
import { sameDocumentId } from './ebxml.js';

const SPLICE = Symbol('splice');
type Output = string | typeof SPLICE;

function openTag(name: string, attributes: Readonly<Record<string, string>>): string {
  let out = `<${name}`;
  for (const key in attributes) out += ` ${key}="${escapeAttribute(attributes[key]!)}"`;
  return `${out}>`;
}

/** Serialises a buffered element (qualified names kept in `attrs`; the element name is stored as written). */
function serialise(node: XNode): string {
  let out = openTag(node.name, node.attrs);
  if (node.text) out += escapeText(node.text);
  for (const c of node.children) out += serialise(c);
  return `${out}</${node.name}>`;
}

function isSkeleton(statement: XNode, documentId: string): boolean {
  const ids = [
    attr(child(statement, 'id'), 'root'),
    attr(path(statement, 'reference', 'referredToExternalDocument', 'id'), 'root'),
    attr(path(statement, 'reference', 'referredToExternalDocument', 'text', 'reference'), 'value')?.replace(
      /^(cid|mid):/,
      '',
    ),
  ];
  return ids.some((id) => sameDocumentId(id, documentId));
}

/**
 * Re-emits a document, buffering each NarrativeStatement until it is complete so the one pointing at the skeleton
 * attachment can be swapped for a splice marker. Everything else is written straight through, escaped again.
 */
class SkeletonEcho implements XmlEventHandler {
  readonly out: Output[] = [];
  private buffer: XNode[] = [];
  found = false;

  constructor(private readonly documentId: string) {}

  openElement(name: string, attributes: Readonly<Record<string, string>>): void {
    if (this.buffer.length > 0 || (localName(name) === 'NarrativeStatement' && !this.found)) {
      const node = newNode(name, attributes);
      this.buffer[this.buffer.length - 1]?.children.push(node);
      this.buffer.push(node);
      return;
    }
    this.out.push(openTag(name, attributes));
  }

  text(text: string): void {
    const open = this.buffer[this.buffer.length - 1];
    if (open) open.text += text;
    else this.out.push(escapeText(text));
  }

  closeElement(name: string): void {
    if (this.buffer.length === 0) {
      this.out.push(`</${name}>`);
      return;
    }
    const node = this.buffer.pop()!;
    if (this.buffer.length > 0) return;
    const named = withLocalNames(node);
    if (isSkeleton(named, this.documentId)) {
      this.found = true;
      this.out.push(SPLICE);
    } else this.out.push(serialise(node));
  }
}

function withLocalNames(node: XNode): XNode {
  return {
    name: localName(node.name),
    attrs: node.attrs,
    text: node.text,
    children: node.children.map(withLocalNames),
  };
}

/** Echoes the content of a fragment document (its root element and everything in it), without an XML declaration. */
class FragmentEcho implements XmlEventHandler {
  readonly out: string[] = [];
  openElement(name: string, attributes: Readonly<Record<string, string>>): void {
    this.out.push(openTag(name, attributes));
  }
  text(text: string): void {
    this.out.push(escapeText(text));
  }
  closeElement(name: string): void {
    this.out.push(`</${name}>`);
  }
}

async function* fragmentText(fragment: XmlSource, limits?: Partial<XmlLimits>): AsyncGenerator<string> {
  const echo = new FragmentEcho();
  const reader = new SafeXmlReader(echo, limits);
  for await (const chunk of sourceChunks(fragment)) {
    reader.write(chunk.text, chunk.bytes);
    if (echo.out.length > 0) yield echo.out.splice(0).join('');
  }
  reader.close();
  if (echo.out.length > 0) yield echo.out.splice(0).join('');
}

async function* spliced(
  core: XmlSource,
  documentId: string,
  fragment: XmlSource,
  limits?: Partial<XmlLimits>,
): AsyncGenerator<string> {
  const echo = new SkeletonEcho(documentId);
  const reader = new SafeXmlReader(echo, limits);
  const drain = async function* (): AsyncGenerator<string> {
    let text = '';
    for (const item of echo.out.splice(0)) {
      if (item === SPLICE) {
        if (text) yield text;
        text = '';
        yield* fragmentText(fragment, limits);
      } else text += item;
    }
    if (text) yield text;
  };
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  for await (const chunk of sourceChunks(core)) {
    reader.write(chunk.text, chunk.bytes);
    yield* drain();
  }
  reader.close();
  yield* drain();
  if (!echo.found) {
    throw new Error(
      `The extract has no skeleton statement for document ${documentId}; check the manifest's X-GP2GP-Skeleton attachment id.`,
    );
  }
}

/**
 * Rebuilds an extract whose content travelled as a skeleton attachment (`X-GP2GP-Skeleton: Yes`): the
 * NarrativeStatement in the core extract that refers to `documentId` is replaced by the (reassembled) attachment,
 * streaming. Both inputs are read with the XML safety caps.
 */
export function spliceSkeleton(
  core: XmlSource,
  documentId: string,
  fragment: XmlSource,
  limits?: Partial<XmlLimits>,
): Readable {
  return Readable.from(spliced(core, documentId, fragment, limits), { objectMode: false });
}
