/**
 * Canonical record (R4) → STU3 collection Bundle, for delivering a transferred record to a GP Connect-style provider.
 */
import type { CanonicalRecord } from '@lloyd/adapters-core';
import { compact, rest, stu3Header, type Json } from './to-stu3-base.js';
import {
  stu3RequestType,
  toStu3AllergyIntolerance,
  toStu3Condition,
  toStu3DiagnosticReport,
  toStu3DocumentReference,
  toStu3Encounter,
  toStu3Immunization,
  toStu3Observation,
  toStu3ServiceRequest,
  toStu3Specimen,
} from './to-stu3-clinical.js';
import { toStu3Medication, toStu3MedicationRequest, toStu3MedicationStatement } from './to-stu3-medications.js';

/** Who and where: the same elements in STU3 and R4 for what GP records carry. */
export function toStu3Admin(resource: fhir4.DomainResource): Json {
  return compact({ ...stu3Header(resource, resource.resourceType), ...rest(resource, []) });
}

type Converter = (resource: fhir4.Resource, attachmentUrl?: string) => Json;
const admin: Converter = (r) => toStu3Admin(r);

const CONVERTERS: Readonly<Record<string, Converter>> = {
  Patient: admin,
  Organization: admin,
  Practitioner: admin,
  PractitionerRole: admin,
  Location: admin,
  AllergyIntolerance: (r) => toStu3AllergyIntolerance(r as fhir4.AllergyIntolerance),
  Condition: (r) => toStu3Condition(r as fhir4.Condition),
  Medication: (r) => toStu3Medication(r as fhir4.Medication),
  MedicationStatement: (r) => toStu3MedicationStatement(r as fhir4.MedicationStatement),
  MedicationRequest: (r) => toStu3MedicationRequest(r as fhir4.MedicationRequest),
  Encounter: (r) => toStu3Encounter(r as fhir4.Encounter),
  Observation: (r) => toStu3Observation(r as fhir4.Observation),
  DiagnosticReport: (r) => toStu3DiagnosticReport(r as fhir4.DiagnosticReport),
  Specimen: (r) => toStu3Specimen(r as fhir4.Specimen),
  Immunization: (r) => toStu3Immunization(r as fhir4.Immunization),
  ServiceRequest: (r) => toStu3ServiceRequest(r as fhir4.ServiceRequest),
  DocumentReference: (r, url) => toStu3DocumentReference(r as fhir4.DocumentReference, url),
};

/** The R4 resource types the reverse conversion handles (the canonical model's types). */
export const STU3_TARGET_TYPES: readonly string[] = Object.keys(CONVERTERS);

/**
 * One R4 resource of a canonical record as STU3. `attachmentUrl` points a DocumentReference's content at where the
 * receiving system keeps it. Returns `undefined` for a type GP Connect has no STU3 resource for.
 */
export function toStu3Resource(resource: fhir4.Resource, attachmentUrl?: string): Json | undefined {
  const convert = CONVERTERS[resource.resourceType];
  return convert ? convert(resource, attachmentUrl) : undefined;
}

export interface Stu3RecordConversion {
  readonly bundle: Json;
  /** STU3 `Type/id` → the item's `Type/id` in the canonical record (ServiceRequests change type). */
  readonly sourceIds: ReadonlyMap<string, string>;
  /** Canonical `Type/id` of resources with no STU3 equivalent, left out of the Bundle. */
  readonly unconverted: readonly string[];
}

export interface Stu3RecordOptions {
  /**
   * Attachment ids travelling beside the record: a DocumentReference whose id is one of them gets its content
   * pointed at `Binary/<id>` (where the receiving system files the upload).
   */
  readonly attachmentIds?: ReadonlySet<string>;
}

/**
 * Converts a canonical record to an STU3 `collection` Bundle (GP Connect Access Record Structured shape, without
 * Lists): ids and relative references kept, original codings kept, confidential labels in STU3 spelling, and the
 * canonical extensions mapped back to their GP Connect / Care Connect equivalents.
 */
export function toStu3Record(record: CanonicalRecord, options: Stu3RecordOptions = {}): Stu3RecordConversion {
  const all = [
    record.patient,
    record.practice,
    ...record.practitioners,
    ...record.practitionerRoles,
    ...record.resources,
  ];
  const sourceIds = new Map<string, string>();
  const unconverted: string[] = [];
  const entry: Json[] = [];
  const seen = new Set<string>();
  for (const resource of all) {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const attachment =
      resource.resourceType === 'DocumentReference' && resource.id && options.attachmentIds?.has(resource.id)
        ? `Binary/${resource.id}`
        : undefined;
    const converted = toStu3Resource(resource, attachment);
    if (!converted) {
      unconverted.push(key);
      continue;
    }
    const type =
      resource.resourceType === 'ServiceRequest'
        ? stu3RequestType(resource as fhir4.ServiceRequest)
        : resource.resourceType;
    sourceIds.set(`${type}/${resource.id ?? ''}`, key);
    entry.push({ resource: converted });
  }
  return {
    bundle: {
      resourceType: 'Bundle',
      meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1'] },
      type: 'collection',
      entry,
    },
    sourceIds,
    unconverted,
  };
}
