import type { AccessDecision } from '@lloyd/access';
import type { PreparedRecord } from '../record/record-reader.js';

/**
 * What of the access decision a structured-record Bundle is made from, and nothing more. The answer templates
 * (`StructuredAnswers`) are keyed on exactly these, so reading any other part of the decision while building
 * the Bundle must add it to their key too; this type makes that a compile error until it is.
 */
export type StructuredGrant = Pick<AccessDecision, 'sections' | 'linkedSections' | 'warnings' | 'allowsLinked'>;

/** A prepared record, with the grant it is shown under: everything of the reader's a structured Bundle is made from. */
export type StructuredSource = Pick<PreparedRecord, 'record' | 'redactions' | 'withheld'> & {
  decision: StructuredGrant;
};
