import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { resolveLimits, type XmlLimits } from './xml-limits.js';
import { XmlSafetyError } from './xml-safety-error.js';
import { sourceChunks, type XmlSource } from './xml-source.js';

/** Receives the events of a document that has passed every safety check so far. */
export interface XmlEventHandler {
  /** `name` is the qualified name as written (`hl7:PayloadInformation`); see {@link localName}. */
  openElement(name: string, attributes: Readonly<Record<string, string>>): void;
  /** A text node or CDATA section, entity references already replaced (only the XML built-ins exist). */
  text(text: string): void;
  closeElement(name: string): void;
}

/** The part of a qualified name after its prefix. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** Carries an error thrown by the caller's handler through saxes, so it is not mistaken for a parse error. */
class HandlerFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('handler failed');
  }
}

/** For a limit exceeded: the limits are fixed, so the only remedy is a corrected message. */
const ADVICE =
  'Ask the sender to correct the message: Lloyd reads no GP2GP message beyond these limits, which protect it from ' +
  'messages built to exhaust its memory.';
/** For XML that is broken or forbidden: no limit to raise. */
const CORRECT_IT = 'Ask the sender to correct the message.';

/**
 * A push parser over saxes with hard caps. saxes itself never expands entities other than the five XML built-ins
 * and never fetches anything; this wrapper additionally refuses any DOCTYPE, bounds input size, depth, attribute
 * and text sizes, and the length of any stretch without an element or text event (so a giant attribute or comment
 * cannot grow unseen), and reports a document that ends early. Every refusal is an {@link XmlSafetyError}; errors
 * thrown by the event handler pass through unchanged.
 */
export class SafeXmlReader {
  private readonly parser: SaxesParser<{ xmlns: false; position: true }>;
  private readonly limits: XmlLimits;
  private readonly maxTokenChars: number;
  private bytes = 0;
  private depth = 0;
  private sawRoot = false;
  private rootClosed = false;
  private charsSinceEvent = 0;

  constructor(
    private readonly handler: XmlEventHandler,
    limits?: Partial<XmlLimits>,
  ) {
    this.limits = resolveLimits(limits);
    this.maxTokenChars =
      Math.max(this.limits.maxTextLength, this.limits.maxAttributes * (this.limits.maxAttributeLength + 1024)) +
      64 * 1024;
    this.parser = new SaxesParser({ xmlns: false, position: true });
    // Only five handlers: saxes keeps handlers as properties of the parser, and more of them (error, comment,
    // processing instruction) measurably slows every character read (about 6x). Without an error handler saxes
    // throws, and write() classifies what it throws.
    this.parser.on('doctype', () => {
      throw new XmlSafetyError(
        'doctype',
        `XML refused at ${this.where()}: DOCTYPE declarations are not accepted (entities are never expanded and ` +
          `external entities never fetched). GP2GP messages do not use them. ${CORRECT_IT}`,
        { line: this.parser.line, column: this.parser.column },
      );
    });
    this.parser.on('opentag', (tag) => this.onOpen(tag));
    this.parser.on('closetag', (tag) => this.onClose(tag));
    this.parser.on('text', (text) => this.onText(text));
    this.parser.on('cdata', (text) => this.onText(text));
  }

  /** Feeds one decoded chunk; `bytes` is its size on the wire (for the total-size cap). */
  write(text: string, bytes = Buffer.byteLength(text)): void {
    this.bytes += bytes;
    if (this.bytes > this.limits.maxBytes) {
      throw new XmlSafetyError(
        'total-bytes',
        `XML refused: the message is larger than ${this.limits.maxBytes} bytes. ${ADVICE}`,
      );
    }
    this.charsSinceEvent += text.length;
    try {
      this.parser.write(text);
    } catch (err) {
      if (err instanceof HandlerFailure) throw err.cause;
      throw this.classify(err);
    }
    if (this.charsSinceEvent > this.maxTokenChars) {
      throw new XmlSafetyError(
        'token-length',
        `XML refused at ${this.where()}: a single tag, comment or text run is longer than ${this.maxTokenChars} ` +
          `characters. ${ADVICE}`,
      );
    }
  }

  /** Ends the document; throws if it stopped before its root element was closed. */
  close(): void {
    try {
      this.parser.close();
    } catch (err) {
      if (err instanceof HandlerFailure) throw err.cause;
      throw this.classify(err);
    }
    if (!this.sawRoot || !this.rootClosed || this.depth !== 0) throw this.truncated();
  }

  private onOpen(tag: SaxesTagPlain): void {
    this.charsSinceEvent = 0;
    this.depth++;
    this.sawRoot = true;
    if (this.depth > this.limits.maxDepth) {
      throw new XmlSafetyError(
        'depth',
        `XML refused at ${this.where()}: elements are nested deeper than ${this.limits.maxDepth}. ${ADVICE}`,
      );
    }
    const attributes = tag.attributes;
    const keys = Object.keys(attributes);
    const count = keys.length;
    for (let i = 0; i < count; i++) {
      const key = keys[i]!;
      const value = attributes[key]!;
      if (value.length > this.limits.maxAttributeLength) {
        throw new XmlSafetyError(
          'attribute-length',
          `XML refused at ${this.where()}: attribute "${key}" of <${tag.name}> is ${value.length} characters long ` +
            `(limit ${this.limits.maxAttributeLength}). ${ADVICE}`,
        );
      }
    }
    if (count > this.limits.maxAttributes) {
      throw new XmlSafetyError(
        'attribute-count',
        `XML refused at ${this.where()}: <${tag.name}> has ${count} attributes (limit ${this.limits.maxAttributes}). ` +
          ADVICE,
      );
    }
    try {
      this.handler.openElement(tag.name, attributes);
    } catch (err) {
      throw new HandlerFailure(err);
    }
  }

  private onClose(tag: SaxesTagPlain): void {
    this.charsSinceEvent = 0;
    this.depth--;
    if (this.depth === 0) this.rootClosed = true;
    try {
      this.handler.closeElement(tag.name);
    } catch (err) {
      throw new HandlerFailure(err);
    }
  }

  private onText(text: string): void {
    this.charsSinceEvent = 0;
    if (text.length > this.limits.maxTextLength) {
      throw new XmlSafetyError(
        'text-length',
        `XML refused at ${this.where()}: a text node is ${text.length} characters long ` +
          `(limit ${this.limits.maxTextLength}). ${ADVICE}`,
      );
    }
    if (this.depth === 0) return;
    try {
      this.handler.text(text);
    } catch (err) {
      throw new HandlerFailure(err);
    }
  }

  private where(): string {
    return `line ${this.parser.line}, column ${this.parser.column}`;
  }

  private truncated(): XmlSafetyError {
    return new XmlSafetyError(
      'truncated',
      `XML refused: the message ends before its root element is closed (truncated input, ${this.bytes} bytes read). ` +
        'Ask the sender to resend the complete message.',
      { bytesRead: this.bytes, line: this.parser.line, column: this.parser.column },
    );
  }

  private classify(err: unknown): XmlSafetyError {
    if (err instanceof XmlSafetyError) return err;
    const message = err instanceof Error ? err.message : String(err);
    if (/unclosed|document must contain a root element|unexpected end/i.test(message)) return this.truncated();
    // saxes writes "line:column: what" (with a trailing period).
    const parts = /^(\d+):(\d+):\s*(.*?)\.?$/s.exec(message);
    return new XmlSafetyError(
      'malformed',
      `XML refused: the message is not well-formed (${message}). ${CORRECT_IT}`,
      parts ? { line: Number(parts[1]), column: Number(parts[2]), problem: parts[3]! } : { problem: message },
    );
  }
}

/**
 * Reads a whole document through {@link SafeXmlReader}, streaming from the source chunk by chunk. Rejects with
 * {@link XmlSafetyError} (or whatever the handler throws) and stops reading the source at the first problem.
 */
export async function readXml(source: XmlSource, handler: XmlEventHandler, limits?: Partial<XmlLimits>): Promise<void> {
  const reader = new SafeXmlReader(handler, limits);
  for await (const chunk of sourceChunks(source)) reader.write(chunk.text, chunk.bytes);
  reader.close();
}
