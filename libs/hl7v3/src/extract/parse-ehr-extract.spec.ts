import { Readable } from 'node:stream';
import { CODE_SYSTEMS, EXTENSIONS } from '@lloyd/adapters-core';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { r4Errors } from '@lloyd/adapters-core-testing';
import { FIXTURE_EXTRACT } from '../testing/fixture-extract.js';
import { benchParse } from './bench.js';
import { parseEhrExtract, type ParsedEhrExtract } from './parse-ehr-extract.js';
import { translateExtractToBundle } from './translate-bundle.js';

let parsed: ParsedEhrExtract;

function find<T extends fhir4.Resource>(type: T['resourceType'], id: string): T {
  const found = parsed.record.resources.find((r) => r.resourceType === type && r.id === id);
  if (!found) throw new Error(`${type}/${id} not in the record`);
  return found as T;
}

function ofType<T extends fhir4.Resource>(type: T['resourceType']): T[] {
  return parsed.record.resources.filter((r) => r.resourceType === type) as T[];
}

beforeAll(async () => {
  // Streamed in small chunks, as from a blob store.
  const bytes = Buffer.from(FIXTURE_EXTRACT);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 97) chunks.push(bytes.subarray(i, i + 97));
  parsed = await parseEhrExtract(Readable.from(chunks));
});

describe('parseEhrExtract', () => {
  it('reads the message header and the parties', () => {
    expect(parsed.header).toMatchObject({
      root: 'RCMR_IN030000UK06',
      messageId: 'MSG1',
      fromAsid: '111',
      toAsid: '222',
      fromOds: 'A12345',
      toOds: 'B67890',
      nhsNumber: '9990000034',
      extractId: 'EXTRACT1',
      ehrRequestId: 'REQ1',
    });
    expect(parsed.record.patient).toEqual({
      resourceType: 'Patient',
      id: '9990000034',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000034' }],
    });
    expect(parsed.record.practice).toMatchObject({
      id: 'A12345',
      name: 'The Surgery',
      address: [{ line: ['1 High Street'], postalCode: 'LS1 1AA' }],
    });
  });

  it('turns person agents into practitioners with their role and organisation', () => {
    expect(parsed.record.practitioners).toEqual([
      {
        resourceType: 'Practitioner',
        id: 'GP1',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-user-id', value: 'G1234567' }],
        name: [{ prefix: ['Dr'], given: ['Ann'], family: 'Jones' }],
      },
    ]);
    expect(parsed.record.practitionerRoles[0]).toMatchObject({
      practitioner: { reference: 'Practitioner/GP1' },
      organization: { reference: 'Organization/A12345' },
      code: [{ text: 'General Medical Practitioner' }],
    });
  });

  it('makes consultations Encounters and links their items; non-consultation compositions have none', () => {
    const encounters = ofType<fhir4.Encounter>('Encounter');
    expect(encounters.map((e) => e.id)).toEqual(['ENC1', 'LABCOMP']);
    expect(encounters[0]).toMatchObject({
      status: 'finished',
      type: [{ coding: [{ system: CODE_SYSTEMS.snomed, code: '185316007' }] }],
      period: { start: '2019-03-14T10:30:00+00:00' },
      location: [{ location: { display: 'Main surgery' } }],
    });
    expect(find<fhir4.Observation>('Observation', 'OBS1').encounter).toEqual({ reference: 'Encounter/ENC1' });
    expect(find<fhir4.MedicationRequest>('MedicationRequest', 'AUTH1').encounter).toBeUndefined();
    expect(parsed.stats.skipped['EhrEmpty']).toBe(1);
  });

  it('marks everything in a NOPAT composition confidential, and nothing else', () => {
    expect(hasConfidentialityLabel(find('Encounter', 'ENC1'))).toBe(true);
    expect(hasConfidentialityLabel(find('Observation', 'OBS1'))).toBe(true);
    expect(hasConfidentialityLabel(find('AllergyIntolerance', 'ALL1'))).toBe(true);
    expect(hasConfidentialityLabel(find('MedicationRequest', 'AUTH1'))).toBe(false);
  });

  it('maps an observation with value, unit, interpretation, reference range and note', () => {
    expect(find<fhir4.Observation>('Observation', 'OBS1')).toMatchObject({
      status: 'final',
      code: {
        coding: [
          { system: CODE_SYSTEMS.readv2, code: '2469.' },
          { system: CODE_SYSTEMS.snomed, code: '271649006' },
        ],
      },
      effectiveDateTime: '2019-03-14',
      valueQuantity: { value: 150, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      interpretation: [{ coding: [{ code: 'HI', system: 'urn:oid:2.16.840.1.113883.2.1.6.5' }] }],
      referenceRange: [{ low: { value: 90 }, high: { value: 140 } }],
      note: [{ text: 'Repeat in a week' }],
      performer: [{ reference: 'Practitioner/GP1' }],
    });
    expect(find<fhir4.Observation>('Observation', 'OBS1').category).toBeUndefined();
  });

  it('makes a free-text narrative a comment Observation and an attachment a DocumentReference', () => {
    expect(find<fhir4.Observation>('Observation', 'NARR1')).toMatchObject({
      code: { coding: [{ code: '37331000000100' }] },
      note: [{ text: 'Patient feels well.' }],
      effectiveDateTime: '2019-03-14T10:30:00+00:00',
    });
    expect(find<fhir4.DocumentReference>('DocumentReference', 'DOC1')).toMatchObject({
      status: 'current',
      description: 'Letter from cardiology',
      date: '2019-03-14T10:30:00+00:00',
      identifier: [{ value: '_ABCDEF01-0000-4000-8000-000000000001' }],
      content: [
        {
          attachment: {
            contentType: 'application/pdf',
            url: 'file://localhost/ABCDEF01_letter.pdf',
            // The title is what the document is; the file name stays in the url.
            title: 'Letter from cardiology',
          },
        },
      ],
    });
  });

  it('maps drug and non-drug allergies, resolved when their time has ended', () => {
    expect(find<fhir4.AllergyIntolerance>('AllergyIntolerance', 'ALL1')).toMatchObject({
      category: ['medication'],
      clinicalStatus: { coding: [{ code: 'resolved' }] },
      onsetDateTime: '2001',
      code: { coding: [{ code: 'TJ00300' }, { code: '292967008' }] },
      extension: [{ url: EXTENSIONS.allergyEnd, extension: [{ url: 'endDate', valueDateTime: '2010' }] }],
    });
    const peanut = find<fhir4.AllergyIntolerance>('AllergyIntolerance', 'ALL2');
    expect(peanut.category).toEqual(['environment']);
    expect(peanut.clinicalStatus?.coding?.[0]?.code).toBe('active');
    expect(peanut.extension).toBeUndefined();
  });

  it('makes a LinkSet a Condition named by its statement, with significance and related content', () => {
    const condition = find<fhir4.Condition>('Condition', 'PROB1');
    expect(condition.code).toEqual({
      coding: [{ system: CODE_SYSTEMS.readv2, code: 'H33..', display: 'Asthma' }],
      text: 'Asthma',
    });
    expect(condition.clinicalStatus?.coding?.[0]?.code).toBe('active');
    expect(condition.onsetDateTime).toBe('2005-06');
    expect(condition.extension).toEqual([
      { url: EXTENSIONS.problemSignificance, valueCode: 'major' },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'Observation/PROB-OBS' } },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'Observation/OBS1' } },
      // The consultation it was recorded in.
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'Encounter/ENC1' } },
    ]);
    expect(condition.encounter).toEqual({ reference: 'Encounter/ENC1' });
    expect(parsed.stats.skipped['statementRef(unresolved)']).toBe(1);
  });

  it('maps plans and referrals to ServiceRequests', () => {
    expect(find<fhir4.ServiceRequest>('ServiceRequest', 'PLAN1')).toMatchObject({
      intent: 'plan',
      status: 'active',
      occurrenceDateTime: '2019-06-01',
      note: [{ text: 'Review asthma' }],
    });
    expect(find<fhir4.ServiceRequest>('ServiceRequest', 'REF1')).toMatchObject({
      intent: 'order',
      priority: 'urgent',
      category: [{ coding: [{ code: '3457005' }] }],
      performer: [{ reference: 'Practitioner/GP1' }],
      note: [{ text: 'Knee pain' }],
    });
  });

  it('recognises a vaccination as an Immunization', () => {
    expect(find<fhir4.Immunization>('Immunization', 'IMM1')).toMatchObject({
      status: 'completed',
      vaccineCode: { coding: [{ code: '65E..00' }] },
      occurrenceDateTime: '2018-10-10',
    });
  });

  it('makes a non-laboratory battery a grouping Observation with members and its comment as a note', () => {
    expect(find<fhir4.Observation>('Observation', 'BP1')).toMatchObject({
      hasMember: [{ reference: 'Observation/BP-SYS' }, { reference: 'Observation/BP-DIA' }],
      note: [{ text: 'Sitting' }],
    });
    expect(find<fhir4.Observation>('Observation', 'BP-DIA').valueQuantity).toEqual({ value: 85 });
  });

  it('keeps a transfer-degraded item with its original code and text, marked degraded', () => {
    const degraded = find<fhir4.Observation>('Observation', 'DEG1');
    expect(degraded.code).toEqual({
      extension: [{ url: EXTENSIONS.degradedCode, valueBoolean: true }],
      coding: [{ system: 'urn:oid:2.16.840.1.113883.2.1.6.3', code: 'EMIS1', display: 'Practice special code' }],
      text: 'Practice special code',
    });
    expect(degraded.extension?.[0]).toMatchObject({ url: EXTENSIONS.degradedCode, valueCoding: { code: 'EMIS1' } });
    expect(parsed.stats.degraded).toBe(1);
  });

  it('maps an authorisation to a plan MedicationRequest with its MedicationStatement, stopped by the discontinuation', () => {
    const plan = find<fhir4.MedicationRequest>('MedicationRequest', 'AUTH1');
    expect(plan).toMatchObject({
      intent: 'plan',
      status: 'stopped',
      statusReason: { text: 'Course complete' },
      authoredOn: '2019-01-01',
      dosageInstruction: [{ text: 'Two tablets four times a day' }],
      dispenseRequest: {
        quantity: { value: 32, unit: 'tablet' },
        validityPeriod: { start: '2019-01-01', end: '2019-12-31' },
      },
      note: [{ text: 'Take with food' }],
      requester: { reference: 'Practitioner/GP1' },
    });
    // A repeat (6 repeats) is continuous therapy, GP Connect's mandatory course of therapy on the plan.
    expect(plan.courseOfTherapyType?.coding).toEqual([
      {
        system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy',
        code: 'continuous',
        display: 'Continuous long term therapy',
      },
    ]);
    expect(plan.extension).toEqual([
      { url: EXTENSIONS.prescriptionType, valueCode: 'repeat' },
      { url: EXTENSIONS.repeatInformation, valueUnsignedInt: 6 },
    ]);
    const medication = find<fhir4.Medication>('Medication', 'MS1');
    expect(plan.medicationReference).toEqual({ reference: 'Medication/MS1' });
    expect(medication.code?.coding?.[0]?.code).toBe('322236009');
    expect(find<fhir4.MedicationStatement>('MedicationStatement', 'MS1')).toMatchObject({
      status: 'stopped',
      basedOn: [{ reference: 'MedicationRequest/AUTH1' }],
      effectivePeriod: { start: '2019-01-01', end: '2019-12-31' },
    });
  });

  it('maps an issue to an order MedicationRequest based on its authorisation, across compositions', () => {
    const issue = find<fhir4.MedicationRequest>('MedicationRequest', 'ISSUE1');
    expect(issue).toMatchObject({
      intent: 'order',
      status: 'completed',
      basedOn: [{ reference: 'MedicationRequest/AUTH1' }],
      authoredOn: '2019-02-01',
    });
    // It has no prescription type of its own, so it takes its authorisation's (a repeat: continuous therapy).
    expect(issue.extension).toEqual([{ url: EXTENSIONS.prescriptionType, valueCode: 'repeat' }]);
    expect(issue.courseOfTherapyType?.coding?.[0]?.code).toBe('continuous');
  });

  it('makes a laboratory report a DiagnosticReport with specimen, results, panels and comments', () => {
    const report = find<fhir4.DiagnosticReport>('DiagnosticReport', 'REPORT1');
    expect(report).toMatchObject({
      status: 'final',
      code: { coding: [{ code: '16488004' }], text: 'Filed Report' },
      issued: '2019-03-20T10:15:00+00:00',
      conclusion: 'Report comment',
      specimen: [{ reference: 'Specimen/SPEC1' }],
      result: [{ reference: 'Observation/NA1' }, { reference: 'Observation/FBC' }],
      encounter: { reference: 'Encounter/LABCOMP' },
    });
    expect(find<fhir4.Specimen>('Specimen', 'SPEC1')).toMatchObject({
      accessionIdentifier: { value: 'LAB-123' },
      type: { text: 'Venous blood' },
      collection: { collectedDateTime: '2019-03-18' },
      note: [{ text: 'Received late' }],
    });
    const sodium = find<fhir4.Observation>('Observation', 'NA1');
    expect(sodium).toMatchObject({
      category: [{ coding: [{ code: 'laboratory' }] }],
      valueQuantity: { value: 139, code: 'mmol/L' },
      note: [{ text: 'Haemolysed' }],
      specimen: { reference: 'Specimen/SPEC1' },
    });
    expect(find<fhir4.Observation>('Observation', 'FBC').hasMember).toEqual([
      { reference: 'Observation/HB' },
      { reference: 'Observation/WBC' },
    ]);
    expect(find<fhir4.Observation>('Observation', 'WBC').category?.[0]?.coding?.[0]?.code).toBe('laboratory');
    expect(ofType('Observation').some((o) => o.id === 'NA-CLUSTER')).toBe(false);
  });

  it('references only the patient and resources that exist in the record', () => {
    const ids = new Set(
      [parsed.record.patient, parsed.record.practice, ...parsed.record.practitioners, ...parsed.record.resources].map(
        (r) => `${r.resourceType}/${r.id}`,
      ),
    );
    const references: string[] = [];
    JSON.stringify(parsed.record.resources, (key, value: unknown) => {
      if (key === 'reference' && typeof value === 'string') references.push(value);
      return value;
    });
    expect(references.filter((r) => !ids.has(r))).toEqual([]);
  });

  it('parses a bare ehrComposition payload (no message wrapper) leniently', async () => {
    const fragment = `<ehrComposition xmlns="urn:hl7-org:v3"><id root="C9"/><code nullFlavor="UNK"/>
      <component><ObservationStatement><id root="O9"/><code code="X" codeSystem="1.2.3"/><unknownElement/></ObservationStatement></component>
      <component/></ehrComposition>`;
    const result = await parseEhrExtract(fragment);
    expect(result.header.root).toBe('ehrComposition');
    expect(result.record.resources.map((r) => `${r.resourceType}/${r.id}`)).toEqual(['Encounter/C9', 'Observation/O9']);
    expect(result.record.patient.id).toBe('patient');
    expect(result.stats.skipped['component(empty)']).toBe(1);
  });

  it('translates to an R4 collection Bundle that both validators accept', async () => {
    const bundle = await translateExtractToBundle(FIXTURE_EXTRACT);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    const resources = (bundle.entry ?? []).map((e) => e.resource!);
    expect(resources.slice(0, 2).map((r) => r.resourceType)).toEqual(['Patient', 'Organization']);
    const errors: string[] = [];
    for (const r of resources)
      for (const e of await r4Errors(r))
        errors.push(`${r.resourceType}/${r.id} [${e.validator}] ${e.location}: ${e.message}`);
    expect(errors).toEqual([]);
  });

  it('measures parse throughput for benchmarks (a positive rate; no timing is asserted)', async () => {
    const rate = await benchParse(Buffer.from(FIXTURE_EXTRACT), 1);
    expect(Number.isFinite(rate) && rate > 0).toBe(true);
  });
});
