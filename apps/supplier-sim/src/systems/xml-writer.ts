/**
 * A small XML writer with strict escaping, shared by the simulated systems that speak XML. Element and attribute
 * names come from our own code and are checked; every text and attribute value is escaped.
 */

export type XmlAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

// Characters XML 1.0 does not allow at all (control characters, lone surrogates, U+FFFE/U+FFFF).
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
// A name, optionally with a namespace prefix (`xsi:type`), as HL7 V3 messages need.
const NAME = /^([A-Za-z_][A-Za-z0-9_.-]*:)?[A-Za-z_][A-Za-z0-9_.-]*$/;

// Anything either escape might change; most values contain none of it and are returned as they are.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const MAY_NEED_ESCAPING = /[&<>"'\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Escapes text content: `& < >` become entities; characters XML cannot carry become U+FFFD. */
export function escapeXmlText(value: string): string {
  if (!MAY_NEED_ESCAPING.test(value)) return value;
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes an attribute value for double quotes. Tabs and line breaks become character references, because a
 * parser would otherwise normalise them to spaces.
 */
export function escapeXmlAttribute(value: string): string {
  if (!MAY_NEED_ESCAPING.test(value)) return value;
  return escapeXmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function checkName(name: string): string {
  if (!NAME.test(name)) throw new Error(`Invalid XML name "${name}"`);
  return name;
}

function attributes(attrs: XmlAttributes | undefined): string {
  if (!attrs) return '';
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    out += ` ${checkName(name)}="${escapeXmlAttribute(String(value))}"`;
  }
  return out;
}

export class XmlWriter {
  private readonly parts: string[] = [];
  private readonly open: string[] = [];

  constructor(declaration = true) {
    if (declaration) this.parts.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  }

  start(name: string, attrs?: XmlAttributes): this {
    this.parts.push(`${this.indent()}<${checkName(name)}${attributes(attrs)}>\n`);
    this.open.push(name);
    return this;
  }

  end(): this {
    const name = this.open.pop();
    if (name === undefined) throw new Error('XmlWriter.end() without a matching start()');
    this.parts.push(`${this.indent()}</${name}>\n`);
    return this;
  }

  /** An element with attributes and, when given, text content (otherwise self-closing). */
  element(name: string, attrs?: XmlAttributes, text?: string): this {
    const open = `${this.indent()}<${checkName(name)}${attributes(attrs)}`;
    this.parts.push(text === undefined ? `${open}/>\n` : `${open}>${escapeXmlText(text)}</${name}>\n`);
    return this;
  }

  /** A text-only element, left out when the value is undefined. */
  text(name: string, value: string | number | undefined, attrs?: XmlAttributes): this {
    return value === undefined ? this : this.element(name, attrs, String(value));
  }

  /** `<name attrs>` … children written by `body` … `</name>`. */
  wrap(name: string, attrs: XmlAttributes | undefined, body: () => void): this {
    this.start(name, attrs);
    body();
    return this.end();
  }

  toString(): string {
    if (this.open.length > 0) throw new Error(`XmlWriter: unclosed element(s) ${this.open.join(' > ')}`);
    return this.parts.join('');
  }

  private indent(): string {
    return '  '.repeat(this.open.length);
  }
}
