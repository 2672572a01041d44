import { CONFIDENTIAL_SECURITY_LABEL, EXTENSIONS } from '@lloyd/adapters-core';
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { convertStu3Resource } from './resources.js';
import { DIARY_ENTRY_CATEGORY, REFERRAL_CATEGORY } from './requests.js';
import { r4CodeSystem } from './systems.js';

const GPC = 'https://fhir.nhs.uk/STU3/StructureDefinition';
const CC = 'https://fhir.hl7.org.uk/STU3/StructureDefinition';
const SNOMED = 'http://snomed.info/sct';
const patient = { reference: 'Patient/p1' };

/** Converts, checks both R4 validators accept the result, and returns it. */
async function convert<T extends fhir4.Resource>(resource: object): Promise<T> {
  const r4 = convertStu3Resource<T>(resource as fhir3.Resource);
  await assertValidR4(r4);
  return r4;
}

const asthma = {
  coding: [
    {
      system: SNOMED,
      code: '195967001',
      display: 'Asthma',
      extension: [
        {
          url: `${GPC}/Extension-coding-sctdescid`,
          extension: [
            { url: 'descriptionId', valueId: '301485011' },
            { url: 'descriptionDisplay', valueString: 'Asthma (disorder) as chosen' },
          ],
        },
      ],
    },
    { system: 'http://read.info/readv2', code: 'H33..', display: 'Asthma', userSelected: true },
  ],
};

describe('STU3 → R4 code systems', () => {
  it.each([
    ['http://hl7.org/fhir/v2/0074', 'http://terminology.hl7.org/CodeSystem/v2-0074'],
    ['http://hl7.org/fhir/v3/ActCode', 'http://terminology.hl7.org/CodeSystem/v3-ActCode'],
    ['http://hl7.org/fhir/observation-category', 'http://terminology.hl7.org/CodeSystem/observation-category'],
    [
      'http://hl7.org/fhir/medication-request-category',
      'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
    ],
    ['http://hl7.org/fhir/sid/us-ssn', 'http://hl7.org/fhir/sid/us-ssn'],
    ['http://snomed.info/sct', 'http://snomed.info/sct'],
    ['http://read.info/readv2', 'http://read.info/readv2'],
  ])('%s → %s', (stu3, r4) => {
    expect(r4CodeSystem(stu3)).toBe(r4);
  });
});

describe('STU3 → R4 resources', () => {
  it('AllergyIntolerance: status codes become CodeableConcepts; the end of a resolved allergy is kept', async () => {
    const allergy = await convert<fhir4.AllergyIntolerance>({
      resourceType: 'AllergyIntolerance',
      id: 'a1',
      meta: { profile: [`${GPC}/CareConnect-GPC-AllergyIntolerance-1`] },
      extension: [
        {
          url: `${GPC}/Extension-CareConnect-GPC-AllergyIntoleranceEnd-1`,
          extension: [
            { url: 'endDate', valueDateTime: '2001' },
            { url: 'reasonEnded', valueString: 'Outgrown' },
          ],
        },
        {
          url: 'http://hl7.org/fhir/StructureDefinition/encounter-associatedEncounter',
          valueReference: { reference: 'Encounter/e1' },
        },
      ],
      clinicalStatus: 'resolved',
      verificationStatus: 'confirmed',
      category: ['food'],
      code: { coding: [{ system: SNOMED, code: '91930004', display: 'Allergy to eggs' }] },
      patient,
      assertedDate: '1995',
      reaction: [{ manifestation: [{ text: 'Urticaria' }], severity: 'mild' }],
    });
    expect(allergy).toEqual({
      resourceType: 'AllergyIntolerance',
      id: 'a1',
      extension: [
        {
          url: EXTENSIONS.allergyEnd,
          extension: [
            { url: 'endDate', valueDateTime: '2001' },
            { url: 'reasonEnded', valueString: 'Outgrown' },
          ],
        },
      ],
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'resolved' }],
      },
      verificationStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' },
        ],
      },
      category: ['food'],
      code: { coding: [{ system: SNOMED, code: '91930004', display: 'Allergy to eggs' }], text: 'Allergy to eggs' },
      patient,
      encounter: { reference: 'Encounter/e1' },
      recordedDate: '1995',
      reaction: [{ manifestation: [{ text: 'Urticaria' }], severity: 'mild' }],
    });
  });

  it('Condition: GP Connect problem extensions (the actual problem among them) map to Lloyd’s, the others are dropped', async () => {
    const condition = await convert<fhir4.Condition>({
      resourceType: 'Condition',
      id: 'c1',
      extension: [
        { url: `${CC}/Extension-CareConnect-ActualProblem-1`, valueReference: { reference: 'Observation/o1' } },
        { url: `${CC}/Extension-CareConnect-ProblemSignificance-1`, valueCode: 'major' },
        {
          url: `${CC}/Extension-CareConnect-RelatedClinicalContent-1`,
          valueReference: { reference: 'MedicationRequest/m1' },
        },
        { url: `${CC}/Extension-CareConnect-RelatedClinicalContent-1`, valueReference: { reference: 'List/l1' } },
      ],
      clinicalStatus: 'inactive',
      verificationStatus: 'unknown',
      category: [
        {
          coding: [
            {
              system: 'https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-ConditionCategory-1',
              code: 'problem-list-item',
            },
          ],
        },
      ],
      code: asthma,
      subject: patient,
      context: { reference: 'Encounter/e1' },
      onsetDateTime: '1990',
      abatementDateTime: '2000-05',
      assertedDate: '1990-03-01',
      stage: { summary: { text: 'mild' } },
    });
    expect(condition.extension).toEqual([
      { url: EXTENSIONS.problemSignificance, valueCode: 'major' },
      { url: EXTENSIONS.actualProblem, valueReference: { reference: 'Observation/o1' } },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'MedicationRequest/m1' } },
    ]);
    expect(condition.clinicalStatus?.coding?.[0]).toEqual({
      system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
      code: 'inactive',
    });
    expect(condition.verificationStatus).toBeUndefined();
    expect(condition.category?.[0]?.coding?.[0]?.system).toBe(
      'http://terminology.hl7.org/CodeSystem/condition-category',
    );
    expect(condition.code?.text).toBe('Asthma (disorder) as chosen');
    expect(condition.code?.coding?.[0]).not.toHaveProperty('extension');
    expect(condition).toMatchObject({
      encounter: { reference: 'Encounter/e1' },
      recordedDate: '1990-03-01',
      stage: [{ summary: { text: 'mild' } }],
    });
  });

  it('MedicationStatement: "not taken" becomes a status; dose moves into doseAndRate', async () => {
    const statement = await convert<fhir4.MedicationStatement>({
      resourceType: 'MedicationStatement',
      id: 'ms1',
      status: 'completed',
      taken: 'n',
      reasonNotTaken: [{ text: 'Side effects' }],
      medicationCodeableConcept: { coding: [{ system: SNOMED, code: '319283006', display: 'Amlodipine 5mg tablets' }] },
      subject: patient,
      dosage: [{ text: 'One daily', doseQuantity: { value: 1, unit: 'tablet' } }],
    });
    expect(statement).toMatchObject({
      status: 'not-taken',
      statusReason: [{ text: 'Side effects' }],
      dosage: [{ text: 'One daily', doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }] }],
    });
    expect(statement).not.toHaveProperty('taken');
  });

  it('MedicationStatement: GP Connect’s last issue date becomes Lloyd’s', async () => {
    const statement = await convert<fhir4.MedicationStatement>({
      resourceType: 'MedicationStatement',
      id: 'ms2',
      extension: [
        { url: `${GPC}/Extension-CareConnect-GPC-MedicationStatementLastIssueDate-1`, valueDateTime: '2024-03-01' },
      ],
      status: 'active',
      medicationCodeableConcept: { coding: [{ system: SNOMED, code: '319283006', display: 'Amlodipine 5mg tablets' }] },
      subject: patient,
    });
    expect(statement.extension).toEqual([{ url: EXTENSIONS.lastIssueDate, valueDateTime: '2024-03-01' }]);
  });

  it('MedicationRequest: requester agent, encounter, prescription type, repeats and status reason', async () => {
    const request = await convert<fhir4.MedicationRequest>({
      resourceType: 'MedicationRequest',
      id: 'mr1',
      extension: [
        {
          url: `${GPC}/Extension-CareConnect-GPC-PrescriptionType-1`,
          valueCodeableConcept: { coding: [{ system: 'x', code: 'repeat', display: 'Repeat' }] },
        },
        {
          url: `${GPC}/Extension-CareConnect-GPC-MedicationRepeatInformation-1`,
          extension: [
            { url: 'numberOfRepeatPrescriptionsAllowed', valueUnsignedInt: 6 },
            { url: 'numberOfRepeatPrescriptionsIssued', valueUnsignedInt: 2 },
          ],
        },
        {
          url: `${GPC}/Extension-CareConnect-GPC-MedicationStatusReason-1`,
          extension: [
            { url: 'statusChangeDate', valueDateTime: '2020-01-01' },
            { url: 'statusReason', valueCodeableConcept: { text: 'No longer needed' } },
          ],
        },
      ],
      status: 'stopped',
      intent: 'plan',
      category: { text: 'community' },
      medicationReference: { reference: 'Medication/med1' },
      subject: patient,
      context: { reference: 'Encounter/e1' },
      requester: { agent: { reference: 'Practitioner/gp' }, onBehalfOf: { reference: 'Organization/o' } },
      dispenseRequest: { quantity: { value: 28, unit: 'tablet' } },
    });
    expect(request).toMatchObject({
      extension: [
        { url: EXTENSIONS.prescriptionType, valueCode: 'repeat' },
        { url: EXTENSIONS.repeatInformation, valueUnsignedInt: 6 },
      ],
      statusReason: { text: 'No longer needed' },
      category: [{ text: 'community' }],
      encounter: { reference: 'Encounter/e1' },
      requester: { reference: 'Practitioner/gp' },
      courseOfTherapyType: { coding: [{ code: 'continuous' }] },
    });
  });

  it('Immunization: notGiven + explanation → not-done + statusReason; date → occurrence; the procedure names the vaccine', async () => {
    const immunization = await convert<fhir4.Immunization>({
      resourceType: 'Immunization',
      id: 'i1',
      extension: [
        { url: `${CC}/Extension-CareConnect-DateRecorded-1`, valueDateTime: '2024-10-02' },
        {
          url: `${CC}/Extension-CareConnect-VaccinationProcedure-1`,
          valueCodeableConcept: { coding: [{ system: SNOMED, code: '86198006', display: 'Influenza vaccination' }] },
        },
      ],
      status: 'completed',
      notGiven: true,
      explanation: { reasonNotGiven: [{ text: 'Patient declined' }] },
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/v3/NullFlavor', code: 'UNK' }] },
      patient,
      date: '2024-10-01',
      primarySource: true,
      practitioner: [
        {
          role: { coding: [{ system: 'http://hl7.org/fhir/v2/0443', code: 'AP' }] },
          actor: { reference: 'Practitioner/n1' },
        },
      ],
      vaccinationProtocol: [{ doseSequence: 1, targetDisease: [{ text: 'Influenza' }], doseStatus: { text: 'count' } }],
    });
    expect(immunization).toMatchObject({
      status: 'not-done',
      statusReason: { text: 'Patient declined' },
      vaccineCode: { coding: [{ system: SNOMED, code: '86198006' }], text: 'Influenza vaccination' },
      occurrenceDateTime: '2024-10-01',
      recorded: '2024-10-02',
      primarySource: true,
      performer: [
        {
          function: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0443', code: 'AP' }] },
          actor: { reference: 'Practitioner/n1' },
        },
      ],
      protocolApplied: [{ targetDisease: [{ text: 'Influenza' }], doseNumberPositiveInt: 1 }],
    });
  });

  it('Immunization without a date still has the occurrence R4 requires', async () => {
    const immunization = await convert<fhir4.Immunization>({
      resourceType: 'Immunization',
      id: 'i2',
      status: 'completed',
      notGiven: false,
      vaccineCode: { coding: [{ system: SNOMED, code: '86198006' }] },
      patient,
      primarySource: false,
    });
    expect(immunization).toMatchObject({
      status: 'completed',
      occurrenceString: 'unknown',
      vaccineCode: { coding: [{ code: '86198006' }] },
    });
  });

  it('ProcedureRequest → ServiceRequest, a diary entry', async () => {
    const request = await convert<fhir4.ServiceRequest>({
      resourceType: 'ProcedureRequest',
      id: 'pr1',
      status: 'suspended',
      intent: 'plan',
      code: { coding: [{ system: SNOMED, code: '182836005', display: 'Review of medication' }] },
      subject: patient,
      context: { reference: 'Encounter/e1' },
      occurrenceDateTime: '2026-01-01',
      requester: { agent: { reference: 'Practitioner/gp' } },
      performer: { reference: 'Practitioner/gp' },
    });
    expect(request).toMatchObject({
      resourceType: 'ServiceRequest',
      status: 'on-hold',
      category: [{ coding: [DIARY_ENTRY_CATEGORY] }],
      encounter: { reference: 'Encounter/e1' },
      requester: { reference: 'Practitioner/gp' },
      performer: [{ reference: 'Practitioner/gp' }],
    });
  });

  it('ReferralRequest → ServiceRequest in the referral category', async () => {
    const request = await convert<fhir4.ServiceRequest>({
      resourceType: 'ReferralRequest',
      id: 'rr1',
      status: 'cancelled',
      intent: 'order',
      priority: 'urgent',
      serviceRequested: [{ coding: [{ system: SNOMED, code: '183545006', display: 'Orthopaedic referral' }] }],
      subject: patient,
      specialty: { text: 'Trauma and orthopaedics' },
      recipient: [{ display: 'Leeds General Infirmary' }],
      description: 'Persistent back pain',
      authoredOn: '2021-03-04',
    });
    expect(request).toMatchObject({
      resourceType: 'ServiceRequest',
      status: 'revoked',
      priority: 'urgent',
      category: [{ coding: [REFERRAL_CATEGORY] }],
      code: { coding: [{ code: '183545006' }] },
      performerType: { text: 'Trauma and orthopaedics' },
      performer: [{ display: 'Leeds General Infirmary' }],
      note: [{ text: 'Persistent back pain' }],
    });
  });

  it('Observation: related, interpretation, comment and context', async () => {
    const observation = await convert<fhir4.Observation>({
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      category: [{ coding: [{ system: 'http://hl7.org/fhir/observation-category', code: 'laboratory' }] }],
      code: asthma,
      subject: patient,
      context: { reference: 'Encounter/e1' },
      valueQuantity: { value: 120, unit: 'g/L' },
      interpretation: { coding: [{ system: 'http://hl7.org/fhir/v2/0078', code: 'L', display: 'Low' }] },
      comment: 'Repeat in 3 months',
      related: [
        { type: 'has-member', target: { reference: 'Observation/o2' } },
        { type: 'derived-from', target: { reference: 'Observation/o3' } },
        { type: 'sequel-to', target: { reference: 'Observation/o4' } },
      ],
    });
    expect(observation).toMatchObject({
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
      ],
      encounter: { reference: 'Encounter/e1' },
      interpretation: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'L' }] },
      ],
      note: [{ text: 'Repeat in 3 months' }],
      hasMember: [{ reference: 'Observation/o2' }],
      derivedFrom: [{ reference: 'Observation/o3' }],
    });
  });

  it('DiagnosticReport, Specimen (fasting status), Encounter (class R4 requires)', async () => {
    const report = await convert<fhir4.DiagnosticReport>({
      resourceType: 'DiagnosticReport',
      id: 'd1',
      status: 'final',
      category: { coding: [{ system: 'http://hl7.org/fhir/v2/0074', code: 'PAT' }] },
      code: { text: 'Report' },
      subject: patient,
      performer: [{ actor: { display: 'Lab' } }],
      codedDiagnosis: [{ text: 'Normal' }],
    });
    expect(report).toMatchObject({
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'PAT' }] }],
      performer: [{ display: 'Lab' }],
      conclusionCode: [{ text: 'Normal' }],
    });
    const specimen = await convert<fhir4.Specimen>({
      resourceType: 'Specimen',
      id: 's1',
      subject: patient,
      collection: {
        collectedDateTime: '2020-01-01',
        extension: [{ url: `${CC}/Extension-CareConnect-FastingStatus-1`, valueCodeableConcept: { text: 'Fasting' } }],
      },
    });
    expect(specimen.collection).toEqual({
      collectedDateTime: '2020-01-01',
      fastingStatusCodeableConcept: { text: 'Fasting' },
    });
    const encounter = await convert<fhir4.Encounter>({
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      type: [{ text: 'GP Surgery' }],
      subject: patient,
      reason: [{ text: 'Cough' }],
      incomingReferral: [{ reference: 'ReferralRequest/rr1' }],
    });
    expect(encounter).toMatchObject({
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor', code: 'UNK' },
      reasonCode: [{ text: 'Cough' }],
      basedOn: [{ reference: 'ServiceRequest/rr1' }],
    });
  });

  it('DocumentReference: class, indexed, created and context', async () => {
    const document = await convert<fhir4.DocumentReference>({
      resourceType: 'DocumentReference',
      id: 'doc1',
      status: 'current',
      type: { text: 'Letter' },
      class: { text: 'Correspondence' },
      subject: patient,
      created: '2020-12-22T14:46:00+00:00',
      indexed: '2020-12-22T14:48:54.033+00:00',
      content: [{ attachment: { contentType: 'text/plain', url: 'https://x.example/Binary/1', size: 26 } }],
      context: { encounter: { reference: 'Encounter/e1' }, related: [{ ref: { reference: 'Observation/o1' } }] },
    });
    expect(document).toMatchObject({
      category: [{ text: 'Correspondence' }],
      date: '2020-12-22T14:48:54.033+00:00',
      content: [{ attachment: { creation: '2020-12-22T14:46:00+00:00', size: 26 } }],
      context: { encounter: [{ reference: 'Encounter/e1' }], related: [{ reference: 'Observation/o1' }] },
    });
  });

  it('labels confidential items with the canonical NOPAT label and drops STU3 profiles', async () => {
    const observation = await convert<fhir4.Observation>({
      resourceType: 'Observation',
      id: 'o9',
      meta: {
        versionId: '3',
        profile: [`${GPC}/CareConnect-GPC-Observation-1`],
        security: [{ system: 'http://hl7.org/fhir/v3/ActCode', code: 'NOPAT' }],
      },
      status: 'final',
      code: asthma,
      subject: patient,
    });
    expect(observation.meta).toEqual({ versionId: '3', security: [CONFIDENTIAL_SECURITY_LABEL] });
    const restricted = convertStu3Resource<fhir4.Condition>({
      resourceType: 'Condition',
      id: 'c9',
      meta: { security: [{ system: 'http://hl7.org/fhir/v3/Confidentiality', code: 'R' }] },
      subject: patient,
    } as fhir3.Condition);
    expect(restricted.meta?.security).toEqual([CONFIDENTIAL_SECURITY_LABEL]);
  });

  it('sanitises ids and rewrites references the same way', async () => {
    const long = 'X'.repeat(80);
    const observation = await convert<fhir4.Observation>({
      resourceType: 'Observation',
      id: 'weird id_1',
      status: 'final',
      code: asthma,
      subject: { reference: 'Patient/p 1' },
      performer: [{ reference: `Practitioner/${long}` }],
    });
    expect(observation.id).toBe('weird-id-1');
    expect(observation.subject?.reference).toBe('Patient/p-1');
    expect(observation.performer?.[0]?.reference).toMatch(/^Practitioner\/X{51}-[0-9a-f]{12}$/);
  });

  it('refuses a type it does not convert', () => {
    expect(() => convertStu3Resource({ resourceType: 'Flag' })).toThrow(/No STU3 → R4 conversion for Flag/);
  });
});
