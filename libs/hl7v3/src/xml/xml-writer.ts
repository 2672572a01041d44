/** Attribute values; `undefined` leaves the attribute out. */
export type XmlAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

// Characters XML 1.0 cannot carry at all (C0 controls other than tab/newline/return, lone surrogates, U+FFFE/F).
const INVALID_XML_CHARS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const TEXT_SPECIALS = /[&<>]/g;
const ATTR_SPECIALS = /[&<>"\t\n\r]/g;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

// Anything either escape might change; most values contain none of it and are returned as they are.
const MAY_NEED_ESCAPING =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[&<>"\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Escapes character data; characters XML cannot represent are replaced by U+FFFD. */
export function escapeText(value: string): string {
  if (!MAY_NEED_ESCAPING.test(value)) return value;
  return value.replace(INVALID_XML_CHARS, '\uFFFD').replace(TEXT_SPECIALS, (c) => ENTITIES[c]!);
}

/** Escapes an attribute value (double-quoted); whitespace controls are kept as character references. */
export function escapeAttribute(value: string): string {
  if (!MAY_NEED_ESCAPING.test(value)) return value;
  return value.replace(INVALID_XML_CHARS, '\uFFFD').replace(ATTR_SPECIALS, (c) => ENTITIES[c]!);
}

const NAME = /^[A-Za-z_][A-Za-z0-9._:-]*$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new Error(`Invalid XML name "${name}"`);
  return name;
}

/**
 * A small XML serializer that escapes everything it is given. Output accumulates until {@link take} is called, so
 * a builder can hand out one piece of a large document at a time.
 */
export class XmlWriter {
  private parts: string[] = [];
  private readonly open: string[] = [];

  constructor(private readonly indent = '  ') {}

  /** `<?xml version="1.0" encoding="UTF-8"?>` */
  declaration(): this {
    this.parts.push('<?xml version="1.0" encoding="UTF-8"?>\n');
    return this;
  }

  /** Opens an element; close it with {@link end}. */
  start(name: string, attributes?: XmlAttributes): this {
    this.parts.push(this.pad(), '<', checkName(name), this.attributes(attributes), '>\n');
    this.open.push(name);
    return this;
  }

  /** Closes the innermost open element. */
  end(): this {
    const name = this.open.pop();
    if (name === undefined) throw new Error('XmlWriter.end() without an open element');
    this.parts.push(this.pad(), '</', name, '>\n');
    return this;
  }

  /** An element without content. */
  empty(name: string, attributes?: XmlAttributes): this {
    this.parts.push(this.pad(), '<', checkName(name), this.attributes(attributes), '/>\n');
    return this;
  }

  /** An element holding only text. */
  text(name: string, text: string, attributes?: XmlAttributes): this {
    this.parts.push(
      this.pad(),
      '<',
      checkName(name),
      this.attributes(attributes),
      '>',
      escapeText(text),
      '</',
      name,
      '>\n',
    );
    return this;
  }

  /** Runs `body` inside an element. */
  element(name: string, attributes: XmlAttributes | undefined, body: (w: this) => void): this {
    this.start(name, attributes);
    body(this);
    return this.end();
  }

  /** Everything written since the last call; the writer keeps its open-element state. */
  take(): string {
    const out = this.parts.join('');
    this.parts = [];
    return out;
  }

  /** The whole document; fails if an element is still open. */
  toString(): string {
    if (this.open.length > 0) throw new Error(`XmlWriter: <${this.open.join('><')}> not closed`);
    return this.take();
  }

  get depth(): number {
    return this.open.length;
  }

  private pad(): string {
    return this.indent.repeat(this.open.length);
  }

  private attributes(attributes: XmlAttributes | undefined): string {
    if (!attributes) return '';
    let out = '';
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      out += ` ${checkName(key)}="${escapeAttribute(String(value))}"`;
    }
    return out;
  }
}
