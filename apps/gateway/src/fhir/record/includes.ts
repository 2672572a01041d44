import { CLINICAL_TYPES, type ClinicalType } from '@lloyd/adapters-core';
import type { ScopeDemand, ScopedRequest } from '@lloyd/auth';
import { spineIssue, type OperationOutcomeIssue, type Resource } from '@lloyd/fhir';

export type ReferencesOf = (resource: Resource) => fhir4.Reference[];

/** The references at a path of FHIR elements (`participant.individual`), through arrays at any step. */
const path =
  (expression: string): ReferencesOf =>
  (resource) => {
    let values: unknown[] = [resource];
    for (const step of expression.split('.')) {
      values = values.flatMap((value) => {
        const next = value && typeof value === 'object' ? (value as Record<string, unknown>)[step] : undefined;
        return Array.isArray(next) ? (next as unknown[]) : next === undefined ? [] : [next];
      });
    }
    return values.filter(
      (value): value is fhir4.Reference =>
        !!value && typeof value === 'object' && typeof (value as fhir4.Reference).reference === 'string',
    );
  };

/** Only the references to one resource type, as FHIR's `.where(resolve() is Type)`. */
const to =
  (type: string, references: ReferencesOf): ReferencesOf =>
  (resource) =>
    references(resource).filter((ref) => ref.reference?.startsWith(`${type}/`));

/** A supported `_include`: the references it follows, and the resource types they can name in a record. */
export interface IncludeDefinition {
  follow: ReferencesOf;
  /** The types of what it includes (those a record holds), so that a search can read their sections too. */
  targets: readonly string[];
}

const CLINICIANS = ['Practitioner', 'PractitionerRole'] as const;
const include = (follow: ReferencesOf, ...targets: string[]): IncludeDefinition => ({ follow, targets });
const patient = (expression: string) => include(to('Patient', path(expression)), 'Patient');
const subject = include(path('subject'), 'Patient');
const encounter = (expression: string) => include(path(expression), 'Encounter');
const clinician = (expression: string) => include(path(expression), ...CLINICIANS);

/**
 * The `_include` parameters Lloyd supports, per searched type: FHIR R4's reference search parameter (its name and
 * its expression, from each resource's "Search Parameters" table) → the references it follows. Only parameters whose
 * targets a record holds (the Patient, the practice, its clinicians and the clinical items) are here, so each one
 * returns what it names. The CapabilityStatement's `searchInclude` is generated from this table.
 */
export const INCLUDES: { readonly [T in ClinicalType]: Readonly<Record<string, IncludeDefinition>> } = {
  AllergyIntolerance: {
    patient: patient('patient'),
    recorder: clinician('recorder'),
    asserter: clinician('asserter'),
  },
  Condition: {
    patient: patient('subject'),
    subject,
    encounter: encounter('encounter'),
    asserter: clinician('asserter'),
  },
  MedicationStatement: {
    patient: patient('subject'),
    subject,
    context: encounter('context'),
    medication: include(path('medicationReference'), 'Medication'),
    source: clinician('informationSource'),
  },
  MedicationRequest: {
    patient: patient('subject'),
    subject,
    encounter: encounter('encounter'),
    medication: include(path('medicationReference'), 'Medication'),
    requester: clinician('requester'),
  },
  Immunization: {
    patient: patient('patient'),
    performer: clinician('performer.actor'),
  },
  Observation: {
    patient: patient('subject'),
    subject,
    encounter: encounter('encounter'),
    performer: include(path('performer'), ...CLINICIANS, 'Organization'),
    specimen: include(path('specimen'), 'Specimen'),
    'has-member': include(path('hasMember'), 'Observation'),
    'derived-from': include(path('derivedFrom'), 'Observation', 'DocumentReference'),
  },
  Encounter: {
    patient: patient('subject'),
    subject,
    participant: clinician('participant.individual'),
    practitioner: include(to('Practitioner', path('participant.individual')), 'Practitioner'),
    'service-provider': include(path('serviceProvider'), 'Organization'),
  },
  DiagnosticReport: {
    patient: patient('subject'),
    subject,
    encounter: encounter('encounter'),
    performer: include(path('performer'), ...CLINICIANS, 'Organization'),
    result: include(path('result'), 'Observation'),
    specimen: include(path('specimen'), 'Specimen'),
  },
  ServiceRequest: {
    patient: patient('subject'),
    subject,
    encounter: encounter('encounter'),
    requester: clinician('requester'),
  },
  DocumentReference: {
    patient: patient('subject'),
    subject,
    author: include(path('author'), ...CLINICIANS, 'Organization'),
    custodian: include(path('custodian'), 'Organization'),
  },
};

/** The `_include` values a search of this type supports (`<Type>:<search parameter>`), for the CapabilityStatement. */
export function supportedIncludes(type: ClinicalType): string[] {
  return Object.keys(INCLUDES[type]).map((param) => `${type}:${param}`);
}

/** What an `_include` value (`<Type>:<param>[:<target type>]`) includes from the searched type, if supported there. */
export function includeDefinition(type: ClinicalType, value: string): IncludeDefinition | undefined {
  const [source, param, target, ...rest] = value.split(':');
  if ((source !== type && source !== '*') || !param || rest.length || target === '') return undefined;
  return Object.hasOwn(INCLUDES[type], param) ? INCLUDES[type][param] : undefined;
}

export function isSupportedInclude(type: ClinicalType, value: string): boolean {
  return includeDefinition(type, value) !== undefined;
}

/** The warning for an `_include` value the search does not support: it adds nothing. */
export function unsupportedIncludeIssue(type: ClinicalType, value: string): OperationOutcomeIssue {
  const shown = value.length > 100 ? `${value.slice(0, 100)}…` : value;
  return spineIssue(
    'INVALID_PARAMETER',
    `_include=${shown} is not supported here and was ignored. Supported: ${supportedIncludes(type).join(', ')}.`,
    {
      severity: 'warning',
      issueType: 'not-supported',
      expression: ['_include'],
    },
  );
}

export interface IncludeResult {
  included: Resource[];
  warnings: OperationOutcomeIssue[];
}

/**
 * Resolves `_include` for a page of matches against `record`, which must hold only what the caller may see (the
 * access-filtered view), so that an include can never reach a resource (or patient) outside it. At most `max`
 * resources are included.
 */
export function resolveIncludes(
  type: ClinicalType,
  includes: readonly string[],
  matches: readonly Resource[],
  record: readonly Resource[],
  max: number,
): IncludeResult {
  const warnings: OperationOutcomeIssue[] = [];
  const byRef = new Map(record.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
  const seen = new Set(matches.map((m) => `${m.resourceType}/${m.id ?? ''}`));
  const included: Resource[] = [];
  let capped = false;
  for (const value of includes) {
    const definition = includeDefinition(type, value);
    if (!definition) {
      warnings.push(unsupportedIncludeIssue(type, value));
      continue;
    }
    const target = value.split(':')[2];
    for (const match of matches) {
      for (const ref of definition.follow(match)) {
        const key = ref.reference;
        const resource = key ? byRef.get(key) : undefined;
        if (!resource || seen.has(key!) || (target && resource.resourceType !== target)) continue;
        if (included.length >= max) {
          capped = true;
          continue;
        }
        seen.add(key!);
        included.push(resource);
      }
    }
  }
  if (capped) {
    warnings.push(
      spineIssue('INVALID_PARAMETER', `_include was capped at ${max} resources; read the others by id.`, {
        severity: 'warning',
        expression: ['_include'],
      }),
    );
  }
  return { included, warnings };
}

/**
 * An `_include` serves its targets as a read would: each supported one needs read scope on every type it can bring
 * (only the given one for `<Type>:<param>:<target>`). An unsupported `_include` is ignored by the search, and needs
 * nothing.
 */
export function includeScopes({ params, query }: ScopedRequest): ScopeDemand[] {
  const type = params['type'];
  if (typeof type !== 'string' || !(CLINICAL_TYPES as readonly string[]).includes(type)) return [];
  const given = query['_include'];
  const values = (Array.isArray(given) ? (given as unknown[]) : [given]).filter((v) => typeof v === 'string');
  return values.flatMap((value) => {
    const definition = includeDefinition(type as ClinicalType, value);
    const target = value.split(':')[2];
    return (definition?.targets ?? [])
      .filter((t) => target === undefined || t === target)
      .map((t): ScopeDemand => ({
        requirement: `read:${t}`,
        because: `_include=${value.length > 100 ? `${value.slice(0, 100)}…` : value}`,
        otherwise: 'leave out the _include parameters that need them',
      }));
  });
}
