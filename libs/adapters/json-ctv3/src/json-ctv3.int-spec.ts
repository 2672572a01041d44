import { recordSections } from '@lloyd/config';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { CODE_SYSTEMS, EXTENSIONS, type CanonicalRecord, type RecordQuery } from '@lloyd/adapters-core';
import {
  allResources,
  assertValidR4,
  codingProblems,
  describeSupplierAdapterContract,
  idProblems,
  patientReferenceProblems,
  referenceProblems,
} from '@lloyd/adapters-core-testing';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
// eslint-disable-next-line no-restricted-imports -- the simulator's catalogue says which CTV3 code each item must carry
import { concept } from '../../../../apps/supplier-sim/src/generator/catalogue.js';
// eslint-disable-next-line no-restricted-imports -- the simulator's model types describe the expected items
import type { ItemBase, SyntheticPatient } from '../../../../apps/supplier-sim/src/generator/model.js';
import { JsonCtv3Adapter } from './json-ctv3.adapter.js';
import { ALLERGY_END_EXTENSION } from './record/context.js';

const ODS = 'P20002';
const LOCAL_SYSTEM = `${CODE_SYSTEMS.localPrefix}${ODS}`;
const ALL: RecordQuery = { sections: recordSections };
const FHIR_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

const ctx = () => ({ signal: new AbortController().signal, correlationId: 'json-ctv3-int-spec' });

let sims: RunningSimulators;
const adapter = (options: { pageSize?: number } = {}) =>
  new JsonCtv3Adapter({ ods: ODS, baseUrl: sims.urls.P20002!, ...options });

beforeAll(async () => {
  sims = await startSimulators({ seed: 20261123, ports: { P20002: 0 }, extraPatients: 3 });
});

afterAll(async () => {
  await sims?.close();
});

describeSupplierAdapterContract('JsonCtv3Adapter against the P20002 simulator', {
  createAdapter: () => adapter(),
  knownPatient: '9990000026',
  unknownPatient: '9990000115',
  fullRecordPatient: '9990000026',
  confidentialPatient: '9990000069',
  nativeCodeSystems: [CODE_SYSTEMS.ctv3],
  allowLocalCodes: true,
});

/** The coding the catalogue says an item of this concept carries in P20002's CTV3 system. */
function expectedCoding(key: string): fhir4.Coding {
  const ctv3 = concept(key).ctv3;
  return { system: ctv3.local ? LOCAL_SYSTEM : CODE_SYSTEMS.ctv3, code: ctv3.code, display: ctv3.term };
}

function index(record: CanonicalRecord): Map<string, fhir4.Resource> {
  const all = [
    record.patient,
    record.practice,
    ...record.practitioners,
    ...record.practitionerRoles,
    ...record.resources,
  ];
  return new Map(all.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
}

function get<T extends fhir4.Resource>(byRef: Map<string, fhir4.Resource>, ref: string): T {
  const found = byRef.get(ref);
  if (!found) throw new Error(`${ref} is missing from the record`);
  return found as T;
}

/** Every `reference` anywhere in a resource. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'reference' && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}

/** The canonical conventions of canonical.ts (the kit's record checks), and R4 validity of every resource. */
async function assertCanonical(record: CanonicalRecord): Promise<void> {
  expect({
    ids: idProblems(record),
    patientReferences: patientReferenceProblems(record),
    references: referenceProblems(record),
    codings: codingProblems(record, { nativeCodeSystems: [CODE_SYSTEMS.ctv3], allowLocalCodes: true }),
  }).toEqual({ ids: [], patientReferences: [], references: [], codings: [] });
  for (const resource of allResources(record)) await assertValidR4(resource);
}

function codingOf(resource: fhir4.Resource): fhir4.CodeableConcept | undefined {
  const r = resource as { code?: fhir4.CodeableConcept; vaccineCode?: fhir4.CodeableConcept; type?: unknown };
  return (
    r.code ??
    r.vaccineCode ??
    (resource.resourceType === 'DocumentReference' ? (r.type as fhir4.CodeableConcept) : undefined)
  );
}

describe('JsonCtv3Adapter record of 9990000026 (full record)', () => {
  let record: CanonicalRecord;
  let byRef: Map<string, fhir4.Resource>;
  let demo: SyntheticPatient;

  beforeAll(async () => {
    demo = sims.dataset.findPatient(ODS, '9990000026')!;
    const found = await adapter().getRecord('9990000026', ALL, ctx());
    if (!found) throw new Error('no record for 9990000026');
    record = found;
    byRef = index(record);
  });

  it('follows the canonical conventions, every resource valid R4', async () => {
    await assertCanonical(record);
  });

  it('carries the patient, the practice, and the usual GP first among the practitioners', () => {
    const d = demo.demographics;
    expect(record.patient.id).toBe(demo.sourceId);
    expect(record.patient.identifier).toEqual([{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: d.nhsNumber }]);
    expect(record.patient.generalPractitioner?.map((r) => r.reference)).toEqual([
      `Practitioner/${d.usualGp.sdsUserId}`,
      `Organization/${ODS}`,
    ]);
    expect(record.practice).toMatchObject({
      id: ODS,
      identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: ODS }],
      name: 'Moorland Surgery',
      address: [{ postalCode: 'S11 8HW' }],
    });
    expect(record.practitioners[0]).toMatchObject({
      id: d.usualGp.sdsUserId,
      identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-user-id', value: d.usualGp.sdsUserId }],
      name: [{ family: d.usualGp.name.family }],
    });
    expect(record.practitionerRoles.map((r) => r.practitioner?.reference)).toEqual(
      record.practitioners.map((p) => `Practitioner/${p.id}`),
    );
  });

  it('keeps the CTV3 coding and the recorded text of every item, each in its place', () => {
    const r = demo.record;
    const items: [ItemBase, string][] = [
      ...r.allergies.map((i): [ItemBase, string] => [i, 'AllergyIntolerance']),
      ...r.medications.map((i): [ItemBase, string] => [i, 'Medication']),
      ...r.problems.map((i): [ItemBase, string] => [i, 'Condition']),
      ...r.observations.map((i): [ItemBase, string] => [i, 'Observation']),
      ...r.immunisations.map((i): [ItemBase, string] => [i, 'Immunization']),
      ...r.testResults.map((i): [ItemBase, string] => [i, 'DiagnosticReport']),
      ...r.referrals.map((i): [ItemBase, string] => [i, 'ServiceRequest']),
      ...r.documents.map((i): [ItemBase, string] => [i, 'DocumentReference']),
    ];
    expect(items.length).toBeGreaterThan(20);
    for (const [item, type] of items) {
      const resource = get(byRef, `${type}/${item.id}`);
      expect(codingOf(resource)).toEqual({ coding: [expectedCoding(item.concept)], text: item.term });
      expect(hasConfidentialityLabel(resource)).toBe(false);
    }
    // A full P20002 record is all CTV3 (local-only concepts are P30003's).
    expect(items.filter(([i]) => concept(i.concept).ctv3.local)).toEqual([]);
  });

  it('keeps the source dates with their precision', () => {
    const r = demo.record;
    const partial = r.allergies.filter((a) => a.date.length < 10);
    expect(partial.length).toBeGreaterThan(0);
    for (const a of r.allergies) {
      expect(get<fhir4.AllergyIntolerance>(byRef, `AllergyIntolerance/${a.id}`).onsetDateTime).toBe(a.date);
    }
    for (const p of r.problems) {
      const condition = get<fhir4.Condition>(byRef, `Condition/${p.id}`);
      expect(condition.onsetDateTime).toBe(p.date);
      expect(condition.abatementDateTime).toBe(p.endDate);
    }
    for (const i of r.immunisations) {
      expect(get<fhir4.Immunization>(byRef, `Immunization/${i.id}`).occurrenceDateTime).toMatch(FHIR_DATE);
      expect(get<fhir4.Immunization>(byRef, `Immunization/${i.id}`).occurrenceDateTime).toBe(i.date);
    }
  });

  it('maps allergies as active or resolved, the resolved one with its end', () => {
    for (const a of demo.record.allergies) {
      const allergy = get<fhir4.AllergyIntolerance>(byRef, `AllergyIntolerance/${a.id}`);
      expect(allergy.clinicalStatus?.coding?.[0]?.code).toBe(a.status);
      expect(allergy.category).toEqual([a.category === 'drug' ? 'medication' : 'environment']);
      expect(allergy.reaction?.[0]?.manifestation[0]?.text).toBe(a.reaction);
    }
    const resolved = demo.record.allergies.find((a) => a.status === 'resolved')!;
    expect(get<fhir4.AllergyIntolerance>(byRef, `AllergyIntolerance/${resolved.id}`).extension).toEqual([
      {
        url: ALLERGY_END_EXTENSION,
        extension: [
          { url: 'endDate', valueDateTime: resolved.endDate },
          { url: 'reasonEnded', valueString: resolved.endReason },
        ],
      },
    ]);
  });

  it('maps medication to Medication, MedicationStatement, a plan and one order per issue', () => {
    const repeat = demo.record.medications.find((m) => m.type === 'repeat')!;
    const acute = demo.record.medications.find((m) => m.type === 'acute')!;
    for (const m of [repeat, acute]) {
      const plan = get<fhir4.MedicationRequest>(byRef, `MedicationRequest/${m.id}`);
      expect(plan).toMatchObject({
        intent: 'plan',
        medicationReference: { reference: `Medication/${m.id}` },
        authoredOn: m.date,
        requester: { reference: `Practitioner/${m.prescriberSdsUserId}` },
        dosageInstruction: [{ text: m.dosage }],
        dispenseRequest: { quantity: { value: m.quantity.value, unit: m.quantity.unit } },
      });
      expect(plan.extension).toContainEqual({ url: EXTENSIONS.prescriptionType, valueCode: m.type });
      expect(get<fhir4.MedicationStatement>(byRef, `MedicationStatement/${m.id}`)).toMatchObject({
        basedOn: [{ reference: `MedicationRequest/${m.id}` }],
        medicationReference: { reference: `Medication/${m.id}` },
        status: m.status === 'stopped' ? 'stopped' : m.status,
      });
      for (const issue of m.issues) {
        expect(get<fhir4.MedicationRequest>(byRef, `MedicationRequest/${issue.id}`)).toMatchObject({
          intent: 'order',
          basedOn: [{ reference: `MedicationRequest/${m.id}` }],
          authoredOn: issue.date,
          dispenseRequest: { expectedSupplyDuration: { value: issue.daysSupply, code: 'd' } },
        });
      }
    }
    expect(repeat.issues.length).toBeGreaterThan(1);
    expect(get<fhir4.MedicationRequest>(byRef, `MedicationRequest/${repeat.id}`).extension).toContainEqual({
      url: EXTENSIONS.repeatInformation,
      valueUnsignedInt: repeat.maxIssues,
    });
  });

  it('maps problems with status, significance and their related items', () => {
    const problems = demo.record.problems;
    expect(new Set(problems.map((p) => p.status))).toEqual(new Set(['active', 'inactive']));
    for (const p of problems) {
      const condition = get<fhir4.Condition>(byRef, `Condition/${p.id}`);
      expect(condition.clinicalStatus?.coding?.[0]?.code).toBe(p.status);
      expect(condition.extension).toContainEqual({ url: EXTENSIONS.problemSignificance, valueCode: p.significance });
      const related = (condition.extension ?? [])
        .filter((e) => e.url === EXTENSIONS.relatedClinicalContent)
        .map((e) => e.valueReference?.reference);
      expect(related).toHaveLength(p.linkedItemIds.length + p.consultationIds.length);
      for (const id of p.linkedItemIds) expect(related.some((ref) => ref?.endsWith(`/${id}`))).toBe(true);
      for (const id of p.consultationIds) expect(related).toContain(`Encounter/${id}`);
    }
  });

  it('maps consultations to Encounters that the items recorded in them reference', () => {
    for (const c of demo.record.consultations) {
      const encounter = get<fhir4.Encounter>(byRef, `Encounter/${c.id}`);
      expect(encounter.period?.start).toMatch(new RegExp(`^${c.date}:00[+-]0[01]:00$`));
      expect(encounter.participant?.[0]?.individual?.reference).toBe(`Practitioner/${c.clinicianSdsUserId}`);
      expect(c.itemIds.length).toBeGreaterThan(0);
    }
    const inConsultation = record.resources.filter((r) => references(r).some((ref) => ref.startsWith('Encounter/')));
    const recorded = demo.record.consultations.flatMap((c) => c.itemIds);
    for (const id of recorded) expect(inConsultation.some((r) => r.id === id)).toBe(true);
    const narrated = demo.record.consultations.find((c) => c.narrative?.includes('&'))!;
    expect(get<fhir4.Encounter>(byRef, `Encounter/${narrated.id}`).text).toEqual({
      status: 'additional',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">${narrated.narrative!.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</div>`,
    });
  });

  it('maps immunisations as given or not given', () => {
    const notGiven = demo.record.immunisations.find((i) => !i.given)!;
    const given = demo.record.immunisations.find((i) => i.given)!;
    expect(get<fhir4.Immunization>(byRef, `Immunization/${notGiven.id}`)).toMatchObject({
      status: 'not-done',
      statusReason: { text: notGiven.notGivenReason },
    });
    expect(get<fhir4.Immunization>(byRef, `Immunization/${given.id}`)).toMatchObject({
      status: 'completed',
      lotNumber: given.batch,
    });
  });

  it('maps test results to DiagnosticReports with valued, ranged, interpreted laboratory Observations', () => {
    for (const t of demo.record.testResults) {
      const report = get<fhir4.DiagnosticReport>(byRef, `DiagnosticReport/${t.id}`);
      expect(report.result?.map((r) => r.reference)).toEqual(t.results.map((v) => `Observation/${v.id}`));
      for (const v of t.results) {
        const observation = get<fhir4.Observation>(byRef, `Observation/${v.id}`);
        expect(observation).toMatchObject({
          category: [{ coding: [{ code: 'laboratory' }] }],
          code: { coding: [expectedCoding(v.concept)] },
          valueQuantity: {
            value: v.value.value,
            unit: v.value.unit,
            system: 'http://unitsofmeasure.org',
            code: v.value.unit,
          },
          referenceRange: [{ low: { value: v.referenceRange.low }, high: { value: v.referenceRange.high } }],
          interpretation: [{ coding: [{ code: { normal: 'N', low: 'L', high: 'H' }[v.interpretation] }] }],
        });
      }
    }
    expect(demo.record.testResults.flatMap((t) => t.results).some((v) => v.interpretation === 'low')).toBe(true);
  });

  it('maps the referral and the document, whose content the system serves', async () => {
    const referral = demo.record.referrals[0]!;
    expect(get<fhir4.ServiceRequest>(byRef, `ServiceRequest/${referral.id}`)).toMatchObject({
      intent: 'order',
      status: 'completed',
      priority: 'routine',
      reasonCode: [{ text: referral.reason }],
    });
    const doc = demo.record.documents[0]!;
    const reference = get<fhir4.DocumentReference>(byRef, `DocumentReference/${doc.id}`);
    const attachment = reference.content[0]!.attachment;
    expect(attachment).toMatchObject({ contentType: doc.contentType, size: doc.size, title: doc.title });
    // The supplier's document URL is internal to Lloyd's connection to the practice and never leaves it.
    expect(attachment.url).toBeUndefined();
    const content = await fetch(`${sims.urls.P20002}/api/v2/documents/${doc.id}`);
    expect(content.status).toBe(200);
    expect((await content.arrayBuffer()).byteLength).toBe(doc.size);
  });

  it('reads the same record whatever the page size', async () => {
    const paged = await adapter({ pageSize: 2 }).getRecord('9990000026', ALL, ctx());
    expect(paged).toEqual(record);
  });
});

describe('JsonCtv3Adapter on the other P20002 patients', () => {
  it('marks the confidential items of 9990000069 and leaves the ordinary ones unmarked', async () => {
    const demo = sims.dataset.findPatient(ODS, '9990000069')!;
    const record = (await adapter().getRecord('9990000069', ALL, ctx()))!;
    await assertCanonical(record);
    const byRef = index(record);
    const r = demo.record;
    const confidentialIds = [...r.problems, ...r.observations, ...r.documents]
      .filter((i) => i.confidential)
      .map((i) => i.id);
    expect(confidentialIds.length).toBeGreaterThanOrEqual(3);
    const marked = record.resources.filter(hasConfidentialityLabel);
    for (const id of confidentialIds) expect(marked.some((m) => m.id === id)).toBe(true);
    const secret = r.consultations.find((c) => c.confidential)!;
    expect(hasConfidentialityLabel(get(byRef, `Encounter/${secret.id}`))).toBe(true);
    expect(get<fhir4.Resource>(byRef, `Encounter/${secret.id}`).meta?.security).toEqual([
      expect.objectContaining({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'NOPAT' }),
    ]);
    const ordinary = [...r.allergies, ...r.medications, ...r.immunisations].map((i) => i.id);
    for (const id of ordinary) expect(marked.some((m) => m.id === id)).toBe(false);
    expect(record.resources.length - marked.length).toBeGreaterThan(20);
  });

  it('reports the S-flag of 9990000085 and still reads the record (the access chain decides)', async () => {
    const found = await adapter().findPatient('9990000085', ctx());
    expect(found?.flags).toEqual({ dissent: false, sensitive: true, deceased: false, active: true });
    const record = await adapter().getRecord('9990000085', ALL, ctx());
    expect(record?.patient.identifier?.[0]?.value).toBe('9990000085');
    expect(record?.resources.length).toBeGreaterThan(0);
  });

  it('answers null for a patient it does not know or who is registered elsewhere', async () => {
    await expect(adapter().getRecord('9990000115', ALL, ctx())).resolves.toBeNull();
    await expect(adapter().getRecord('9990000018', ALL, ctx())).resolves.toBeNull();
  });

  it('maps the synthetic patients of P20002 to valid canonical records', async () => {
    const extras = sims.dataset
      .patientsOf(ODS)
      .filter((p) => !['9990000026', '9990000069', '9990000085'].includes(p.demographics.nhsNumber));
    expect(extras).toHaveLength(3);
    for (const p of extras) {
      const record = await adapter().getRecord(p.demographics.nhsNumber, ALL, ctx());
      expect(record?.patient.id).toBe(p.sourceId);
      await assertCanonical(record!);
    }
  });
});
