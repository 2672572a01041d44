import type { RecordSection } from '@lloyd/config';
import { ACT_CODE_SYSTEM } from '@lloyd/fhir';

/**
 * Lloyd's canonical GP record: FHIR R4 resources, as close to GP Connect Access Record Structured (translated to R4)
 * as the source allows, with the source's ORIGINAL codings always kept. Adapters produce it from each supplier's
 * native format; `@lloyd/terminology` then adds SNOMED CT codings or marks items degraded; the access chain redacts;
 * the gateway builds Bundles and Lists from it.
 *
 * Conventions every adapter follows (checked by the adapter contract suite):
 * - ids are the source's own ids, `[A-Za-z0-9\-.]{1,64}`, unique per resource type within one record;
 *   references inside the record are relative (`AllergyIntolerance/abc`), the patient is `Patient/<patient.id>`;
 * - every clinical resource references the patient (`patient` or `subject`);
 * - coded items keep the source coding (system {@link CODE_SYSTEMS}) and the original term as `CodeableConcept.text`;
 * - confidential items carry `meta.security` {@link CONFIDENTIAL_SECURITY_LABEL} and are NOT removed by adapters
 *   (the access chain decides);
 * - dates keep the source's precision (`2019`, `2019-03`, `2019-03-14`).
 */
export interface CanonicalRecord {
  patient: fhir4.Patient;
  /** The registered practice. */
  practice: fhir4.Organization;
  /** The usual GP first, then any other clinicians the record references. */
  practitioners: fhir4.Practitioner[];
  practitionerRoles: fhir4.PractitionerRole[];
  /** Clinical resources; their section follows from their type, see `sectionOf`. */
  resources: fhir4.Resource[];
  /**
   * Sections that could not be read (set by Lloyd when a supplier failed for some areas and answered for others):
   * the record is partial and the answer must say which areas are missing.
   */
  unavailableSections?: { section: RecordSection; reason: string }[];
}

/** What the caller wants from a record. Adapters may fetch more, but must return at least these sections. */
export interface RecordQuery {
  sections: readonly RecordSection[];
}

export const LLOYD_FHIR_BASE = 'https://fhir.lloyd.example';

export const CODE_SYSTEMS = {
  snomed: 'http://snomed.info/sct',
  readv2: 'http://read.info/readv2',
  ctv3: 'http://read.info/ctv3',
  /** A supplier's local codes; `<ODS>` is the practice's code, e.g. `https://fhir.lloyd.example/CodeSystem/local-P30003`. */
  localPrefix: `${LLOYD_FHIR_BASE}/CodeSystem/local-`,
} as const;

const COURSE_OF_THERAPY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';

/**
 * A medication authorisation's `courseOfTherapyType` (GP Connect: mandatory on the plan): a repeat (or repeat
 * dispensing) is continuous long-term therapy, anything else a short acute course.
 */
export function courseOfTherapy(course: 'acute' | 'continuous'): fhir4.CodeableConcept {
  const display = course === 'acute' ? 'Short course (acute) therapy' : 'Continuous long term therapy';
  return { coding: [{ system: COURSE_OF_THERAPY_SYSTEM, code: course, display }] };
}

/** The marker for confidential items (GP Connect / GP2GP `NOPAT`: not to be shared outside the practice). */
export const CONFIDENTIAL_SECURITY_LABEL = {
  system: ACT_CODE_SYSTEM,
  code: 'NOPAT',
  display: "no disclosure to patient, family or caregivers without attending provider's authorization",
} as const;

export const EXTENSIONS = {
  /** On a CodeableConcept (and its resource): the code could not be translated to SNOMED CT; original kept. */
  degradedCode: `${LLOYD_FHIR_BASE}/StructureDefinition/degraded-code`,
  /** On a Condition: references to the clinical items linked to the problem (GP Connect RelatedClinicalContent). */
  relatedClinicalContent: `${LLOYD_FHIR_BASE}/StructureDefinition/related-clinical-content`,
  /**
   * On a Condition: a reference to the clinical item that IS the problem (GP Connect ActualProblem), which a GP2GP
   * extract names as the problem's statement (`conditionNamed`).
   */
  actualProblem: `${LLOYD_FHIR_BASE}/StructureDefinition/actual-problem`,
  /**
   * On a Condition: its link to another problem (GP Connect RelatedProblemHeader), with sub-extensions `type`
   * (valueCode `parent` | `child` | `sibling`: what the target is to this problem) and `target` (valueReference to
   * the Condition). An extract carries the hierarchy as LinkSets that link a child problem's LinkSet.
   */
  relatedProblem: `${LLOYD_FHIR_BASE}/StructureDefinition/related-problem`,
  /** On a Condition: `major` or `minor` (GP Connect ProblemSignificance). */
  problemSignificance: `${LLOYD_FHIR_BASE}/StructureDefinition/problem-significance`,
  /** On an AllergyIntolerance that has ended: `endDate` (valueDateTime) and `reasonEnded` (valueString) sub-extensions. */
  allergyEnd: `${LLOYD_FHIR_BASE}/StructureDefinition/allergy-end`,
  /** On a MedicationRequest with intent `plan`: the number of issues allowed for a repeat. */
  repeatInformation: `${LLOYD_FHIR_BASE}/StructureDefinition/medication-repeat-information`,
  /** On a MedicationRequest: `acute` | `repeat` | `repeat-dispensing` (GP Connect PrescriptionType). */
  prescriptionType: `${LLOYD_FHIR_BASE}/StructureDefinition/prescription-type`,
  /** On a MedicationStatement: when it was last issued, valueDateTime (GP Connect MedicationStatementLastIssueDate). */
  lastIssueDate: `${LLOYD_FHIR_BASE}/StructureDefinition/medication-last-issue-date`,
} as const;

/** The Encounter-linked items of a consultation are referenced from the item to `Encounter/<id>` (R4 `encounter`). */
export type ClinicalResource =
  | fhir4.AllergyIntolerance
  | fhir4.MedicationStatement
  | fhir4.MedicationRequest
  | fhir4.Medication
  | fhir4.Condition
  | fhir4.Encounter
  | fhir4.Immunization
  | fhir4.DiagnosticReport
  | fhir4.Observation
  | fhir4.Specimen
  | fhir4.ServiceRequest
  | fhir4.DocumentReference;

/** The resource types the RESTful API serves by patient, in CapabilityStatement order. */
export const CLINICAL_TYPES = [
  'AllergyIntolerance',
  'Condition',
  'MedicationStatement',
  'MedicationRequest',
  'Immunization',
  'Observation',
  'Encounter',
  'DiagnosticReport',
  'ServiceRequest',
  'DocumentReference',
] as const;
export type ClinicalType = (typeof CLINICAL_TYPES)[number];

/**
 * The record section a resource belongs to. Observations are investigations when categorised `laboratory` or
 * referenced from a DiagnosticReport (the caller passes `inReport`), otherwise uncategorised data.
 */
export function sectionOf(resource: fhir4.Resource, inReport = false): RecordSection | undefined {
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
      return 'allergies';
    case 'MedicationStatement':
    case 'MedicationRequest':
    case 'Medication':
      return 'medications';
    case 'Condition':
      return 'problems';
    case 'Encounter':
      return 'consultations';
    case 'Immunization':
      return 'immunisations';
    case 'DiagnosticReport':
    case 'Specimen':
      return 'investigations';
    case 'Observation': {
      const lab = (resource as fhir4.Observation).category?.some((c) => c.coding?.some((k) => k.code === 'laboratory'));
      return lab || inReport ? 'investigations' : 'uncategorised';
    }
    case 'ServiceRequest':
      return 'referrals';
    case 'DocumentReference':
      return 'documents';
    default:
      return undefined;
  }
}
