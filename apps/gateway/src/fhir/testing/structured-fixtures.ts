import type { AccessDecision } from '@lloyd/access';
import { EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { recordSections, type RecordSection } from '@lloyd/config';
import type { OperationOutcomeIssue, Resource } from '@lloyd/fhir';
import type { PreparedRecord } from '../record/record-reader.js';
import { parseStructuredRecordRequest, type StructuredRecordRequest } from '../structured/structured-request.js';
import { medicationRequest, medicationStatement } from './medications.js';

/** A small synthetic record and structured-record requests for the gateway's structured-record specs. */

export const TODAY = '2024-06-15';
export const ALL_SECTIONS: readonly RecordSection[] = recordSections;

// ---- Requests, parsed from real Parameters bodies --------------------------------------------------------------

export type Part = Omit<fhir4.ParametersParameter, 'name'> & { name: string };
export const part = (name: string, value: Omit<fhir4.ParametersParameter, 'name'>): Part => ({ name, ...value });
export const area = (name: string, ...parts: Part[]): fhir4.ParametersParameter =>
  parts.length ? { name, part: parts } : { name };

export function request(...parameter: fhir4.ParametersParameter[]): StructuredRecordRequest {
  return parseStructuredRecordRequest(
    {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'patientNHSNumber',
          valueIdentifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' },
        },
        ...parameter,
      ],
    },
    TODAY,
  );
}

export const allergies = (includeResolved: boolean) =>
  area('includeAllergies', part('includeResolvedAllergies', { valueBoolean: includeResolved }));

/** Every area, with no filters (GP Connect does not allow other areas' filters beside consultations or problems). */
export const everyArea = () =>
  request(
    allergies(true),
    area('includeMedication'),
    area('includeProblems'),
    area('includeConsultations'),
    area('includeImmunisations'),
    area('includeInvestigations'),
    area('includeReferrals'),
    area('includeUncategorisedData'),
  );

// ---- A small synthetic record ----------------------------------------------------------------------------------

export const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
export const subject = ref('Patient', 'pat-1');
export const LAB = [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
];
export const VITALS = [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
];
export const concept = (text: string) => ({ text });

export const allergy = (id: string, status?: string): fhir4.AllergyIntolerance => ({
  resourceType: 'AllergyIntolerance',
  id,
  patient: subject,
  code: concept(id),
  ...(status
    ? {
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: status }],
        },
      }
    : {}),
});

export const medication = (id: string): fhir4.Medication => ({ resourceType: 'Medication', id, code: concept(id) });

export const condition = (id: string, status: string, significance: 'major' | 'minor'): fhir4.Condition => ({
  resourceType: 'Condition',
  id,
  subject,
  code: concept(id),
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: status }] },
  extension: [{ url: EXTENSIONS.problemSignificance, valueCode: significance }],
});

export const encounter = (id: string, start?: string): fhir4.Encounter => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  class: { code: 'AMB' },
  subject,
  ...(start ? { period: { start } } : {}),
});

export const immunization = (id: string, status: fhir4.Immunization['status']): fhir4.Immunization => ({
  resourceType: 'Immunization',
  id,
  status,
  patient: subject,
  vaccineCode: concept(id),
  occurrenceDateTime: '2021-10-01',
});

export const report = (
  id: string,
  date: Pick<fhir4.DiagnosticReport, 'effectiveDateTime' | 'issued'>,
  results: string[],
  specimens: string[],
): fhir4.DiagnosticReport => ({
  resourceType: 'DiagnosticReport',
  id,
  status: 'final',
  code: concept(id),
  subject,
  ...date,
  result: results.map((r) => ref('Observation', r)),
  specimen: specimens.map((s) => ref('Specimen', s)),
});

export const observation = (
  id: string,
  category: fhir4.CodeableConcept[] | undefined,
  date: Pick<fhir4.Observation, 'effectiveDateTime' | 'effectivePeriod'>,
): fhir4.Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: concept(id),
  subject,
  ...(category ? { category } : {}),
  ...date,
});

export const specimen = (id: string): fhir4.Specimen => ({ resourceType: 'Specimen', id, subject });

export const referral = (id: string, authoredOn: string): fhir4.ServiceRequest => ({
  resourceType: 'ServiceRequest',
  id,
  status: 'active',
  intent: 'order',
  subject,
  authoredOn,
});

export function clinicalResources(): Resource[] {
  return [
    // Allergies: two current (one with no status at all), two ended.
    allergy('al-active', 'active'),
    allergy('al-nostatus'),
    allergy('al-resolved', 'resolved'),
    allergy('al-inactive', 'inactive'),
    // Medication.
    medication('med-a'),
    medication('med-b'),
    medication('med-c'),
    medication('med-d'),
    medication('med-e'),
    medication('med-unused'),
    // Active, though its period ended long ago: kept whatever the from-date.
    medicationStatement('ms-active', {
      status: 'active',
      effective: { effectivePeriod: { start: '2015-03-01', end: '2019-01-01' } },
      med: 'med-a',
      plan: 'plan-1',
    }),
    // Ended the day before the from-date used below.
    medicationStatement('ms-old', {
      status: 'completed',
      effective: { effectivePeriod: { start: '2018-01-01', end: '2020-01-14' } },
      med: 'med-b',
      plan: 'plan-2',
    }),
    // Ended in January 2020 (month only): the whole month counts.
    medicationStatement('ms-month', {
      status: 'completed',
      effective: { effectivePeriod: { start: '2019-06-01', end: '2020-01' } },
      med: 'med-e',
    }),
    medicationStatement('ms-recent', {
      status: 'completed',
      effective: { effectiveDateTime: '2020-02-01' },
      med: 'med-c',
      plan: 'plan-3',
    }),
    medicationRequest('plan-1', 'plan', { med: 'med-a', authoredOn: '2015-03-01' }),
    medicationRequest('plan-2', 'plan', { med: 'med-b', authoredOn: '2018-01-01' }),
    medicationRequest('plan-3', 'plan', { med: 'med-c', authoredOn: '2020-02-01' }),
    medicationRequest('plan-orphan', 'plan', { med: 'med-unused', authoredOn: '2021-01-01' }),
    medicationRequest('issue-1', 'order', { med: 'med-d', authoredOn: '2021-05-01', plan: 'plan-1' }),
    medicationRequest('issue-old', 'order', { med: 'med-a', authoredOn: '2019-06-01', plan: 'plan-1' }),
    medicationRequest('issue-2', 'order', { med: 'med-b', authoredOn: '2021-05-01', plan: 'plan-2' }),
    medicationRequest('issue-orphan', 'order', { med: 'med-unused', authoredOn: '2021-05-01' }),
    // Problems.
    condition('cond-active-major', 'active', 'major'),
    condition('cond-active-minor', 'active', 'minor'),
    condition('cond-inactive-major', 'inactive', 'major'),
    condition('cond-resolved-minor', 'resolved', 'minor'),
    // Consultations.
    encounter('enc-2019', '2019-06-10'),
    encounter('enc-2020', '2020-03'),
    encounter('enc-2021', '2021-01-01T09:00:00+00:00'),
    encounter('enc-2022', '2022-11-30T10:00:00+00:00'),
    encounter('enc-nodate'),
    // Immunisations.
    immunization('imm-given', 'completed'),
    immunization('imm-notdone', 'not-done'),
    // Investigations: one report in 2019, one dated only by when it was issued (2021); they share no resources.
    report('rep-2019', { effectiveDateTime: '2019-05-01' }, ['obs-r1', 'obs-comment'], ['spec-1']),
    report('rep-2021', { issued: '2021-02-03T10:00:00+00:00' }, ['obs-r2', 'obs-missing'], ['spec-2']),
    observation('obs-r1', LAB, { effectiveDateTime: '2019-05-01' }),
    observation('obs-comment', undefined, { effectiveDateTime: '2019-05-01' }),
    observation('obs-r2', LAB, { effectiveDateTime: '2021-02-01' }),
    specimen('spec-1'),
    specimen('spec-2'),
    // Uncategorised data: two observations of its own, and a laboratory result that is in no report.
    observation('obs-bp', VITALS, { effectiveDateTime: '2022-02-02' }),
    observation('obs-note', undefined, { effectivePeriod: { start: '2017-01-01' } }),
    observation('obs-lab-loose', LAB, { effectiveDateTime: '2022-02-02' }),
    // Referrals.
    referral('sr-2018', '2018-04-04'),
    referral('sr-2023', '2023'),
  ];
}

export const withMembers = (group: fhir4.Observation, ...members: string[]): fhir4.Observation => ({
  ...group,
  hasMember: members.map((m) => ref('Observation', m)),
});

/** As the terminology service marks an item whose codes it could not translate. */
export const markedDegraded = <T extends fhir4.DomainResource>(resource: T): T => ({
  ...resource,
  extension: [...(resource.extension ?? []), { url: EXTENSIONS.degradedCode, valueBoolean: true }],
});

export function canonicalRecord(resources: Resource[] = clinicalResources()): CanonicalRecord {
  return {
    patient: { resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Test' }] },
    practice: { resourceType: 'Organization', id: 'org-1', name: 'The Surgery' },
    practitioners: [
      { resourceType: 'Practitioner', id: 'gp-1', name: [{ family: 'Usual' }] },
      { resourceType: 'Practitioner', id: 'gp-2', name: [{ family: 'Other' }] },
    ],
    practitionerRoles: [
      { resourceType: 'PractitionerRole', id: 'role-1', practitioner: ref('Practitioner', 'gp-1') },
      { resourceType: 'PractitionerRole', id: 'role-2', practitioner: ref('Practitioner', 'gp-2') },
    ],
    resources,
  };
}

/** Only the sections (primary and linked) and warnings of the access chain's decision are read here. */
export const decision = (
  sections: readonly RecordSection[] = ALL_SECTIONS,
  warnings: OperationOutcomeIssue[] = [],
  linkedSections: readonly RecordSection[] = [],
) =>
  ({
    sections,
    warnings,
    linkedSections,
    allowsLinked: (s: RecordSection) => sections.includes(s) || linkedSections.includes(s),
  }) as unknown as AccessDecision;

export function prepared(overrides: Partial<PreparedRecord> = {}): PreparedRecord {
  return {
    ods: 'A12345',
    decision: decision(),
    record: canonicalRecord(),
    redactions: {},
    withheld: [],
    documents: new Map(),
    ...overrides,
  };
}
