import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { structuredRecordParameters } from './parameters.js';
import { OPT_IN, OPT_OUT, readPatientSearch } from './patient.js';

type Json = Record<string, unknown>;

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const TODAY = '2025-06-01';

function stu3Patient(extra: Json = {}): Json {
  return {
    resourceType: 'Patient',
    id: 'src-1',
    meta: { versionId: '4', profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/CareConnect-GPC-Patient-1'] },
    identifier: [{ system: NHS, value: '9990000042' }],
    name: [{ use: 'official', family: 'Pryce', given: ['Ann'] }],
    gender: 'female',
    birthDate: '1967-03-02',
    generalPractitioner: [{ reference: 'Practitioner/gp' }],
    managingOrganization: { reference: 'Organization/org', display: 'Harbour View' },
    ...extra,
  };
}

function consent(policyRule: string, extra: Json = {}): Json {
  return {
    resourceType: 'Consent',
    id: 'c',
    status: 'active',
    patient: { reference: 'Patient/src-1' },
    policyRule,
    ...extra,
  };
}

function searchset(...resources: [Json, string][]): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: resources.map(([resource, mode]) => ({ resource, search: { mode } })),
  };
}

const included = [
  [
    {
      resourceType: 'Practitioner',
      id: 'gp',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '940000000401' }],
    },
    'include',
  ],
  [
    {
      resourceType: 'Organization',
      id: 'org',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P40004' }],
    },
    'include',
  ],
] as [Json, string][];

describe('reading an STU3 patient search answer', () => {
  it('maps the Patient to R4 for the port: no id, references by SDS and ODS identifiers', async () => {
    const read = readPatientSearch(
      searchset([stu3Patient({ active: true }), 'match'], [consent(OPT_IN), 'include'], ...included),
      '9990000042',
      TODAY,
    );
    expect(read).toEqual({
      ok: true,
      patient: {
        sourceId: 'src-1',
        flags: { dissent: false, sensitive: false, deceased: false, active: true },
        patient: {
          resourceType: 'Patient',
          identifier: [{ system: NHS, value: '9990000042' }],
          active: true,
          name: [{ use: 'official', family: 'Pryce', given: ['Ann'] }],
          gender: 'female',
          birthDate: '1967-03-02',
          // The registered practice beside the usual GP, as PDS and the other suppliers name them.
          generalPractitioner: [
            {
              type: 'Practitioner',
              identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: '940000000401' },
            },
            {
              type: 'Organization',
              identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P40004' },
              display: 'Harbour View',
            },
          ],
          managingOrganization: {
            type: 'Organization',
            identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P40004' },
            display: 'Harbour View',
          },
        },
      },
    });
    await assertValidR4((read as { patient: { patient: fhir4.Patient } }).patient.patient);
  });

  it('reports dissent, the S-flag and death', () => {
    const read = readPatientSearch(
      searchset(
        [
          stu3Patient({
            deceasedDateTime: '2025-01-01',
            meta: { security: [{ system: 'http://hl7.org/fhir/v3/Confidentiality', code: 'R' }] },
          }),
          'match',
        ],
        [consent(OPT_OUT), 'include'],
      ),
      '9990000042',
      TODAY,
    );
    expect(read).toMatchObject({
      ok: true,
      patient: { flags: { dissent: true, sensitive: true, deceased: true, active: false } },
    });
  });

  it('takes registration from GP Connect’s RegistrationDetails when `active` is absent', () => {
    const registered = (end?: string) =>
      stu3Patient({
        extension: [
          {
            url: 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-RegistrationDetails-1',
            extension: [{ url: 'registrationPeriod', valuePeriod: { start: '2001-01-01', ...(end ? { end } : {}) } }],
          },
        ],
      });
    const active = (p: Json) => {
      const read = readPatientSearch(searchset([p, 'match'], [consent(OPT_IN), 'include']), '9990000042', TODAY);
      return read.ok ? read.patient?.flags.active : undefined;
    };
    expect(active(registered())).toBe(true);
    expect(active(registered('2030-01-01'))).toBe(true);
    expect(active(registered('2020-01-01'))).toBe(false);
    expect(active(stu3Patient())).toBe(false);
  });

  it('answers null for an empty search', () => {
    expect(readPatientSearch(searchset(), '9990000042', TODAY)).toEqual({ ok: true, patient: null });
  });

  it.each([
    ['without a Consent', searchset([stu3Patient(), 'match']), /0 active Consent/],
    [
      'with an inactive Consent',
      searchset([stu3Patient(), 'match'], [consent(OPT_IN, { status: 'inactive' }), 'include']),
      /0 active Consent/,
    ],
    [
      'with an unknown policy',
      searchset([stu3Patient(), 'match'], [consent('urn:x'), 'include']),
      /unknown policyRule/,
    ],
    ['with two patients', searchset([stu3Patient(), 'match'], [stu3Patient(), 'match']), /2 patients/],
    [
      'for another NHS number',
      searchset([stu3Patient({ identifier: [{ system: NHS, value: '9990000018' }] }), 'match']),
      /different NHS number/,
    ],
    ['that is not a searchset', { resourceType: 'Bundle', type: 'collection' }, /not an STU3 searchset/],
  ])('refuses an answer %s', (_label, bundle, reason) => {
    const read = readPatientSearch(bundle, '9990000042', TODAY);
    expect(read.ok).toBe(false);
    expect(read.ok ? '' : read.reason).toMatch(reason);
  });
});

describe('structuredRecordParameters', () => {
  it('asks for each section with the parts that return everything', () => {
    expect(structuredRecordParameters('9990000042', ['allergies', 'immunisations', 'documents'])).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: '9990000042' } },
        { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
        { name: 'includeImmunisations', part: [{ name: 'includeNotGiven', valueBoolean: true }] },
      ],
    });
  });
});
