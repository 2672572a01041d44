import { localName, type XmlEventHandler } from './safe-xml-reader.js';

/** A parsed element: local name, attributes (qualified names as written), child elements and its own text. */
export interface XNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XNode[];
  text: string;
}

export function newNode(name: string, attrs: Readonly<Record<string, string>> = {}): XNode {
  return { name, attrs, children: [], text: '' };
}

/** The first child element with this local name. */
export function child(node: XNode | undefined, name: string): XNode | undefined {
  if (!node) return undefined;
  for (const c of node.children) if (c.name === name) return c;
  return undefined;
}

/** All child elements with this local name. */
export function children(node: XNode | undefined, name: string): XNode[] {
  if (!node) return [];
  return node.children.filter((c) => c.name === name);
}

/** Follows a path of local names through first children. */
export function path(node: XNode | undefined, ...names: string[]): XNode | undefined {
  let current = node;
  for (const n of names) current = child(current, n);
  return current;
}

/** An attribute by local name (prefix ignored), or undefined when absent or empty. */
export function attr(node: XNode | undefined, name: string): string | undefined {
  if (!node) return undefined;
  const direct = node.attrs[name];
  if (direct !== undefined) return direct === '' ? undefined : direct;
  for (const key in node.attrs) {
    if (localName(key) === name) {
      const value = node.attrs[key];
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/** The text content of the element and all its descendants, in document order. */
export function deepText(node: XNode | undefined): string {
  if (!node) return '';
  if (node.children.length === 0) return node.text;
  let out = node.text;
  for (const c of node.children) out += deepText(c);
  return out;
}

/** Trimmed text of a child element, or undefined when empty. */
export function childText(node: XNode | undefined, name: string): string | undefined {
  const text = deepText(child(node, name)).trim();
  return text === '' ? undefined : text;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

/**
 * Builds element trees from reader events. `detach` is asked when each element closes; when it answers true the
 * element is handed to `onDetached` and removed from its parent, so a streaming caller holds only the open part of
 * the document plus whatever it chose to keep.
 */
export class TreeBuilder implements XmlEventHandler {
  readonly root: XNode = newNode('#document');
  /** The document element's local name (known even when the element itself was detached). */
  rootName = '';
  private readonly stack: XNode[] = [this.root];

  constructor(
    private readonly detach: (node: XNode, ancestors: readonly XNode[]) => boolean = () => false,
    private readonly onDetached: (node: XNode, ancestors: readonly XNode[]) => void = () => undefined,
  ) {}

  openElement(name: string, attributes: Readonly<Record<string, string>>): void {
    const node = newNode(localName(name), attributes);
    if (this.stack.length === 1) this.rootName = node.name;
    this.stack[this.stack.length - 1]!.children.push(node);
    this.stack.push(node);
  }

  text(text: string): void {
    const node = this.stack[this.stack.length - 1]!;
    // Indentation between elements is most of the text events; keeping it only makes garbage.
    if (node.text === '' && isBlank(text)) return;
    node.text += text;
  }

  closeElement(): void {
    const node = this.stack.pop()!;
    const parent = this.stack[this.stack.length - 1]!;
    if (this.detach(node, this.stack)) {
      parent.children.pop();
      this.onDetached(node, this.stack);
    }
  }

  /** The document element, once read. */
  get documentElement(): XNode | undefined {
    return this.root.children[0];
  }
}
