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
  ) {
    super(message);
  }
}
