/**
 * Writes the P10001 XML vocabulary for records sent to the system. Names come from our own code; every value is
 * escaped, and characters XML cannot carry become U+FFFD rather than breaking the document.
 */
export type Attributes = Readonly<Record<string, string | number | boolean | undefined>>;

const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeText(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  return escapeText(value)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function attributes(attrs: Attributes | undefined): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined) out += ` ${name}="${escapeAttribute(String(value))}"`;
  }
  return out;
}

export class NativeXmlWriter {
  private readonly parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  private readonly open: string[] = [];

  start(name: string, attrs?: Attributes): this {
    this.parts.push(`<${name}${attributes(attrs)}>`);
    this.open.push(name);
    return this;
  }

  end(): this {
    const name = this.open.pop();
    if (name === undefined) throw new Error('NativeXmlWriter.end() without start()');
    this.parts.push(`</${name}>`);
    return this;
  }

  /** An element with attributes and optional text; nothing when `text` is given as undefined on a text element. */
  element(name: string, attrs?: Attributes, text?: string): this {
    this.parts.push(
      text === undefined
        ? `<${name}${attributes(attrs)}/>`
        : `<${name}${attributes(attrs)}>${escapeText(text)}</${name}>`,
    );
    return this;
  }

  /** A text-only element, left out when there is no value. */
  text(name: string, value: string | number | undefined, attrs?: Attributes): this {
    return value === undefined || value === '' ? this : this.element(name, attrs, String(value));
  }

  toString(): string {
    if (this.open.length > 0) throw new Error(`NativeXmlWriter: unclosed ${this.open.join(' > ')}`);
    return this.parts.join('');
  }
}
