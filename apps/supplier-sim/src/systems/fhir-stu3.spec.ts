import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from '../generator/generate.js';
import type { SyntheticPatient } from '../generator/model.js';
import { startSimulators, type RunningSimulators } from '../server.js';
import { createFhirStu3System } from './fhir-stu3.js';

type Json = Record<string, unknown>;
type Resource = Json & { resourceType: string; id?: string };

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SNOMED = 'http://snomed.info/sct';
const READV2 = 'http://read.info/readv2';
const ALL_SECTIONS = [
  { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
  { name: 'includeMedication', part: [{ name: 'includePrescriptionIssues', valueBoolean: true }] },
  { name: 'includeConsultations' },
  { name: 'includeProblems' },
  { name: 'includeImmunisations', part: [{ name: 'includeNotGiven', valueBoolean: true }] },
  { name: 'includeUncategorisedData' },
  { name: 'includeInvestigations' },
  { name: 'includeReferrals' },
];

function parameters(nhsNumber: string, ...more: Json[]): Json {
  return {
    resourceType: 'Parameters',
    parameter: [{ name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhsNumber } }, ...more],
  };
}

function resources(bundle: Json): Resource[] {
  return ((bundle['entry'] as { resource: Resource }[] | undefined) ?? []).map((e) => e.resource);
}

function listByCode(bundle: Json, code: string): Json | undefined {
  return resources(bundle).find(
    (r) => r.resourceType === 'List' && (r['code'] as { coding: { code: string }[] }).coding[0]?.code === code,
  );
}

function entryRefs(list: Json | undefined): string[] {
  return ((list?.['entry'] as { item: { reference: string } }[] | undefined) ?? []).map((e) => e.item.reference);
}

/** Every relative reference in a value. */
function references(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'reference' && typeof v === 'string' ? [v] : references(v)));
}

describe('P40004 FHIR STU3 (GP Connect style) system over HTTP', () => {
  let sims: RunningSimulators;
  let base: string;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 11, ports: { P40004: 0 }, extraPatients: 2 });
    base = sims.urls.P40004!;
  });

  afterAll(async () => {
    await sims.close();
  });

  afterEach(async () => {
    await fetch(`${base}/_faults`, { method: 'DELETE' });
  });

  const patient = (nhs: string): SyntheticPatient => {
    const found = sims.dataset.findPatient('P40004', nhs);
    if (!found) throw new Error(`no patient ${nhs} at P40004`);
    return found;
  };

  const record = async (body: Json): Promise<{ status: number; headers: Headers; body: Json }> => {
    const res = await fetch(`${base}/Patient/$gpc.getstructuredrecord`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };

  const search = async (identifier: string) => {
    const res = await fetch(`${base}/Patient?identifier=${encodeURIComponent(identifier)}`);
    return { status: res.status, body: (await res.json()) as Json };
  };

  it('answers /health and /metadata (an STU3 CapabilityStatement with the operation)', async () => {
    const health = await fetch(`${base}/health`);
    expect(await health.json()).toEqual({ status: 'ok', practice: 'P40004', patients: 3 });
    const res = await fetch(`${base}/metadata`);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const capability = (await res.json()) as Json;
    expect(capability).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '3.0.1', kind: 'instance' });
    expect(JSON.stringify(capability['rest'])).toContain('gpc.getstructuredrecord');
  });

  it('finds the demo patient with a Consent that says she shares her record', async () => {
    const { status, body } = await search(`${NHS}|9990000042`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const [found, consent] = resources(body);
    const expected = patient('9990000042');
    expect(found).toMatchObject({
      resourceType: 'Patient',
      id: expected.sourceId,
      identifier: [{ system: NHS, value: '9990000042' }],
      name: [{ family: expected.demographics.name.family }],
      birthDate: expected.demographics.birthDate,
      active: true,
      managingOrganization: { reference: 'Organization/P40004', identifier: { value: 'P40004' } },
    });
    expect(found?.['deceasedDateTime']).toBeUndefined();
    expect(found?.['meta']).not.toHaveProperty('security');
    expect(consent).toMatchObject({
      resourceType: 'Consent',
      status: 'active',
      patient: { reference: `Patient/${expected.sourceId}` },
      policyRule: 'http://hl7.org/fhir/ConsentPolicy/opt-in',
    });
  });

  it('serves the synthetic extras registered at P40004, and no other practice’s patients', async () => {
    const extra = sims.dataset.patientsOf('P40004').find((p) => p.demographics.nhsNumber !== '9990000042')!;
    expect((await search(`${NHS}|${extra.demographics.nhsNumber}`)).body['total']).toBe(1);
    expect((await search(`${NHS}|9990000018`)).body).toMatchObject({ total: 0 });
    expect((await search(`${NHS}|9990000115`)).body).toMatchObject({ total: 0 });
  });

  it('rejects a search with another identifier system, as GP Connect does', async () => {
    const { status, body } = await search('https://example.org/id|9990000042');
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain('INVALID_IDENTIFIER_SYSTEM');
  });

  describe('flags of patients served by the same kind of system', () => {
    let other: FastifyInstance[];
    let url: (ods: string) => string;

    beforeAll(async () => {
      const dataset = new SyntheticDataset({ seed: 11 });
      other = ['P10001', 'P20002'].map((ods) => createFhirStu3System({ dataset, ods }));
      const urls: string[] = [];
      for (const app of other) urls.push(await app.listen({ host: '127.0.0.1', port: 0 }));
      url = (ods) => urls[ods === 'P10001' ? 0 : 1]!;
    });

    afterAll(async () => {
      await Promise.all(other.map((app) => app.close()));
    });

    const find = async (ods: string, nhs: string) => {
      const res = await fetch(`${url(ods)}/Patient?identifier=${encodeURIComponent(`${NHS}|${nhs}`)}`);
      return resources((await res.json()) as Json);
    };

    it('reports dissent as an opt-out Consent', async () => {
      const [, consent] = await find('P10001', '9990000050');
      expect(consent).toMatchObject({
        resourceType: 'Consent',
        policyRule: 'http://hl7.org/fhir/ConsentPolicy/opt-out',
      });
    });

    it('reports death with deceasedDateTime and an inactive registration', async () => {
      const [found] = await find('P10001', '9990000077');
      expect(found?.['deceasedDateTime']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(found?.['active']).toBe(false);
    });

    it('reports the S-flag as a restricted confidentiality label', async () => {
      const [found] = await find('P20002', '9990000085');
      expect(found?.['meta']).toMatchObject({
        security: [{ system: 'http://hl7.org/fhir/v3/Confidentiality', code: 'R' }],
      });
    });
  });

  describe('$gpc.getstructuredrecord for 9990000042 with every section', () => {
    let answer: { status: number; headers: Headers; body: Json };
    let all: Resource[];
    const model = () => patient('9990000042').record;
    const ofType = (type: string) => all.filter((r) => r.resourceType === type);

    beforeAll(async () => {
      answer = await record(parameters('9990000042', ...ALL_SECTIONS));
      all = resources(answer.body);
    });

    it('answers a GP Connect collection Bundle, not to be cached', () => {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    });

    it('holds the patient, the practice and its clinicians', () => {
      expect(ofType('Patient')).toHaveLength(1);
      expect(ofType('Organization')[0]).toMatchObject({ id: 'P40004', identifier: [{ value: 'P40004' }] });
      const gp = patient('9990000042').demographics.usualGp.sdsUserId;
      expect(ofType('Practitioner').map((p) => p.id)).toContain(gp);
      expect(ofType('PractitionerRole').length).toBe(ofType('Practitioner').length);
    });

    it('has one primary List per section with GP Connect’s codes, plus Ended allergies', () => {
      for (const code of [
        '886921000000105',
        '1103671000000101',
        '933361000000108',
        '717711000000103',
        '1149501000000101',
        '1102181000000102',
        '887191000000108',
        '792931000000107',
        '826501000000100',
      ]) {
        expect(listByCode(answer.body, code)).toMatchObject({ status: 'current', mode: 'snapshot' });
      }
    });

    it('lists every item of the record under its section', () => {
      const r = model();
      const active = r.allergies.filter((a) => a.status === 'active').map((a) => `AllergyIntolerance/${a.id}`);
      const resolved = r.allergies.filter((a) => a.status === 'resolved').map((a) => `AllergyIntolerance/${a.id}`);
      expect(resolved.length).toBeGreaterThan(0);
      expect(entryRefs(listByCode(answer.body, '886921000000105')).sort()).toEqual(active.sort());
      expect(entryRefs(listByCode(answer.body, '1103671000000101'))).toEqual(resolved);
      expect(entryRefs(listByCode(answer.body, '933361000000108')).sort()).toEqual(
        r.medications.map((m) => `MedicationStatement/${m.id}-MS`).sort(),
      );
      expect(entryRefs(listByCode(answer.body, '717711000000103')).sort()).toEqual(
        r.problems.map((p) => `Condition/${p.id}`).sort(),
      );
      expect(entryRefs(listByCode(answer.body, '1149501000000101')).sort()).toEqual(
        r.consultations.map((c) => `Encounter/${c.id}`).sort(),
      );
      expect(entryRefs(listByCode(answer.body, '1102181000000102')).sort()).toEqual(
        r.immunisations.map((i) => `Immunization/${i.id}`).sort(),
      );
      expect(entryRefs(listByCode(answer.body, '887191000000108')).sort()).toEqual(
        r.testResults.map((t) => `DiagnosticReport/${t.id}`).sort(),
      );
      expect(entryRefs(listByCode(answer.body, '792931000000107'))).toEqual(
        r.referrals.map((f) => `ReferralRequest/${f.id}`),
      );
      expect(entryRefs(listByCode(answer.body, '826501000000100')).sort()).toEqual(
        r.observations.map((o) => `Observation/${o.id}`).sort(),
      );
    });

    it('gives medication as statement, authorisation (plan) and one order per issue', () => {
      const r = model();
      const requests = ofType('MedicationRequest');
      expect(requests.filter((m) => m['intent'] === 'plan')).toHaveLength(r.medications.length);
      expect(requests.filter((m) => m['intent'] === 'order')).toHaveLength(
        r.medications.flatMap((m) => m.issues).length,
      );
      const repeat = r.medications.find((m) => m.type === 'repeat')!;
      const plan = requests.find((m) => m.id === repeat.id);
      expect(JSON.stringify(plan?.['extension'])).toContain('"code":"repeat"');
      expect(ofType('Medication')).toHaveLength(r.medications.length);
    });

    it('has the resolved allergy, the not-given immunisation and the test values with ranges', () => {
      const resolved = ofType('AllergyIntolerance').find((a) => a['clinicalStatus'] === 'resolved');
      expect(JSON.stringify(resolved?.['extension'])).toContain('AllergyIntoleranceEnd');
      expect(ofType('Immunization').filter((i) => i['notGiven'] === true)).toHaveLength(1);
      const values = ofType('Observation').filter((o) => o['referenceRange'] !== undefined);
      expect(values.length).toBe(model().testResults.flatMap((t) => t.results).length);
      expect(values[0]).toMatchObject({ valueQuantity: { value: expect.any(Number) as unknown }, interpretation: {} });
    });

    it('codes every clinical item in SNOMED CT, with Read v2 beside it', () => {
      const codings = (r: Resource) => (r['code'] as { coding: { system: string; code: string }[] }).coding;
      const coded = all.filter((r) =>
        ['AllergyIntolerance', 'Condition', 'Medication', 'Observation'].includes(r.resourceType),
      );
      // Consultation notes carry GP Connect's "Comment note" code, which has no Read v2 equivalent.
      const notes = coded.filter((r) => codings(r).some((c) => c.code === '37331000000100'));
      expect(notes.length).toBeGreaterThan(0);
      for (const r of coded) expect(codings(r).map((c) => c.system)).toContain(SNOMED);
      for (const r of coded.filter((c) => !notes.includes(c)))
        expect(codings(r).map((c) => c.system)).toContain(READV2);
    });

    it('holds no duplicates, and every reference resolves within the Bundle', () => {
      const keys = all.filter((r) => r.id).map((r) => `${r.resourceType}/${r.id ?? ''}`);
      expect(new Set(keys).size).toBe(keys.length);
      const known = new Set(keys);
      expect(references(all).filter((ref) => !known.has(ref))).toEqual([]);
    });

    it('files each consultation’s items under topic and heading Lists', () => {
      const consultation = model().consultations.find((c) => c.itemIds.length > 2)!;
      const top = all.find((r) => r.id === `${consultation.id}-LST`)!;
      expect(top).toMatchObject({ encounter: { reference: `Encounter/${consultation.id}` } });
      const topic = all.find((r) => `List/${r.id ?? ''}` === entryRefs(top)[0])!;
      const filed = entryRefs(topic).flatMap((h) => entryRefs(all.find((r) => `List/${r.id ?? ''}` === h)));
      for (const id of consultation.itemIds) expect(filed.some((ref) => ref.endsWith(`/${id}`))).toBe(true);
    });

    it('links problems to their consultations and items', () => {
      const problem = model().problems.find((p) => p.linkedItemIds.length > 0)!;
      const condition = ofType('Condition').find((c) => c.id === problem.id)!;
      const related = JSON.stringify(condition['extension']);
      for (const id of [...problem.consultationIds, ...problem.linkedItemIds]) expect(related).toContain(id);
    });

    it('answers the same every time (deterministic)', async () => {
      expect((await record(parameters('9990000042', ...ALL_SECTIONS))).body).toEqual(answer.body);
    });
  });

  it('honours the parts that choose content: resolved allergies, prescription issues', async () => {
    const { body } = await record(
      parameters(
        '9990000042',
        { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: false }] },
        { name: 'includeMedication', part: [{ name: 'includePrescriptionIssues', valueBoolean: false }] },
      ),
    );
    const all = resources(body);
    expect(listByCode(body, '1103671000000101')).toBeUndefined();
    expect(
      all.filter((r) => r.resourceType === 'AllergyIntolerance').every((a) => a['clinicalStatus'] === 'active'),
    ).toBe(true);
    expect(all.filter((r) => r['intent'] === 'order')).toEqual([]);
    expect(listByCode(body, '717711000000103')).toBeUndefined();
  });

  it('answers the patient and practice alone when no section is asked for', async () => {
    const { status, body } = await record(parameters('9990000042'));
    expect(status).toBe(200);
    const types = new Set(resources(body).map((r) => r.resourceType));
    expect([...types].sort()).toEqual(['Location', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole']);
  });

  it('pulls documents in through the problems that link them, with a secondary List', async () => {
    const { body } = await record(parameters('9990000042', { name: 'includeProblems' }));
    const documents = resources(body).filter((r) => r.resourceType === 'DocumentReference');
    expect(documents).toHaveLength(1);
    const secondary = resources(body).find((r) => r['title'] === 'Problems - documents related to problems');
    expect(entryRefs(secondary)).toEqual([`DocumentReference/${documents[0]?.id ?? ''}`]);
  });

  it('warns about an unknown parameter and still answers', async () => {
    const { status, body } = await record(parameters('9990000042', { name: 'includeEverything' }));
    expect(status).toBe(200);
    const outcome = resources(body).find((r) => r.resourceType === 'OperationOutcome');
    expect(JSON.stringify(outcome)).toContain('includeEverything');
  });

  it.each([
    ['no NHS number', { resourceType: 'Parameters', parameter: [] }, 422, 'INVALID_PARAMETER'],
    ['not Parameters', { resourceType: 'Patient' }, 422, 'INVALID_RESOURCE'],
    ['a bad check digit', parameters('9990000041'), 400, 'INVALID_NHS_NUMBER'],
    ['a missing mandatory part', parameters('9990000042', { name: 'includeAllergies' }), 422, 'INVALID_PARAMETER'],
    ['an unknown patient', parameters('9990000115'), 404, 'PATIENT_NOT_FOUND'],
  ])('answers %s with a GP Connect error', async (_label, body, status, code) => {
    const answer = await record(body);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ details: { coding: [{ code }] } }],
    });
  });

  it('searches and serves the patient’s documents (bytes or FHIR Binary)', async () => {
    const p = patient('9990000042');
    const res = await fetch(`${base}/Patient/${p.sourceId}/DocumentReference`);
    const bundle = (await res.json()) as Json;
    const [doc] = resources(bundle);
    const document = p.record.documents[0]!;
    const url = (doc?.['content'] as { attachment: { url: string; size: number } }[])[0]?.attachment;
    expect(url?.url).toBe(`${base}/Binary/${document.id}`);
    const bytes = Buffer.from(await (await fetch(url!.url)).arrayBuffer());
    expect(bytes.length).toBe(document.size);
    const binary = (await (await fetch(url!.url, { headers: { accept: 'application/fhir+json' } })).json()) as Json;
    expect(binary).toMatchObject({ resourceType: 'Binary', contentType: document.contentType });
    expect(Buffer.from(String(binary['content']), 'base64').equals(bytes)).toBe(true);
    expect((await fetch(`${base}/Binary/nope`)).status).toBe(404);
  });

  it('has fault injection installed, with failures in its own format', async () => {
    const res = await fetch(`${base}/metadata`, { headers: { 'x-sim-fail': '503' } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as Json)['resourceType']).toBe('OperationOutcome');
    await fetch(`${base}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ drop: true }),
    });
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});
