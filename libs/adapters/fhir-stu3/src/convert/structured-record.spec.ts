import { EXTENSIONS } from '@lloyd/adapters-core';
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { Stu3ConversionError } from './context.js';
import {
  convertStructuredRecordWithReport,
  convertStu3BundleToR4Bundle,
  recordResources,
} from './structured-record.js';

const SNOMED = 'http://snomed.info/sct';
const CC = 'https://fhir.hl7.org.uk/STU3/StructureDefinition';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

type Json = Record<string, unknown>;

function list(code: string, id: string | undefined, items: string[], extra: Json = {}): Json {
  return {
    resourceType: 'List',
    ...(id ? { id } : {}),
    status: 'current',
    mode: 'snapshot',
    code: { coding: [{ system: SNOMED, code }] },
    subject: { reference: 'Patient/p1' },
    entry: items.map((reference) => ({ item: { reference } })),
    ...extra,
  };
}

const observation = (id: string, extra: Json = {}): Json => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: SNOMED, code: '271649006', display: 'Systolic blood pressure' }] },
  subject: { reference: 'Patient/p1' },
  ...extra,
});

/** A small structured record: two practices' Organizations, a consultation filed as GP Connect does, a problem. */
function bundle(): Json {
  const resources: Json[] = [
    {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000042' }],
      generalPractitioner: [{ reference: 'Practitioner/gp2' }],
      managingOrganization: { reference: 'Organization/org1' },
    },
    { resourceType: 'Organization', id: 'org1', identifier: [{ system: ODS, value: 'P40004' }], name: 'Harbour View' },
    { resourceType: 'Organization', id: 'other', identifier: [{ system: ODS, value: 'X99' }], name: 'Elsewhere' },
    { resourceType: 'Practitioner', id: 'gp1', name: [{ family: 'One' }] },
    { resourceType: 'Practitioner', id: 'gp2', name: [{ family: 'Two' }] },
    { resourceType: 'PractitionerRole', id: 'role1', practitioner: { reference: 'Practitioner/gp2' } },
    { resourceType: 'Encounter', id: 'e1', status: 'finished', subject: { reference: 'Patient/p1' } },
    observation('o1'),
    observation('o2', { context: { reference: 'Encounter/elsewhere' } }),
    {
      resourceType: 'Condition',
      id: 'c1',
      extension: [
        {
          url: `${CC}/Extension-CareConnect-RelatedClinicalContent-1`,
          valueReference: { reference: 'Observation/o1' },
        },
      ],
      clinicalStatus: 'active',
      code: { coding: [{ system: SNOMED, code: '38341003' }] },
      subject: { reference: 'Patient/p1' },
    },
    {
      resourceType: 'ProcedureRequest',
      id: 'same',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p1' },
    },
    {
      resourceType: 'ReferralRequest',
      id: 'same',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
    },
    { resourceType: 'Flag', id: 'f1', status: 'active' },
    observation('o1'),
    list('1149501000000101', undefined, ['Encounter/e1']),
    list('325851000000107', 'e1-LST', ['List/e1-PG0'], { encounter: { reference: 'Encounter/e1' } }),
    list('25851000000105', 'e1-PG0', ['List/e1-PG0-HD0'], {
      encounter: { reference: 'Encounter/e1' },
      extension: [
        {
          url: `${CC}/Extension-CareConnect-RelatedProblemHeader-1`,
          extension: [{ url: 'target', valueReference: { reference: 'Condition/c1' } }],
        },
      ],
    }),
    list('24781000000107', 'e1-PG0-HD0', ['Observation/o1', 'Observation/o2', 'ServiceRequest/nope']),
  ];
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) };
}

describe('convertStructuredRecord', () => {
  const { record, report } = convertStructuredRecordWithReport(bundle(), { ods: 'P40004' });
  const resource = (type: string, id: string) => record.resources.find((r) => r.resourceType === type && r.id === id);

  it('frames the record: patient, practice by ODS code, the usual GP first, roles', () => {
    expect(record.patient.id).toBe('p1');
    expect(record.practice.id).toBe('org1');
    expect(record.practitioners.map((p) => p.id)).toEqual(['gp2', 'gp1']);
    expect(record.practitionerRoles.map((p) => p.id)).toEqual(['role1']);
    expect(resource('Organization', 'other')).toBeDefined();
  });

  it('names the registered practice beside the usual GP in generalPractitioner, as the other suppliers do', () => {
    expect(record.patient.generalPractitioner).toEqual([
      { reference: 'Practitioner/gp2' },
      { reference: 'Organization/org1' },
    ]);
    expect(record.resources).not.toContain(record.patient);
  });

  it('drops the Lists, the types it does not convert and duplicates, and says so', () => {
    expect(record.resources.some((r) => r.resourceType === 'List')).toBe(false);
    expect(report.droppedResources).toEqual({ List: 4, Flag: 1, 'Observation (duplicate)': 1 });
    expect(report.input).toMatchObject({ List: 4, Observation: 3, ProcedureRequest: 1, ReferralRequest: 1 });
    expect(report.output).toMatchObject({ Observation: 2, ServiceRequest: 2, Patient: 1 });
  });

  it('keeps ProcedureRequest and ReferralRequest apart in ServiceRequest’s id space', () => {
    const ids = record.resources.filter((r) => r.resourceType === 'ServiceRequest').map((r) => r.id);
    expect(ids).toEqual(['same', 'same-2']);
  });

  it('links items filed in a consultation to its Encounter, keeping links the item already has', () => {
    expect((resource('Observation', 'o1') as fhir4.Observation).encounter).toEqual({ reference: 'Encounter/e1' });
    expect((resource('Observation', 'o2') as fhir4.Observation).encounter).toEqual({
      reference: 'Encounter/elsewhere',
    });
    expect(report.encounterLinksDerived).toBe(1);
  });

  it('links a problem to the consultation whose topic is about it', () => {
    expect((resource('Condition', 'c1') as fhir4.Condition).extension).toEqual([
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'Observation/o1' } },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'Encounter/e1' } },
    ]);
    expect(report.problemLinksDerived).toBe(1);
  });

  it('falls back to the managing organisation when the ODS code is not in the record', () => {
    expect(convertStructuredRecordWithReport(bundle(), { ods: 'NOPE' }).record.practice.id).toBe('org1');
  });

  it.each([
    ['not a Bundle', { resourceType: 'Patient' }, /expected a FHIR STU3 Bundle/],
    ['no Patient', { resourceType: 'Bundle', entry: [] }, /exactly one Patient.*found 0/],
    [
      'two Patients',
      {
        resourceType: 'Bundle',
        entry: [{ resource: { resourceType: 'Patient', id: 'a' } }, { resource: { resourceType: 'Patient', id: 'b' } }],
      },
      /found 2/,
    ],
    [
      'no practice',
      { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: 'a' } }] },
      /no Organization for the registered practice/,
    ],
  ])('refuses %s', (_label, input, message) => {
    expect(() => convertStructuredRecordWithReport(input)).toThrow(Stu3ConversionError);
    expect(() => convertStructuredRecordWithReport(input)).toThrow(message);
  });

  it('converts contained resources and keeps their local references', () => {
    const input = bundle();
    (input['entry'] as { resource: Json }[]).push({
      resource: {
        resourceType: 'MedicationStatement',
        id: 'ms1',
        contained: [{ resourceType: 'Medication', id: 'med', code: { text: 'Aspirin' } }],
        status: 'active',
        medicationReference: { reference: '#med' },
        subject: { reference: 'Patient/p1' },
        taken: 'y',
      },
    });
    const converted = convertStructuredRecordWithReport(input);
    const statement = converted.record.resources.find((r) => r.id === 'ms1') as fhir4.MedicationStatement;
    expect(statement.contained).toEqual([{ resourceType: 'Medication', id: 'med', code: { text: 'Aspirin' } }]);
    expect(statement.medicationReference).toEqual({ reference: '#med' });
    expect(converted.report.droppedElements).toEqual({ 'MedicationStatement.taken': 1 });
  });
});

describe('a problem’s actual item (GP Connect ActualProblem)', () => {
  const ACTUAL = `${CC}/Extension-CareConnect-ActualProblem-1`;
  const problem = (id: string, actual: string): Json => ({
    resourceType: 'Condition',
    id,
    extension: [{ url: ACTUAL, valueReference: { reference: actual } }],
    clinicalStatus: 'active',
    code: { coding: [{ system: SNOMED, code: '271649006' }] },
    subject: { reference: 'Patient/p1' },
  });

  it('is kept as a reference to the item, and counted as dropped when it points at a dropped List', () => {
    const input = bundle();
    (input['entry'] as { resource: Json }[]).push(
      { resource: problem('c-actual', 'Observation/o1') },
      { resource: problem('c-list', 'List/e1-PG0') },
    );
    const { record, report } = convertStructuredRecordWithReport(input, { ods: 'P40004' });
    const extension = (id: string) => (record.resources.find((r) => r.id === id) as fhir4.Condition).extension;
    expect(extension('c-actual')).toEqual([
      { url: EXTENSIONS.actualProblem, valueReference: { reference: 'Observation/o1' } },
    ]);
    expect(extension('c-list')).toBeUndefined();
    expect(report.droppedExtensions[ACTUAL]).toBe(1);
  });
});

describe('convertStu3BundleToR4Bundle (the translate tool)', () => {
  it('gives an R4 collection Bundle of valid resources, patient first', async () => {
    const r4 = convertStu3BundleToR4Bundle(bundle());
    expect(r4).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(r4.entry?.[0]?.resource?.resourceType).toBe('Patient');
    const { record } = convertStructuredRecordWithReport(bundle());
    expect(r4.entry?.map((e) => e.resource)).toEqual(recordResources(record));
    await assertValidR4(r4);
  });
});
