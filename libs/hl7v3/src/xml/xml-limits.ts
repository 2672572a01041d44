/** Hard caps applied while reading untrusted XML. Every field is optional when passed in; see {@link DEFAULT_XML_LIMITS}. */
export interface XmlLimits {
  /** Total input size in bytes (UTF-8). */
  maxBytes: number;
  /** Element nesting depth. */
  maxDepth: number;
  /** Attributes on one element. */
  maxAttributes: number;
  /** Characters in one attribute value. */
  maxAttributeLength: number;
  /** Characters in one text node (base64 attachments inside COPC messages are the largest legitimate ones). */
  maxTextLength: number;
}

export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxBytes: 512 * 1024 * 1024,
  maxDepth: 256,
  maxAttributes: 64,
  maxAttributeLength: 64 * 1024,
  maxTextLength: 16 * 1024 * 1024,
});

export function resolveLimits(limits: Partial<XmlLimits> | undefined): XmlLimits {
  return { ...DEFAULT_XML_LIMITS, ...limits };
}
