/** Which rule an XML document broke. */
export type XmlSafetyViolation =
  | 'doctype'
  | 'depth'
  | 'attribute-count'
  | 'attribute-length'
  | 'text-length'
  | 'token-length'
  | 'total-bytes'
  | 'truncated'
  | 'malformed';

/** Where a document broke a rule, and the parser's own words for what was wrong (for malformed XML). */
export interface XmlSafetyFacts {
  readonly line?: number;
  readonly column?: number;
  /** The XML parser's description of what is not well-formed, without position. */
  readonly problem?: string;
  /** How many bytes were read before the document ended (truncated input). */
  readonly bytesRead?: number;
}

/**
 * Raised when an XML document is refused: a safety cap was exceeded, it declared a DOCTYPE (entities are never
 * expanded and external entities never fetched), it ended early or it is not well-formed. Nothing parsed from a
 * refused document is returned.
 */
export class XmlSafetyError extends Error {
  override readonly name = 'XmlSafetyError';

  constructor(
    readonly violation: XmlSafetyViolation,
    message: string,
    /** The facts behind the message, for a caller that words its own advice (e.g. a CLI reading a file). */
    readonly facts: XmlSafetyFacts = {},
  ) {
    super(message);
  }
}
