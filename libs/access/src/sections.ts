import { recordSections, type RecordSection } from '@lloyd/config';
import type { Resource } from '@lloyd/fhir';

/** GP Connect's `$gpc.getstructuredrecord` parameter name for each section (documents have no parameter there). */
export const SECTION_PARAMETERS: Readonly<Record<RecordSection, string>> = Object.freeze({
  allergies: 'includeAllergies',
  medications: 'includeMedication',
  problems: 'includeProblems',
  consultations: 'includeConsultations',
  immunisations: 'includeImmunisations',
  investigations: 'includeInvestigations',
  referrals: 'includeReferrals',
  uncategorised: 'includeUncategorisedData',
  documents: 'documents',
});

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

const SECTION_BY_TYPE: Readonly<Record<string, RecordSection>> = {
  AllergyIntolerance: 'allergies',
  MedicationStatement: 'medications',
  MedicationRequest: 'medications',
  Medication: 'medications',
  Condition: 'problems',
  Encounter: 'consultations',
  Immunization: 'immunisations',
  DiagnosticReport: 'investigations',
  Specimen: 'investigations',
  ServiceRequest: 'referrals',
  DocumentReference: 'documents',
};

/**
 * Resource types that belong to no section but frame every record (who the patient is, where they are registered,
 * who treats them). Anything else without a section is withheld: deny by default.
 */
export const RECORD_CONTEXT_TYPES: ReadonlySet<string> = new Set([
  'Patient',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
]);

export function isRecordSection(value: string): value is RecordSection {
  return (recordSections as readonly string[]).includes(value);
}

/** The GP Connect parameter name of a section, e.g. `includeAllergies`. */
export function sectionParameter(section: RecordSection): string {
  return SECTION_PARAMETERS[section];
}

function isLaboratoryObservation(resource: Resource): boolean {
  const categories = (resource as fhir4.Observation).category ?? [];
  return categories.some((c) =>
    (c.coding ?? []).some(
      (coding) => coding.code === 'laboratory' && (!coding.system || coding.system === OBSERVATION_CATEGORY),
    ),
  );
}

/**
 * The record section a clinical resource belongs to, or `undefined` for resources outside every section (the
 * patient, organisations, practitioners, lists, and types Lloyd does not share). Laboratory observations are
 * investigations; every other observation is uncategorised data, as in GP Connect.
 */
export function sectionOf(resource: Resource): RecordSection | undefined {
  if (resource.resourceType === 'Observation') {
    return isLaboratoryObservation(resource) ? 'investigations' : 'uncategorised';
  }
  return SECTION_BY_TYPE[resource.resourceType];
}

/** Sections a RESTful search of `resourceType` can return (Observation spans investigations and uncategorised). */
export function sectionsForResourceType(resourceType: string): RecordSection[] {
  if (resourceType === 'Observation') return ['investigations', 'uncategorised'];
  const section = SECTION_BY_TYPE[resourceType];
  return section ? [section] : [];
}
