/**
 * A small XML writer for HL7 V3 messages: like `XmlWriter`, but names may carry a namespace prefix (`xsi:type`),
 * and `wrap` keeps nested HL7 structures readable. Names come from our own code and are checked; every value is
 * escaped.
 */
import { escapeXmlAttribute, escapeXmlText } from './xml-writer.js';

export type Hl7Attributes = Readonly<Record<string, string | number | boolean | undefined>>;

const QNAME = /^([A-Za-z_][A-Za-z0-9_.-]*:)?[A-Za-z_][A-Za-z0-9_.-]*$/;

function checkName(name: string): string {
  if (!QNAME.test(name)) throw new Error(`Invalid XML name "${name}"`);
  return name;
}

function attributes(attrs: Hl7Attributes | undefined): string {
  if (!attrs) return '';
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    out += ` ${checkName(name)}="${escapeXmlAttribute(String(value))}"`;
  }
  return out;
}

export class Hl7Writer {
  private readonly parts: string[] = [];
  private readonly open: string[] = [];

  constructor(declaration = true) {
    if (declaration) this.parts.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  }

  start(name: string, attrs?: Hl7Attributes): this {
    this.parts.push(`${this.indent()}<${checkName(name)}${attributes(attrs)}>\n`);
    this.open.push(name);
    return this;
  }

  end(): this {
    const name = this.open.pop();
    if (name === undefined) throw new Error('Hl7Writer.end() without a matching start()');
    this.parts.push(`${this.indent()}</${name}>\n`);
    return this;
  }

  /** An element with attributes and, when given, text content (otherwise self-closing). */
  element(name: string, attrs?: Hl7Attributes, text?: string): this {
    const open = `${this.indent()}<${checkName(name)}${attributes(attrs)}`;
    this.parts.push(text === undefined ? `${open}/>\n` : `${open}>${escapeXmlText(text)}</${name}>\n`);
    return this;
  }

  /** A text-only element, left out when the value is undefined. */
  text(name: string, value: string | number | undefined, attrs?: Hl7Attributes): this {
    return value === undefined ? this : this.element(name, attrs, String(value));
  }

  /** `<name attrs>` … children written by `body` … `</name>`. */
  wrap(name: string, attrs: Hl7Attributes | undefined, body: () => void): this {
    this.start(name, attrs);
    body();
    return this.end();
  }

  toString(): string {
    if (this.open.length > 0) throw new Error(`Hl7Writer: unclosed element(s) ${this.open.join(' > ')}`);
    return this.parts.join('');
  }

  private indent(): string {
    return '  '.repeat(this.open.length);
  }
}
