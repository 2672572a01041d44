import { CODE_SYSTEMS, CONFIDENTIAL_SECURITY_LABEL, EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { mapRecord } from './map-record.js';
import { ALLERGY_END_EXTENSION } from './mapping-support.js';
import { readNativePatient, toSupplierPatient } from './patient.js';
import { readNativeRecord } from './record-schema.js';
import { parseXml } from './xml.js';

const PATIENT = `<?xml version="1.0" encoding="UTF-8"?>
<PatientSearchResult count="1">
  <Patient nhsNumber="9990000018" id="PAT-1">
    <Demographics><Name><Family>Jones</Family></Name><Sex>F</Sex><DateOfBirth>1967-01-17</DateOfBirth></Demographics>
    <Registration status="active"><Practice ods="P10001" name="Riverside Medical Practice"/><UsualGP sdsUserId="910000000101" title="Dr" given="Amelia" family="Hartley"/></Registration>
    <Consent dissent="false"/>
    <Flags sensitive="false"/>
  </Patient>
</PatientSearchResult>`;

const DR_MISTRY =
  'sdsUserId="910000000102" title="Dr" given="Rohan" family="Mistry" role="General Medical Practitioner"';
const NURSE = 'sdsUserId="910000000103" title="Ms" given="Grace" family="Oduya" role="Practice Nurse"';

function recordXml(sections: Partial<Record<string, string>> = {}): string {
  const section = (name: string, fallback: string) => sections[name] ?? fallback;
  return `<?xml version="1.0" encoding="UTF-8"?>
<ClinicalRecord nhsNumber="9990000018" patientId="PAT-1" practice="P10001" extracted="2025-06-01T00:00:00Z" codeScheme="READ2">
  ${section(
    'Allergies',
    `<Allergies>
    <Allergy id="AL-1" date="1968" confidential="false" category="non-drug" status="resolved">
      <Code scheme="READ2" code="SN580" term="Egg allergy"/><Term>Egg allergy</Term>
      <Reaction severity="mild">Urticaria</Reaction>
      <Ended date="1973" reason="Outgrown"/>
    </Allergy>
    <Allergy id="AL-2" date="2014-03" confidential="false" category="drug" status="active">
      <Code scheme="READ2" code="TJ003" term="Adverse reaction to amoxycillin"/><Term>Amoxicillin rash</Term>
    </Allergy>
  </Allergies>`,
  )}
  <Problems>
    <Problem id="PR-1" date="2019-07-18" confidential="false" consultation="CO-1" status="active" significance="major">
      <Code scheme="READ2" code="G20.." term="High blood pressure"/><Term>High blood pressure</Term>
      <Link type="consultation" ref="CO-1"/>
      <Link type="item" ref="ME-1"/>
      <Link type="item" ref="GONE-1"/>
    </Problem>
    <Problem id="PR-2" date="2021" confidential="true" consultation="CO-2" status="inactive" significance="minor" endDate="2021-11">
      <Code scheme="READ2" code="E200." term="Anxiety states"/><Term>Anxiety</Term>
    </Problem>
  </Problems>
  <Medications>
    <Medication id="ME-1" date="2019-07-18" confidential="false" consultation="CO-1" type="repeat" status="active" maxIssues="12">
      <Code scheme="READ2" code="blb1." term="AMLODIPINE 5mg tablets"/><Term>AMLODIPINE 5mg tablets</Term>
      <Dosage>One daily</Dosage>
      <Quantity value="28" unit="tablet"/>
      <Prescriber ${DR_MISTRY}/>
      <Issue id="IS-1" date="2019-07-18" quantity="28" unit="tablet" days="28"/>
      <Issue id="IS-2" date="2019-08-15" quantity="28" unit="tablet" days="28"/>
    </Medication>
    <Medication id="ME-2" date="2021-02-01" confidential="true" type="acute" status="completed">
      <Code scheme="LOCAL" code="EMISDRUG9" term="Herbal tonic"/>
      <Prescriber ${DR_MISTRY}/>
      <Issue id="IS-3" date="2021-02-01" quantity="1" unit="bottle"/>
    </Medication>
  </Medications>
  <Consultations>
    <Consultation id="CO-1" date="2019-07-18T09:30" type="Surgery consultation" confidential="false">
      <Clinician sdsUserId="910000000101" title="Dr" given="Amelia" family="Hartley" role="General Medical Practitioner"/>
      <Location>Riverside Medical Practice</Location>
      <Narrative>Pain &lt;6/10 &amp; "improving"</Narrative>
      <Entry ref="PR-1"/>
    </Consultation>
    <Consultation id="CO-2" date="2021-01-12T14:00" type="Telephone consultation" confidential="true">
      <Clinician ${NURSE}/>
    </Consultation>
  </Consultations>
  <Observations>
    <Observation id="OB-1" date="2019-07-18" confidential="false" consultation="CO-1">
      <Code scheme="READ2" code="2469." term="O/E - Systolic BP reading"/><Term>O/E - Systolic BP reading</Term>
      <Value value="160" unit="mm[Hg]"/>
      <Comment>Repeat in a week</Comment>
    </Observation>
    <Observation id="OB-2" date="2020" confidential="false" consultation="CO-UNKNOWN">
      <Code scheme="LOCAL" code="EMISD_BE1" term="Betel nut chewer"/>
    </Observation>
  </Observations>
  <Immunisations>
    <Immunisation id="IM-1" date="2024-10-04" confidential="false" given="true" sequence="1">
      <Code scheme="READ2" code="65E.." term="Influenza vaccination"/><Term>Influenza vaccination</Term>
      <Batch>FL3319</Batch><Site>Left upper arm</Site>
    </Immunisation>
    <Immunisation id="IM-2" date="2023-10" confidential="false" given="false">
      <Code scheme="READ2" code="65ED." term="Seasonal influenza vaccination"/>
      <NotGivenReason>Patient declined</NotGivenReason>
    </Immunisation>
  </Immunisations>
  <TestResults>
    <TestResult id="TR-1" date="2024-07-15" confidential="false" status="final">
      <Code scheme="READ2" code="424.." term="Full blood count - FBC"/><Term>Full blood count - FBC</Term>
      <Laboratory>Leeds Pathology Laboratory</Laboratory>
      <Result id="RE-1" interpretation="low">
        <Code scheme="READ2" code="423.." term="Haemoglobin estimation"/><Term>Haemoglobin estimation</Term>
        <Value value="107" unit="g/L"/><Range low="115" high="165" unit="g/L"/>
      </Result>
      <FilingComment>Repeat in 3 months</FilingComment>
    </TestResult>
  </TestResults>
  ${section(
    'Referrals',
    `<Referrals>
    <Referral id="RF-1" date="2021-07-26" confidential="false" priority="two-week-wait" status="sent" specialty="Gastroenterology">
      <Code scheme="READ2" code="8H54." term="Orthopaedic referral"/>
      <Reason>Weight loss</Reason><Recipient>Leeds General Hospital</Recipient>
    </Referral>
  </Referrals>`,
  )}
  <Documents>
    <Document id="DO-1" date="2021-09-16" confidential="false" contentType="text/plain" size="2968" href="/documents/DO-1">
      <Code scheme="READ2" code="9b36." term="Other digital signal"/><Term>Clinic letter</Term>
      <Title>Orthopaedic clinic letter</Title>
      <Author ${DR_MISTRY}/>
    </Document>
  </Documents>
</ClinicalRecord>`;
}

function parse<T>(xml: string, read: (parsed: Record<string, unknown>) => T): T {
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(parsed.reason);
  return read(parsed.document);
}

function mapped(xml = recordXml()): CanonicalRecord {
  const patient = parse(PATIENT, (d) =>
    readNativePatient((d['PatientSearchResult'] as { Patient: unknown[] }).Patient[0]),
  );
  if (!patient.ok) throw new Error(patient.reason);
  const record = parse(xml, (d) => readNativeRecord(d['ClinicalRecord']));
  if (!record.ok) throw new Error(record.reason);
  return mapRecord(patient.patient, toSupplierPatient(patient.patient), record.record);
}

function find<T extends fhir4.Resource>(record: CanonicalRecord, type: T['resourceType'], id: string): T {
  const found = record.resources.find((r) => r.resourceType === type && r.id === id);
  if (!found) throw new Error(`no ${type}/${id}`);
  return found as T;
}

describe('XML Read v2 record mapping', () => {
  const record = mapped();

  it('maps every resource to valid FHIR R4', async () => {
    for (const resource of [
      record.patient,
      record.practice,
      ...record.practitioners,
      ...record.practitionerRoles,
      ...record.resources,
    ]) {
      await assertValidR4(resource);
    }
  });

  it('keeps every item: one resource per item, four or more per medication', () => {
    const count = (type: string) => record.resources.filter((r) => r.resourceType === type).length;
    expect(count('AllergyIntolerance')).toBe(2);
    expect(count('Condition')).toBe(2);
    expect(count('Medication')).toBe(2);
    expect(count('MedicationStatement')).toBe(2);
    expect(count('MedicationRequest')).toBe(2 + 3);
    expect(count('Encounter')).toBe(2);
    expect(count('Observation')).toBe(2 + 1);
    expect(count('Immunization')).toBe(2);
    expect(count('DiagnosticReport')).toBe(1);
    expect(count('ServiceRequest')).toBe(1);
    expect(count('DocumentReference')).toBe(1);
  });

  it('gives the patient the record id, the practice and every clinician named, usual GP first', () => {
    expect(record.patient.id).toBe('PAT-1');
    expect(record.patient.generalPractitioner?.map((r) => r.reference)).toEqual([
      'Practitioner/910000000101',
      'Organization/P10001',
    ]);
    expect(record.practice).toEqual({
      resourceType: 'Organization',
      id: 'P10001',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'P10001' }],
      name: 'Riverside Medical Practice',
    });
    expect(record.practitioners.map((p) => p.id)).toEqual(['910000000101', '910000000103', '910000000102']);
    expect(record.practitioners[1]?.name).toEqual([{ family: 'Oduya', given: ['Grace'], prefix: ['Ms'] }]);
    // The usual GP's role comes from where the record names them with one.
    expect(record.practitionerRoles[0]?.code).toEqual([{ text: 'General Medical Practitioner' }]);
    expect(record.practitionerRoles[1]).toMatchObject({
      id: '910000000103-P10001',
      practitioner: { reference: 'Practitioner/910000000103' },
      organization: { reference: 'Organization/P10001' },
      code: [{ text: 'Practice Nurse' }],
    });
  });

  it('keeps Read v2 and local codes as sent, with the recorded text', () => {
    const allergy = find<fhir4.AllergyIntolerance>(record, 'AllergyIntolerance', 'AL-2');
    expect(allergy.code).toEqual({
      coding: [{ system: CODE_SYSTEMS.readv2, code: 'TJ003', display: 'Adverse reaction to amoxycillin' }],
      text: 'Amoxicillin rash',
    });
    expect(find<fhir4.Observation>(record, 'Observation', 'OB-2').code).toEqual({
      coding: [{ system: `${CODE_SYSTEMS.localPrefix}P10001`, code: 'EMISD_BE1', display: 'Betel nut chewer' }],
      text: 'Betel nut chewer',
    });
    const codings = record.resources.flatMap((r) => JSON.stringify(r).match(/"system":"http:\/\/snomed[^"]*"/g) ?? []);
    expect(codings).toEqual([]);
  });

  it('maps allergies with status, category, reaction and the end of a resolved one', () => {
    const egg = find<fhir4.AllergyIntolerance>(record, 'AllergyIntolerance', 'AL-1');
    expect(egg.clinicalStatus?.coding?.[0]?.code).toBe('resolved');
    expect(egg.category).toEqual(['environment']);
    expect(egg.onsetDateTime).toBe('1968');
    expect(egg.reaction).toEqual([{ manifestation: [{ text: 'Urticaria' }], severity: 'mild' }]);
    expect(egg.extension).toEqual([
      {
        url: ALLERGY_END_EXTENSION,
        extension: [
          { url: 'endDate', valueDateTime: '1973' },
          { url: 'reasonEnded', valueString: 'Outgrown' },
        ],
      },
    ]);
    const drug = find<fhir4.AllergyIntolerance>(record, 'AllergyIntolerance', 'AL-2');
    expect(drug.category).toEqual(['medication']);
    expect(drug.clinicalStatus?.coding?.[0]?.code).toBe('active');
    expect(drug.recordedDate).toBe('2014-03');
  });

  it('maps a repeat as statement, plan and issues based on the plan', () => {
    const plan = find<fhir4.MedicationRequest>(record, 'MedicationRequest', 'ME-1');
    expect(plan).toMatchObject({
      intent: 'plan',
      status: 'active',
      courseOfTherapyType: { coding: [{ code: 'continuous' }] },
      medicationReference: { reference: 'Medication/ME-1' },
      requester: { reference: 'Practitioner/910000000102' },
      encounter: { reference: 'Encounter/CO-1' },
      extension: [
        { url: EXTENSIONS.prescriptionType, valueCode: 'repeat' },
        { url: EXTENSIONS.repeatInformation, valueUnsignedInt: 12 },
      ],
    });
    const issue = find<fhir4.MedicationRequest>(record, 'MedicationRequest', 'IS-2');
    expect(issue).toMatchObject({
      intent: 'order',
      status: 'completed',
      basedOn: [{ reference: 'MedicationRequest/ME-1' }],
      authoredOn: '2019-08-15',
      dispenseRequest: {
        quantity: { value: 28, unit: 'tablet' },
        expectedSupplyDuration: { value: 28, unit: 'day', system: 'http://unitsofmeasure.org', code: 'd' },
      },
    });
    const statement = find<fhir4.MedicationStatement>(record, 'MedicationStatement', 'ME-1');
    expect(statement).toMatchObject({ status: 'active', basedOn: [{ reference: 'MedicationRequest/ME-1' }] });
    const acute = find<fhir4.MedicationRequest>(record, 'MedicationRequest', 'ME-2');
    expect(acute.courseOfTherapyType?.coding?.[0]?.code).toBe('acute');
    expect(acute.extension).toEqual([{ url: EXTENSIONS.prescriptionType, valueCode: 'acute' }]);
  });

  it('links problems to what the record holds, with significance and dates as precise as recorded', () => {
    const hypertension = find<fhir4.Condition>(record, 'Condition', 'PR-1');
    expect(hypertension.extension).toEqual([
      { url: EXTENSIONS.problemSignificance, valueCode: 'major' },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'Encounter/CO-1' } },
      { url: EXTENSIONS.relatedClinicalContent, valueReference: { reference: 'MedicationStatement/ME-1' } },
    ]);
    expect(hypertension.category?.[0]?.coding?.[0]?.code).toBe('problem-list-item');
    const anxiety = find<fhir4.Condition>(record, 'Condition', 'PR-2');
    expect(anxiety.clinicalStatus?.coding?.[0]?.code).toBe('inactive');
    expect(anxiety.onsetDateTime).toBe('2021');
    expect(anxiety.abatementDateTime).toBe('2021-11');
  });

  it('maps consultations with UK local time, class, clinician and narrative', () => {
    const summer = find<fhir4.Encounter>(record, 'Encounter', 'CO-1');
    expect(summer.period).toEqual({ start: '2019-07-18T09:30:00+01:00' });
    expect(summer.class.code).toBe('AMB');
    expect(summer.participant?.[0]?.individual).toEqual({ reference: 'Practitioner/910000000101' });
    expect(summer.text?.div).toBe('<div xmlns="http://www.w3.org/1999/xhtml">Pain &lt;6/10 &amp; "improving"</div>');
    const winter = find<fhir4.Encounter>(record, 'Encounter', 'CO-2');
    expect(winter.period).toEqual({ start: '2021-01-12T14:00:00+00:00' });
    expect(winter.class.code).toBe('VR');
    expect(find<fhir4.Observation>(record, 'Observation', 'OB-1').encounter).toEqual({ reference: 'Encounter/CO-1' });
    // An item naming a consultation the record does not hold gets no dangling reference.
    expect(find<fhir4.Observation>(record, 'Observation', 'OB-2').encounter).toBeUndefined();
  });

  it('maps immunisations given and not given', () => {
    expect(find<fhir4.Immunization>(record, 'Immunization', 'IM-1')).toMatchObject({
      status: 'completed',
      lotNumber: 'FL3319',
      site: { text: 'Left upper arm' },
      protocolApplied: [{ doseNumberPositiveInt: 1 }],
    });
    expect(find<fhir4.Immunization>(record, 'Immunization', 'IM-2')).toMatchObject({
      status: 'not-done',
      statusReason: { text: 'Patient declined' },
      occurrenceDateTime: '2023-10',
    });
  });

  it('maps test results to a laboratory report with its results, ranges and interpretation', () => {
    const report = find<fhir4.DiagnosticReport>(record, 'DiagnosticReport', 'TR-1');
    expect(report).toMatchObject({
      category: [{ coding: [{ code: 'LAB' }] }],
      result: [{ reference: 'Observation/RE-1' }],
      performer: [{ display: 'Leeds Pathology Laboratory' }],
      conclusion: 'Repeat in 3 months',
    });
    expect(find<fhir4.Observation>(record, 'Observation', 'RE-1')).toMatchObject({
      category: [{ coding: [{ code: 'laboratory' }] }],
      valueQuantity: { value: 107, unit: 'g/L', system: 'http://unitsofmeasure.org', code: 'g/L' },
      referenceRange: [{ low: { value: 115, unit: 'g/L' }, high: { value: 165, unit: 'g/L' } }],
      interpretation: [{ coding: [{ code: 'L' }] }],
      effectiveDateTime: '2024-07-15',
    });
  });

  it('maps referrals and documents without leaking the system’s URLs', () => {
    expect(find<fhir4.ServiceRequest>(record, 'ServiceRequest', 'RF-1')).toMatchObject({
      status: 'active',
      intent: 'order',
      priority: 'asap',
      performerType: { text: 'Gastroenterology' },
      reasonCode: [{ text: 'Weight loss' }],
    });
    const document = find<fhir4.DocumentReference>(record, 'DocumentReference', 'DO-1');
    expect(document.content).toEqual([
      {
        attachment: {
          contentType: 'text/plain',
          size: 2968,
          title: 'Orthopaedic clinic letter',
          creation: '2021-09-16',
        },
      },
    ]);
    expect(document.author).toEqual([{ reference: 'Practitioner/910000000102' }]);
    expect(JSON.stringify(record)).not.toContain('/documents/');
  });

  it('marks confidential items and everything derived from them, and keeps them', () => {
    const confidential = record.resources.filter(hasConfidentialityLabel).map((r) => `${r.resourceType}/${r.id}`);
    expect(confidential.sort()).toEqual(
      [
        'Condition/PR-2',
        'Encounter/CO-2',
        'Medication/ME-2',
        'MedicationRequest/IS-3',
        'MedicationRequest/ME-2',
        'MedicationStatement/ME-2',
      ].sort(),
    );
    expect(find<fhir4.Condition>(record, 'Condition', 'PR-2').meta).toEqual({
      security: [{ ...CONFIDENTIAL_SECURITY_LABEL }],
    });
  });

  it('accepts empty and absent sections', () => {
    const sparse = mapped(recordXml({ Allergies: '<Allergies/>', Referrals: '' }));
    expect(sparse.resources.some((r) => r.resourceType === 'AllergyIntolerance')).toBe(false);
    expect(sparse.resources.some((r) => r.resourceType === 'ServiceRequest')).toBe(false);
  });

  it('rejects a record it cannot map faithfully, naming the place', () => {
    const bad = (xml: string) => parse(xml, (d) => readNativeRecord(d['ClinicalRecord']));
    expect(bad(recordXml().replace('scheme="READ2" code="SN580"', 'scheme="SNOMED" code="SN580"'))).toEqual({
      ok: false,
      reason: expect.stringMatching(/^ClinicalRecord Allergies\.Allergy\.0\.Code\.@scheme: /) as unknown,
    });
    expect(bad(recordXml().replace('date="2014-03"', 'date="03/2014"'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('Allergies.Allergy.1.@date') as unknown,
    });
    expect(bad(recordXml().replace('id="RF-1"', 'id="RF 1/x"'))).toMatchObject({ ok: false });
  });
});
