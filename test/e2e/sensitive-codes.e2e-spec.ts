import { referencesIn } from '@lloyd/fhir';
import { startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SNOMED = 'http://snomed.info/sct';
const READ_V2 = 'http://read.info/readv2';
const LIST_WARNING = 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListWarningCode-1';
/** The Problems list's SNOMED code in GP Connect. */
const PROBLEMS_LIST = '717711000000103';
/** Low back pain: 9990000018's inactive problem, sent by P10001 in Read v2 (N142.) and translated by Lloyd. */
const LOW_BACK_PAIN = '279039007';
/** Amlodipine 5mg tablets: the drug of the medication that 9990000018's hypertension links to (Read v2 blb1.). */
const AMLODIPINE = '319283006';
/** GP Connect's secondary list of the medications the problems link to. */
const PROBLEM_MEDICATIONS = 'problems-medications-related-to-problems';

/**
 * An item coded with a concept of a configured sensitive category is withheld like a confidential one, though the
 * practice did not mark it: here a Read v2 problem, matched on the SNOMED CT coding that translation adds.
 */
describe('sensitive data categories (access.sensitiveCodes)', () => {
  let lloyd: RunningLloyd;
  let token: string;

  beforeAll(async () => {
    lloyd = await startLloyd({
      overrides: { access: { sensitiveCodes: { 'test-category': [LOW_BACK_PAIN], 'test-drugs': [AMLODIPINE] } } },
    });
    token = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
  });
  afterAll(() => lloyd?.close());

  /** The structured record of 9990000018 with these areas, as resources (status checked). */
  async function structuredRecord(...areas: fhir4.ParametersParameter[]): Promise<fhir4.Resource[]> {
    const res = await fetch(`${lloyd.base}/fhir/Patient/$gpc.getstructuredrecord`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: [{ name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: '9990000018' } }, ...areas],
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as fhir4.Bundle).entry!.map((e) => e.resource!);
  }

  const hasCode = (r: fhir4.Resource, system: string, code: string) =>
    ((r as { code?: fhir4.CodeableConcept }).code?.coding ?? []).some((c) => c.system === system && c.code === code);

  it('leaves the item out of the structured record, says so on its list, and leaves nothing naming it', async () => {
    const resources = await structuredRecord({ name: 'includeProblems' }, { name: 'includeConsultations' });
    const conditions = resources.filter((r) => r.resourceType === 'Condition');
    // The other problems are there; the sensitive one is not, by either of its codes.
    expect(conditions.length).toBeGreaterThan(0);
    expect(conditions.some((r) => hasCode(r, READ_V2, 'N142.') || hasCode(r, SNOMED, LOW_BACK_PAIN))).toBe(false);
    const problems = resources.find(
      (r): r is fhir4.List => r.resourceType === 'List' && (r as fhir4.List).code?.coding?.[0]?.code === PROBLEMS_LIST,
    );
    expect(problems?.extension?.map((e) => e.valueCode)).toContain('confidential-items');
    // Every reference resolves within the Bundle: nothing points at the withheld problem.
    const held = new Set(resources.map((r) => `${r.resourceType}/${r.id ?? ''}`));
    const dangling = resources.flatMap((r) =>
      referencesIn(r).filter((ref) => /^(Condition|Observation|Encounter)\//.test(ref) && !held.has(ref)),
    );
    expect(dangling).toEqual([]);
  });

  it('withholds a medication by its drug, and the list of what the problems link to says so', async () => {
    const resources = await structuredRecord({ name: 'includeProblems' });
    const medications = resources.filter((r) => r.resourceType === 'Medication');
    expect(medications.some((r) => hasCode(r, SNOMED, AMLODIPINE))).toBe(false);
    // The other linked medication (the angina's aspirin) is still listed; the list warns that one was withheld.
    const linked = resources.find(
      (r): r is fhir4.List =>
        r.resourceType === 'List' && (r as fhir4.List).code?.coding?.[0]?.code === PROBLEM_MEDICATIONS,
    );
    expect(linked?.entry?.length).toBeGreaterThan(0);
    expect(linked?.extension?.map((e) => e.valueCode)).toContain('confidential-items');
    const hypertension = resources.find((r) => hasCode(r, SNOMED, '38341003')) as fhir4.Condition;
    const held = new Set(resources.map((r) => `${r.resourceType}/${r.id ?? ''}`));
    expect(referencesIn(hypertension).filter((ref) => !held.has(ref) && !ref.startsWith('Encounter/'))).toEqual([]);
  });

  it('leaves it out of a RESTful search, with the confidential-items warning', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const found = (await (
      await fetch(`${lloyd.base}/fhir/Patient?identifier=${NHS}|9990000018`, { headers })
    ).json()) as fhir4.Bundle;
    const patientId = found.entry![0]!.resource!.id!;
    const res = await fetch(`${lloyd.base}/fhir/Condition?patient=${patientId}`, { headers });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as fhir4.Bundle;
    const matches = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'outcome').map((e) => e.resource!);
    expect(matches.length).toBeGreaterThan(0);
    expect(matches.some((r) => hasCode(r, SNOMED, LOW_BACK_PAIN))).toBe(false);
    const outcome = (bundle.entry ?? []).find((e) => e.resource?.resourceType === 'OperationOutcome')?.resource as
      fhir4.OperationOutcome | undefined;
    expect(
      outcome?.issue.some((i) =>
        i.details?.coding?.some((c) => c.system === LIST_WARNING && c.code === 'confidential-items'),
      ),
    ).toBe(true);
  });
});
