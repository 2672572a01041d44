import { CODE_SYSTEMS, CONFIDENTIAL_SECURITY_LABEL, EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { DIARY_ENTRY_CATEGORY, REFERRAL_CATEGORY } from './requests.js';
import { convertStructuredRecord } from './structured-record.js';
import { stu3CodeSystem } from './to-stu3-base.js';
import { toStu3Record } from './to-stu3-record.js';

type Json = Record<string, unknown>;

const THO = 'http://terminology.hl7.org/CodeSystem/';
const patient = { reference: 'Patient/p1' };
const encounter = { reference: 'Encounter/e1' };
const snomed = (code: string, display: string): fhir4.CodeableConcept => ({
  coding: [{ system: CODE_SYSTEMS.snomed, code, display }],
  text: display,
});

function record(): CanonicalRecord {
  const resources: fhir4.FhirResource[] = [
    {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { system: `${THO}v3-ActCode`, code: 'AMB' },
      subject: patient,
      period: { start: '2020-01-01T10:00:00+00:00' },
    },
    {
      resourceType: 'AllergyIntolerance',
      id: 'a1',
      meta: { security: [{ ...CONFIDENTIAL_SECURITY_LABEL }] },
      extension: [
        {
          url: EXTENSIONS.allergyEnd,
          extension: [
            { url: 'endDate', valueDateTime: '2001' },
            { url: 'reasonEnded', valueString: 'Outgrown' },
          ],
        },
      ],
      clinicalStatus: { coding: [{ system: `${THO}allergyintolerance-clinical`, code: 'resolved' }] },
      verificationStatus: { coding: [{ system: `${THO}allergyintolerance-verification`, code: 'confirmed' }] },
      category: ['food'],
      code: snomed('91930004', 'Allergy to eggs'),
      patient,
      encounter,
      recordedDate: '1999',
    },
    {
      resourceType: 'Condition',
      id: 'c1',
      extension: [
        { url: EXTENSIONS.problemSignificance, valueCode: 'major' },
        { url: EXTENSIONS.actualProblem, valueReference: { reference: 'Observation/ob1' } },
        { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'Observation/ob1' } },
      ],
      clinicalStatus: { coding: [{ system: `${THO}condition-clinical`, code: 'active' }] },
      code: snomed('195967001', 'Asthma'),
      subject: patient,
      encounter,
      recordedDate: '2019-03',
    },
    {
      resourceType: 'Observation',
      id: 'ob1',
      status: 'final',
      code: snomed('27113001', 'Body weight'),
      subject: patient,
      encounter,
      valueQuantity: { value: 72, unit: 'kg' },
      interpretation: [{ coding: [{ system: `${THO}v3-ObservationInterpretation`, code: 'H' }] }],
      note: [{ text: 'After lunch' }],
    },
    {
      resourceType: 'Medication',
      id: 'm1',
      code: snomed('322236009', 'Paracetamol 500mg tablets'),
    },
    {
      resourceType: 'MedicationRequest',
      id: 'mr1',
      extension: [
        { url: EXTENSIONS.prescriptionType, valueCode: 'repeat' },
        { url: EXTENSIONS.repeatInformation, valueUnsignedInt: 6 },
      ],
      status: 'active',
      intent: 'plan',
      medicationReference: { reference: 'Medication/m1' },
      subject: patient,
      encounter,
      requester: { reference: 'Practitioner/gp1' },
      dosageInstruction: [{ text: 'One daily', doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }],
    },
    {
      resourceType: 'MedicationStatement',
      id: 'ms1',
      status: 'not-taken',
      medicationReference: { reference: 'Medication/m1' },
      subject: patient,
    },
    {
      resourceType: 'Immunization',
      id: 'i1',
      status: 'not-done',
      statusReason: { text: 'Patient declined' },
      vaccineCode: snomed('836380007', 'Influenza vaccine'),
      patient,
      occurrenceDateTime: '2022-10-01',
      recorded: '2022-10-01',
      protocolApplied: [{ doseNumberPositiveInt: 2 }],
    },
    {
      resourceType: 'ServiceRequest',
      id: 'sr1',
      status: 'on-hold',
      intent: 'order',
      category: [{ coding: [{ ...REFERRAL_CATEGORY }] }],
      code: snomed('183545006', 'Orthopaedic referral'),
      subject: patient,
      performerType: { text: 'Trauma and orthopaedics' },
      performer: [{ display: 'Leeds General Hospital' }],
    },
    {
      resourceType: 'ServiceRequest',
      id: 'sr2',
      status: 'active',
      intent: 'plan',
      category: [{ coding: [{ ...DIARY_ENTRY_CATEGORY }] }],
      code: { text: 'Review asthma' },
      subject: patient,
      occurrenceDateTime: '2026-01-01',
    },
    {
      resourceType: 'DocumentReference',
      id: 'd1',
      status: 'current',
      type: { text: 'Clinic letter' },
      subject: patient,
      content: [{ attachment: { contentType: 'application/pdf', title: 'letter.pdf', creation: '2021-09-16' } }],
      context: { encounter: [encounter] },
    },
  ];
  return {
    patient: {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
      name: [{ family: 'Smith', given: ['Jo'] }],
      gender: 'female',
      birthDate: '1970-01-02',
      managingOrganization: { reference: 'Organization/o1' },
    },
    practice: {
      resourceType: 'Organization',
      id: 'o1',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P10001' }],
      name: 'Old practice',
    },
    practitioners: [{ resourceType: 'Practitioner', id: 'gp1', name: [{ family: 'Who' }] }],
    practitionerRoles: [],
    resources,
  };
}

const find = <T extends fhir4.Resource>(r: CanonicalRecord, type: string, id: string) =>
  r.resources.find((x) => x.resourceType === type && x.id === id) as T;

describe('toStu3Record', () => {
  const converted = toStu3Record(record(), { attachmentIds: new Set(['d1']) });
  const stu3 = (type: string, id: string) =>
    (converted.bundle['entry'] as { resource: Json }[])
      .map((e) => e.resource)
      .find((r) => r['resourceType'] === type && r['id'] === id)!;
  const back = convertStructuredRecord(converted.bundle, { ods: 'P10001' });

  it('writes GP Connect STU3 shapes', () => {
    expect(stu3('AllergyIntolerance', 'a1')).toEqual(
      expect.objectContaining({ clinicalStatus: 'resolved', verificationStatus: 'confirmed', assertedDate: '1999' }),
    );
    expect(stu3('Condition', 'c1')['context']).toEqual(encounter);
    expect(stu3('Condition', 'c1')['extension']).toContainEqual({
      url: 'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-ActualProblem-1',
      valueReference: { reference: 'Observation/ob1' },
    });
    expect(stu3('MedicationRequest', 'mr1')['requester']).toEqual({ agent: { reference: 'Practitioner/gp1' } });
    expect(stu3('MedicationStatement', 'ms1')).toEqual(expect.objectContaining({ taken: 'n', status: 'completed' }));
    expect(stu3('Immunization', 'i1')).toEqual(expect.objectContaining({ notGiven: true, date: '2022-10-01' }));
    expect(stu3('ReferralRequest', 'sr1')['status']).toBe('suspended');
    expect(stu3('ProcedureRequest', 'sr2')['code']).toEqual({ text: 'Review asthma' });
    expect(stu3('DocumentReference', 'd1')['content']).toEqual([
      { attachment: expect.objectContaining({ url: 'Binary/d1' }) as unknown },
    ]);
    expect(converted.sourceIds.get('ReferralRequest/sr1')).toBe('ServiceRequest/sr1');
    expect(converted.unconverted).toEqual([]);
  });

  it('round-trips through the STU3 → R4 conversion with every item and its meaning', () => {
    expect(back.resources.map((r) => `${r.resourceType}/${r.id!}`).sort()).toEqual(
      record()
        .resources.map((r) => `${r.resourceType}/${r.id!}`)
        .sort(),
    );
    const allergy = find<fhir4.AllergyIntolerance>(back, 'AllergyIntolerance', 'a1');
    expect(allergy.meta?.security).toEqual([CONFIDENTIAL_SECURITY_LABEL]);
    expect(allergy.encounter).toEqual(encounter);
    expect(allergy.extension).toEqual((record().resources[1] as fhir4.AllergyIntolerance).extension);
    expect(allergy.clinicalStatus?.coding?.[0]?.code).toBe('resolved');

    const condition = find<fhir4.Condition>(back, 'Condition', 'c1');
    expect(condition.extension).toEqual((record().resources[2] as fhir4.Condition).extension);
    expect(condition.encounter).toEqual(encounter);

    const observation = find<fhir4.Observation>(back, 'Observation', 'ob1');
    expect(observation.note).toEqual([{ text: 'After lunch' }]);
    expect(observation.interpretation?.[0]?.coding?.[0]).toEqual({
      system: `${THO}v3-ObservationInterpretation`,
      code: 'H',
    });

    const request = find<fhir4.MedicationRequest>(back, 'MedicationRequest', 'mr1');
    expect(request.extension).toEqual((record().resources[5] as fhir4.MedicationRequest).extension);
    expect(request.requester).toEqual({ reference: 'Practitioner/gp1' });
    expect(request.dosageInstruction?.[0]?.doseAndRate?.[0]?.doseQuantity).toEqual({ value: 1, unit: 'tablet' });

    expect(find<fhir4.MedicationStatement>(back, 'MedicationStatement', 'ms1').status).toBe('not-taken');
    const immunisation = find<fhir4.Immunization>(back, 'Immunization', 'i1');
    expect(immunisation).toEqual(
      expect.objectContaining({
        status: 'not-done',
        statusReason: { text: 'Patient declined' },
        recorded: '2022-10-01',
      }),
    );
    expect(immunisation.protocolApplied?.[0]?.doseNumberPositiveInt).toBe(2);

    const referral = find<fhir4.ServiceRequest>(back, 'ServiceRequest', 'sr1');
    expect(referral).toEqual(
      expect.objectContaining({ status: 'on-hold', performer: [{ display: 'Leeds General Hospital' }] }),
    );
    expect(referral.performerType).toEqual({ text: 'Trauma and orthopaedics' });
    const diary = find<fhir4.ServiceRequest>(back, 'ServiceRequest', 'sr2');
    expect(diary.category?.[0]?.coding?.[0]?.code).toBe(DIARY_ENTRY_CATEGORY.code);

    const document = find<fhir4.DocumentReference>(back, 'DocumentReference', 'd1');
    expect(document.context?.encounter).toEqual([encounter]);
    expect(document.date).toBe('2021-09-16T00:00:00+00:00');
  });
});

describe('stu3CodeSystem', () => {
  it.each([
    [`${THO}v3-ActCode`, 'http://hl7.org/fhir/v3/ActCode'],
    [`${THO}v2-0078`, 'http://hl7.org/fhir/v2/0078'],
    [`${THO}condition-clinical`, 'http://hl7.org/fhir/condition-clinical'],
    [`${THO}medicationrequest-category`, 'http://hl7.org/fhir/medication-request-category'],
    [CODE_SYSTEMS.snomed, CODE_SYSTEMS.snomed],
  ])('%s → %s', (r4, stu3) => expect(stu3CodeSystem(r4)).toBe(stu3));
});
