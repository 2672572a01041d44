import { SECTION_PARAMETERS, sectionOf } from '@lloyd/access';
import type { CanonicalRecord } from '@lloyd/adapters-core';
import type { RecordSection } from '@lloyd/config';
import { OperationOutcomeError, spineIssue, type OperationOutcomeIssue, type Resource } from '@lloyd/fhir';

/**
 * The areas among `sections` that the supplier could not give this time (see `RecordReader.read`: a supplier that
 * failed for some areas and answered for others gives a partial record), in the order asked.
 */
export function unavailableAmong(record: CanonicalRecord, sections: readonly RecordSection[]): RecordSection[] {
  const missing = new Set((record.unavailableSections ?? []).map((u) => u.section));
  return sections.filter((s) => missing.has(s));
}

/**
 * True for an item of an area the supplier could not give. Such an item can still arrive through another area (a
 * consultation contains results, a problem links to medications), but serving it would make what a search matches
 * depend on which other areas were read with it, so it is left out as the rest of its area is.
 */
export function inUnavailableArea(resource: Resource, unavailable: readonly RecordSection[]): boolean {
  const section = sectionOf(resource);
  return section !== undefined && unavailable.includes(section);
}

/**
 * The warning of an answer that lacks an area the supplier could not give: what is missing and that a retry may
 * fill it (never an empty success). `consequence` says what the caller is missing, e.g. "its Observations are not in
 * this searchset".
 */
export function unavailableAreaIssue(section: RecordSection, consequence: string): OperationOutcomeIssue {
  return spineIssue(
    'BAD_GATEWAY',
    `The ${section} area could not be read from the practice's GP system, so ${consequence}. Try again later.`,
    { severity: 'warning', issueType: 'incomplete', expression: [SECTION_PARAMETERS[section]] },
  );
}

/**
 * 502 for a read by id of an item that is not in the record read, when an area it could be in could not be read:
 * the item may well exist, so "not found" would be wrong; the caller should try again.
 */
export function unavailableItemError(what: string, sections: readonly RecordSection[]): OperationOutcomeError {
  return OperationOutcomeError.of(
    'BAD_GATEWAY',
    `${what} could not be read: the ${sections.join(' and ')} area${sections.length > 1 ? 's' : ''} of the record ` +
      `could not be read from the practice's GP system. Try again later.`,
  );
}
