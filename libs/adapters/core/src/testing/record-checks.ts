/**
 * Checks of a canonical record against the conventions of `canonical.ts`. Each returns the problems it found (empty
 * when the record conforms), worded for the supplier who has to fix its adapter.
 */
import type { RecordSection } from '@lloyd/config';
import { referencesIn, hasConfidentialityLabel } from '@lloyd/fhir';
import { CODE_SYSTEMS, sectionOf, type CanonicalRecord } from '../canonical.js';

export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
const RELATIVE_REFERENCE = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/** Every resource of the record: patient, practice, practitioners and their roles, then the clinical resources. */
export function allResources(record: CanonicalRecord): fhir4.Resource[] {
  return [record.patient, record.practice, ...record.practitioners, ...record.practitionerRoles, ...record.resources];
}

const label = (r: fhir4.Resource) => `${r.resourceType}/${r.id ?? '(no id)'}`;

function firstFew(problems: string[], max = 10): string[] {
  return problems.length > max ? [...problems.slice(0, max), `… and ${problems.length - max} more`] : problems;
}

/** Ids match `[A-Za-z0-9\-.]{1,64}` and are unique per resource type. */
export function idProblems(record: CanonicalRecord): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const resource of allResources(record)) {
    if (resource.id === undefined || !ID_PATTERN.test(resource.id)) {
      problems.push(`${label(resource)}: id must match [A-Za-z0-9\\-.]{1,64}`);
      continue;
    }
    const key = `${resource.resourceType}/${resource.id}`;
    if (seen.has(key)) problems.push(`${key}: the id is used twice for this resource type`);
    seen.add(key);
  }
  return firstFew(problems);
}

/**
 * Every clinical resource (one that belongs to a record section) but Medication points at `Patient/<patient.id>`
 * through `patient` or `subject`. Supporting resources such as a Location are not about the patient.
 */
export function patientReferenceProblems(record: CanonicalRecord): string[] {
  const expected = `Patient/${record.patient.id ?? ''}`;
  const problems: string[] = [];
  for (const resource of record.resources) {
    if (resource.resourceType === 'Medication' || sectionOf(resource, true) === undefined) continue;
    const r = resource as { patient?: fhir4.Reference; subject?: fhir4.Reference };
    const actual = (r.patient ?? r.subject)?.reference;
    if (actual !== expected) {
      problems.push(`${label(resource)}: references ${actual ?? 'no patient'} instead of ${expected}`);
    }
  }
  return firstFew(problems);
}

/**
 * Every reference inside the record is relative (`Type/id`) and names a resource of the record (or a contained
 * resource, `#id`); references by identifier alone are allowed.
 */
export function referenceProblems(record: CanonicalRecord): string[] {
  const resources = allResources(record);
  const known = new Set(resources.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  const problems: string[] = [];
  const check = (owner: fhir4.Resource, scope: fhir4.Resource) => {
    const refs = referencesIn(scope);
    const contained = new Set(((owner as fhir4.DomainResource).contained ?? []).map((c) => `#${c.id ?? ''}`));
    for (const ref of refs) {
      if (ref.startsWith('#')) {
        if (!contained.has(ref)) problems.push(`${label(owner)}: ${ref} names no contained resource`);
      } else if (!RELATIVE_REFERENCE.test(ref)) {
        problems.push(`${label(owner)}: reference "${ref}" is not relative (Type/id)`);
      } else if (!known.has(ref)) {
        problems.push(`${label(owner)}: ${ref} is not in the record`);
      }
    }
  };
  for (const resource of resources) {
    check(resource, resource);
    for (const inner of (resource as fhir4.DomainResource).contained ?? []) check(resource, inner);
  }
  return firstFew(problems);
}

/** The sections that hold at least one resource of the record. */
export function sectionsPresent(record: CanonicalRecord): Set<RecordSection> {
  const inReport = new Set(
    record.resources
      .filter((r): r is fhir4.DiagnosticReport => r.resourceType === 'DiagnosticReport')
      .flatMap((r) => (r.result ?? []).map((ref) => ref.reference)),
  );
  const present = new Set<RecordSection>();
  for (const resource of record.resources) {
    const section = sectionOf(resource, inReport.has(`${resource.resourceType}/${resource.id ?? ''}`));
    if (section) present.add(section);
  }
  return present;
}

interface CodedElement {
  readonly path: string;
  readonly concept: fhir4.CodeableConcept;
  /** The element names the item, so it must carry a code (Encounter.type may be text only). */
  readonly required: boolean;
}

/** The elements that name each clinical item (the ones `@lloyd/terminology` translates). */
export function codedElements(resource: fhir4.Resource): CodedElement[] {
  const r = resource as unknown as Record<string, unknown>;
  const one = (key: string, required = true): CodedElement[] =>
    r[key] ? [{ path: `${resource.resourceType}.${key}`, concept: r[key], required }] : [];
  switch (resource.resourceType) {
    case 'AllergyIntolerance':
    case 'Condition':
    case 'Procedure':
    case 'Medication':
    case 'Observation':
    case 'DiagnosticReport':
    case 'ServiceRequest':
      return one('code');
    case 'Immunization':
      return one('vaccineCode');
    case 'DocumentReference':
      return one('type');
    case 'MedicationStatement':
    case 'MedicationRequest':
      return one('medicationCodeableConcept');
    case 'Encounter':
      return ((resource as fhir4.Encounter).type ?? []).map((concept, i) => ({
        path: `Encounter.type[${i}]`,
        concept,
        required: false,
      }));
    default:
      return [];
  }
}

export interface CodingExpectation {
  /** The code systems the source system codes in; others (but local ones, when allowed) are problems. */
  readonly nativeCodeSystems: readonly string[];
  /** Supplier-local codes (`CODE_SYSTEMS.localPrefix…`) are allowed as native. */
  readonly allowLocalCodes: boolean;
}

/**
 * Coded items keep the source's own coding: each coded element carries a coding in a native system, every coding
 * has a system and a code, and no SNOMED CT coding is added by an adapter whose source does not code in SNOMED CT
 * (translation is `@lloyd/terminology`'s job, done centrally).
 */
export function codingProblems(record: CanonicalRecord, expectation: CodingExpectation): string[] {
  const native = (system: string | undefined) =>
    system !== undefined &&
    (expectation.nativeCodeSystems.includes(system) ||
      (expectation.allowLocalCodes && system.startsWith(CODE_SYSTEMS.localPrefix)));
  const snomedNative = expectation.nativeCodeSystems.includes(CODE_SYSTEMS.snomed);
  const problems: string[] = [];
  for (const resource of record.resources) {
    for (const { path, concept, required } of codedElements(resource)) {
      const codings = concept.coding ?? [];
      const where = `${label(resource)} ${path}`;
      if (codings.length === 0) {
        if (required)
          problems.push(`${where}: has no coding${concept.text ? ` (only the text "${concept.text}")` : ''}`);
        continue;
      }
      if (codings.some((c) => !c.system || !c.code)) problems.push(`${where}: a coding lacks its system or code`);
      if (!codings.some((c) => native(c.system))) {
        problems.push(
          `${where}: no coding in a native system (${expectation.nativeCodeSystems.join(', ')}); found ` +
            codings.map((c) => c.system ?? '(none)').join(', '),
        );
      }
      if (!snomedNative && codings.some((c) => c.system === CODE_SYSTEMS.snomed)) {
        problems.push(`${where}: carries a SNOMED CT coding the source does not have (leave mapping to Lloyd)`);
      }
    }
  }
  return firstFew(problems);
}

/** How many resources are marked confidential, and how many are not. */
export function confidentialityCounts(record: CanonicalRecord): { confidential: number; ordinary: number } {
  const confidential = record.resources.filter(hasConfidentialityLabel).length;
  return { confidential, ordinary: record.resources.length - confidential };
}
