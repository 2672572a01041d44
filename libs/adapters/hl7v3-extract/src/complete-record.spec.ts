import { CODE_SYSTEMS, type CanonicalRecord, type SupplierPatient } from '@lloyd/adapters-core';
import { completeRecord, relabelLocalCodes } from './complete-record.js';

const SDS = 'https://fhir.nhs.uk/Id/sds-user-id';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

function record(): CanonicalRecord {
  return {
    patient: {
      resourceType: 'Patient',
      id: '9990000034',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000034' }],
    },
    practice: { resourceType: 'Organization', id: 'P30003', identifier: [{ system: ODS, value: 'P30003' }] },
    practitioners: [
      { resourceType: 'Practitioner', id: 'nurse', identifier: [{ system: SDS, value: '930000000303' }] },
      { resourceType: 'Practitioner', id: 'gp', identifier: [{ system: SDS, value: '930000000301' }] },
    ],
    practitionerRoles: [],
    resources: [
      {
        resourceType: 'Observation',
        id: 'local',
        status: 'final',
        code: {
          coding: [
            {
              system: 'urn:oid:2.16.840.1.113883.2.1.6.3',
              code: 'EMISNQPR489',
              display: 'Preferred method of contact: unknown',
            },
          ],
        },
        valueCodeableConcept: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.1.6.3', code: 'ALLERGY-X' }] },
      } as fhir4.Observation,
      {
        resourceType: 'Observation',
        id: 'national',
        status: 'final',
        code: {
          coding: [
            { system: CODE_SYSTEMS.readv2, code: 'H33..' },
            { system: 'urn:oid:2.16.840.1.113883.2.1.6.5', code: 'PA' },
          ],
        },
      } as fhir4.Observation,
    ],
  };
}

const found: SupplierPatient = {
  sourceId: 'abc',
  flags: { dissent: false, sensitive: false, deceased: false, active: true },
  patient: {
    resourceType: 'Patient',
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000034' }],
    name: [{ family: 'Nowak', given: ['Ada'] }],
    gender: 'female',
    birthDate: '1967-03-02',
    generalPractitioner: [
      { type: 'Practitioner', identifier: { system: SDS, value: '930000000301' }, display: 'Dr Helen Marsh' },
      { type: 'Organization', identifier: { system: ODS, value: 'P30003' }, display: 'Castle Street Health Centre' },
    ],
    managingOrganization: {
      type: 'Organization',
      identifier: { system: ODS, value: 'P30003' },
      display: 'Castle Street Health Centre',
    },
  },
};

describe('completing the record translated from an extract', () => {
  it("relabels the supplier's local codes as the practice's local code system, and only those", () => {
    const r = record();
    expect(relabelLocalCodes(r.resources, 'P30003')).toBe(2);
    const [local, national] = r.resources as fhir4.Observation[];
    expect(local!.code.coding![0]!.system).toBe(`${CODE_SYSTEMS.localPrefix}P30003`);
    expect(local!.code.coding![0]!.code).toBe('EMISNQPR489');
    expect(local!.valueCodeableConcept!.coding![0]!.system).toBe(`${CODE_SYSTEMS.localPrefix}P30003`);
    expect(national!.code.coding!.map((c) => c.system)).toEqual([
      CODE_SYSTEMS.readv2,
      'urn:oid:2.16.840.1.113883.2.1.6.5',
    ]);
  });

  it('takes the demographics from the summary, keeps the patient id, and puts the usual GP first', () => {
    const done = completeRecord(record(), found, 'P30003');
    expect(done.patient).toMatchObject({ id: '9990000034', name: [{ family: 'Nowak' }], birthDate: '1967-03-02' });
    expect(done.patient.generalPractitioner).toEqual([
      { reference: 'Practitioner/gp' },
      { reference: 'Organization/P30003' },
    ]);
    expect(done.patient.managingOrganization).toEqual({ reference: 'Organization/P30003' });
    expect(done.practitioners.map((p) => p.id)).toEqual(['gp', 'nurse']);
    expect(done.practice.name).toBe('Castle Street Health Centre');
  });

  it('adds the usual GP from the summary when the extract does not list them', () => {
    const r = record();
    const done = completeRecord({ ...r, practitioners: [r.practitioners[0]!] }, found, 'P30003');
    expect(done.practitioners[0]).toEqual({
      resourceType: 'Practitioner',
      id: 'sds-930000000301',
      identifier: [{ system: SDS, value: '930000000301' }],
      name: [{ text: 'Dr Helen Marsh' }],
    });
  });
});
