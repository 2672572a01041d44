import {
  convertLocation,
  convertOrganization,
  convertPatient,
  convertPractitioner,
  convertPractitionerRole,
} from './admin.js';
import { ConversionContext, isObject, Source } from './context.js';
import { convertDocumentReference } from './documents.js';
import { convertDiagnosticReport, convertEncounter, convertObservation, convertSpecimen } from './encounters.js';
import { sanitiseId } from './ids.js';
import { convertImmunization } from './immunizations.js';
import { convertMedication, convertMedicationRequest, convertMedicationStatement } from './medications.js';
import { convertAllergyIntolerance, convertCondition } from './problems.js';
import { ReportBuilder } from './report.js';
import { convertProcedureRequest, convertReferralRequest } from './requests.js';

type Converter = (src: Source, id: string) => fhir4.Resource;

/** The STU3 types the conversion understands: those GP Connect Access Record Structured returns. */
const CONVERTERS: Readonly<Record<string, Converter>> = {
  Patient: convertPatient,
  Organization: convertOrganization,
  Practitioner: convertPractitioner,
  PractitionerRole: convertPractitionerRole,
  Location: convertLocation,
  AllergyIntolerance: convertAllergyIntolerance,
  Condition: convertCondition,
  Medication: convertMedication,
  MedicationStatement: convertMedicationStatement,
  MedicationRequest: convertMedicationRequest,
  Encounter: convertEncounter,
  Observation: convertObservation,
  DiagnosticReport: convertDiagnosticReport,
  Specimen: convertSpecimen,
  Immunization: convertImmunization,
  ProcedureRequest: convertProcedureRequest,
  ReferralRequest: convertReferralRequest,
  DocumentReference: convertDocumentReference,
};

export const CONVERTIBLE_TYPES: readonly string[] = Object.keys(CONVERTERS);

/**
 * Converts one STU3 resource to R4 within a conversion (ids and references resolved through `ctx`). Resolves
 * `undefined`, counting it as dropped, for a type the conversion does not handle.
 */
export function convertResourceIn(
  ctx: ConversionContext,
  raw: Record<string, unknown>,
  id: string,
): fhir4.Resource | undefined {
  const type = typeof raw['resourceType'] === 'string' ? raw['resourceType'] : '(no resourceType)';
  const converter = CONVERTERS[type];
  if (!converter) {
    ReportBuilder.count(ctx.report.droppedResources, type);
    return undefined;
  }
  const src = new Source(ctx, type, raw);
  const resource = converter(src, id);
  src.finish();
  const contained = containedResources(ctx, raw['contained']);
  if (contained.length > 0) (resource as fhir4.DomainResource).contained = contained;
  ctx.countOutput(resource);
  return resource;
}

/** Contained resources keep their local ids (they are referenced as `#id`). */
function containedResources(ctx: ConversionContext, value: unknown): fhir4.FhirResource[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).flatMap((raw) => {
    const id = typeof raw['id'] === 'string' ? sanitiseId(raw['id']) : 'contained';
    const converted = convertResourceIn(ctx, raw, id);
    return converted ? [converted as fhir4.FhirResource] : [];
  });
}

/**
 * Converts a single STU3 resource to R4, outside a record: its id is sanitised and references are rewritten
 * the same way as in a record (renamed types, sanitised ids). Throws for a type the conversion does not handle.
 */
export function convertStu3Resource<T extends fhir4.Resource = fhir4.Resource>(resource: fhir3.Resource): T {
  const raw = resource as unknown as Record<string, unknown>;
  const type = String(raw['resourceType']);
  if (!CONVERTERS[type])
    throw new TypeError(`No STU3 → R4 conversion for ${type}; known: ${CONVERTIBLE_TYPES.join(', ')}`);
  const ctx = new ConversionContext();
  const id = typeof raw['id'] === 'string' ? ctx.ids.register(type, raw['id']) : sanitiseId(type);
  return convertResourceIn(ctx, raw, id) as T;
}
