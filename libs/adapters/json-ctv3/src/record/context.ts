import { CODE_SYSTEMS, CONFIDENTIAL_SECURITY_LABEL, LLOYD_FHIR_BASE } from '@lloyd/adapters-core';
import type { JournalEntry, OriginalCodes, ReadCode, VendorDate } from '../native.js';

/** What every entry mapper needs to know about the record and the event the entry sits in. */
export interface EntryContext {
  readonly ods: string;
  /** `Patient/<source id>`. */
  readonly patient: fhir4.Reference;
  /** The consultation the entry was recorded in; absent for stand-alone data entries. */
  readonly encounter: fhir4.Reference | undefined;
  /** The clinician of that consultation, who made what was ordered in it (a referral's requester). */
  readonly consultingClinician?: fhir4.Reference | undefined;
  /** The entry or its whole event is confidential. */
  readonly confidential: boolean;
  /** The reference of another entry of this record by its id (for problem links), if there is one. */
  readonly referenceTo: (entryId: string) => fhir4.Reference | undefined;
  /** The reference of a consultation of this record by its event id, if there is one. */
  readonly encounterRef: (eventId: string) => fhir4.Reference | undefined;
}

/**
 * On an AllergyIntolerance: when and why the allergy ended (R4 has no end date; GP Connect's AllergyIntoleranceEnd
 * carries the same `endDate` and `reasonEnded`). The same URL as the XML adapter's; not yet in `EXTENSIONS`.
 */
export const ALLERGY_END_EXTENSION = `${LLOYD_FHIR_BASE}/StructureDefinition/allergy-end`;

// Quantities are built the same way by every adapter.
export { quantity, UCUM_SYSTEM as UCUM } from '@lloyd/adapters-core';

export function reference(type: string, id: string, display?: string): fhir4.Reference {
  return display ? { reference: `${type}/${id}`, display } : { reference: `${type}/${id}` };
}

export function practitionerRef(userId: string | undefined): fhir4.Reference | undefined {
  return userId ? reference('Practitioner', userId) : undefined;
}

/**
 * The source coding, kept as recorded: CTV3 codes under `http://read.info/ctv3`, the vendor's local codes under the
 * practice's local code system; the text as the clinician recorded it (falling back to the code's term). An entry
 * the system filed under a local code (it had no CTV3 code for it: its transfer-degraded code, say) is followed by
 * the codes it arrived with, which say what it is (a SNOMED CT one, or one that maps, means it is not degraded).
 */
export function codeableConcept(
  code: ReadCode,
  text: string | undefined,
  ods: string,
  originalCodes: OriginalCodes = [],
): fhir4.CodeableConcept {
  const system = code.scheme === 'CTV3' ? CODE_SYSTEMS.ctv3 : `${CODE_SYSTEMS.localPrefix}${ods}`;
  const own: fhir4.Coding = code.term ? { system, code: code.code, display: code.term } : { system, code: code.code };
  const originals = (code.scheme === 'LOCAL' ? originalCodes : []).flatMap((c): fhir4.Coding[] =>
    c.code
      ? [{ ...(c.system ? { system: c.system } : {}), code: c.code, ...(c.display ? { display: c.display } : {}) }]
      : [],
  );
  const codings = [own, ...originals].filter(
    (c, i, all) => all.findIndex((d) => d.system === c.system && d.code === c.code) === i,
  );
  const shown = text || code.term;
  return shown ? { coding: codings, text: shown } : { coding: codings };
}

/** A FHIR date or dateTime with the source's precision; a time gains seconds, which FHIR requires. */
export function fhirDate(date: VendorDate): string {
  if (date.precision !== 'minute') return date.value;
  return /T\d{2}:\d{2}(Z|[+-])/.test(date.value) ? date.value.replace(/(T\d{2}:\d{2})/, '$1:00') : date.value;
}

/** `meta.security` NOPAT for confidential items; the access chain decides what to do with them. */
export function confidentialMeta(confidential: boolean): fhir4.Meta | undefined {
  return confidential ? { security: [{ ...CONFIDENTIAL_SECURITY_LABEL }] } : undefined;
}

/** The FHIR type an entry of the journal maps to, as other items reference it (problem links). */
export function referencedType(entry: JournalEntry): string {
  switch (entry.type) {
    case 'allergy':
      return 'AllergyIntolerance';
    case 'medication':
      return 'MedicationStatement';
    case 'problem':
      return 'Condition';
    case 'observation':
      return 'Observation';
    case 'immunisation':
      return 'Immunization';
    case 'investigation':
      return 'DiagnosticReport';
    case 'referral':
      return 'ServiceRequest';
    case 'attachment':
      return 'DocumentReference';
  }
}
