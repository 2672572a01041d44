import { CLINICAL_TYPES, EXTENSIONS } from '@lloyd/adapters-core';
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { referencesIn } from '@lloyd/fhir';
import { ALL_AREAS, startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SNOMED = 'http://snomed.info/sct';
const DEGRADED = 'https://fhir.lloyd.example/StructureDefinition/degraded-code';
/** GP Connect's code system for secondary lists (what problems link to, what consultations contain). */
const SECONDARY_LISTS = 'https://fhir.hl7.org.uk/STU3/CodeSystem/GPConnect-SecondaryListValues-1';

const LIST_CODES = {
  allergies: '886921000000105',
  endedAllergies: '1103671000000101',
  medications: '933361000000108',
  problems: '717711000000103',
  consultations: '1149501000000101',
  immunisations: '1102181000000102',
  investigations: '887191000000108',
  referrals: '792931000000107',
  uncategorised: '826501000000100',
};

const parameters = (nhsNumber: string, ...rest: fhir4.ParametersParameter[]): fhir4.Parameters => ({
  resourceType: 'Parameters',
  parameter: [{ name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhsNumber } }, ...rest],
});

const codedElements = (r: fhir4.Resource): fhir4.CodeableConcept[] => {
  const any = r as unknown as Record<string, fhir4.CodeableConcept | undefined>;
  return ['code', 'vaccineCode', 'medicationCodeableConcept']
    .map((k) => any[k])
    .filter((c): c is fhir4.CodeableConcept => Boolean(c?.coding));
};

describe('federated record view: the four supplier systems through one FHIR API', () => {
  let lloyd: RunningLloyd;
  let token: string;

  beforeAll(async () => {
    lloyd = await startLloyd();
    token = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
  });
  afterAll(() => lloyd?.close());

  const structured = async (body: fhir4.Parameters) => {
    const res = await fetch(`${lloyd.base}/fhir/Patient/$gpc.getstructuredrecord`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
    return { res, bundle: (await res.json()) as fhir4.Bundle };
  };
  const resources = (bundle: fhir4.Bundle) => (bundle.entry ?? []).map((e) => e.resource!);
  const listOf = (bundle: fhir4.Bundle, code: string) =>
    resources(bundle).find(
      (r): r is fhir4.List => r.resourceType === 'List' && (r as fhir4.List).code?.coding?.[0]?.code === code,
    );

  describe.each([
    ['9990000018', 'P10001', 'http://read.info/readv2', false],
    ['9990000026', 'P20002', 'http://read.info/ctv3', false],
    ['9990000034', 'P30003', undefined, true],
    ['9990000042', 'P40004', undefined, false],
  ])('patient %s at %s', (nhsNumber, ods, nativeSystem, hasLocalCodes) => {
    let bundle: fhir4.Bundle;
    let res: Response;

    beforeAll(async () => {
      ({ res, bundle } = await structured(parameters(nhsNumber, ...ALL_AREAS)));
    });

    it('answers a valid R4 collection Bundle with no-store caching', async () => {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(bundle.type).toBe('collection');
      await assertValidR4(bundle);
    });

    it('holds the patient, the registered practice and the usual GP, without duplicates', () => {
      const all = resources(bundle);
      const patient = all.find((r) => r.resourceType === 'Patient') as fhir4.Patient;
      expect(patient.identifier?.find((i) => i.system === NHS)?.value).toBe(nhsNumber);
      const practice = all.find((r) => r.resourceType === 'Organization') as fhir4.Organization;
      expect(practice.identifier?.some((i) => i.value === ods)).toBe(true);
      expect(all.some((r) => r.resourceType === 'Practitioner')).toBe(true);
      const keys = all.map((r) => `${r.resourceType}/${r.id ?? ''}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('has one List per area, each with GP Connect code and items or an empty reason', () => {
      for (const code of Object.values(LIST_CODES)) {
        const list = listOf(bundle, code);
        expect(list).toBeDefined();
        expect(list!.status).toBe('current');
        expect(list!.mode).toBe('snapshot');
        expect(Boolean(list!.entry?.length) || list!.emptyReason?.coding?.[0]?.code === 'no-content-recorded').toBe(
          true,
        );
      }
      for (const code of [
        LIST_CODES.allergies,
        LIST_CODES.endedAllergies,
        LIST_CODES.medications,
        LIST_CODES.problems,
        LIST_CODES.consultations,
        LIST_CODES.immunisations,
        LIST_CODES.investigations,
        LIST_CODES.referrals,
      ]) {
        expect(listOf(bundle, code)?.entry?.length ?? 0).toBeGreaterThan(0);
      }
    });

    it('resolves every list entry to a resource in the bundle', () => {
      const keys = new Set(resources(bundle).map((r) => `${r.resourceType}/${r.id ?? ''}`));
      for (const list of resources(bundle).filter((r): r is fhir4.List => r.resourceType === 'List')) {
        for (const entry of list.entry ?? []) expect(keys).toContain(entry.item.reference);
      }
    });

    it('gives translatable coded items a SNOMED CT coding and keeps the original coding', () => {
      const clinical = resources(bundle).filter((r) =>
        ['AllergyIntolerance', 'Condition', 'Immunization', 'Medication'].includes(r.resourceType),
      );
      expect(clinical.length).toBeGreaterThan(0);
      const translated = clinical
        .flatMap(codedElements)
        .filter((concept) => !concept.extension?.some((e) => e.url === DEGRADED));
      expect(translated.length).toBeGreaterThan(0);
      expect(translated.filter((concept) => !concept.coding?.some((c) => c.system === SNOMED))).toEqual([]);
      const withoutNative = translated.filter(
        (concept) => !concept.coding?.some((c) => c.system === (nativeSystem ?? SNOMED)),
      );
      expect(withoutNative).toEqual([]);
    });

    it('lists the resolved allergy under ended allergies, with its end date', () => {
      const keys = (listOf(bundle, LIST_CODES.endedAllergies)?.entry ?? []).map((e) => e.item.reference);
      const ended = resources(bundle).filter(
        (r): r is fhir4.AllergyIntolerance =>
          r.resourceType === 'AllergyIntolerance' && keys.includes(`AllergyIntolerance/${r.id ?? ''}`),
      );
      expect(ended.length).toBeGreaterThan(0);
      for (const allergy of ended) {
        expect(allergy.clinicalStatus?.coding?.[0]?.code).toBe('resolved');
        const end = allergy.extension?.find((e) => e.url === EXTENSIONS.allergyEnd);
        expect(end?.extension?.find((e) => e.url === 'endDate')?.valueDateTime).toMatch(/^\d{4}/);
      }
    });

    it('gives every medication authorisation and issue its course of therapy, acute and repeat among them', () => {
      const plans = resources(bundle).filter(
        (r): r is fhir4.MedicationRequest =>
          r.resourceType === 'MedicationRequest' && (r as fhir4.MedicationRequest).intent === 'plan',
      );
      const courses = plans.map((p) => p.courseOfTherapyType?.coding?.[0]?.code);
      expect(new Set(courses)).toEqual(new Set(['acute', 'continuous']));
      const issues = resources(bundle).filter(
        (r): r is fhir4.MedicationRequest =>
          r.resourceType === 'MedicationRequest' && (r as fhir4.MedicationRequest).intent === 'order',
      );
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.filter((i) => !i.courseOfTherapyType).map((i) => i.id)).toEqual([]);
    });

    it('holds everything its items name: every reference resolves in the bundle', () => {
      // Clinicians, organisations and locations, and (all areas being asked for) every linked item, documents too.
      const all = resources(bundle);
      const keys = new Set(all.map((r) => `${r.resourceType}/${r.id ?? ''}`));
      const dangling = new Set(all.flatMap(referencesIn).filter((ref) => !keys.has(ref)));
      expect([...dangling]).toEqual([]);
      expect(all.filter((r) => r.resourceType === 'Practitioner').length).toBeGreaterThan(1);
    });

    it('returns what the problems link to and the consultations contain in GP Connect secondary lists', () => {
      const secondary = resources(bundle).filter(
        (r): r is fhir4.List =>
          r.resourceType === 'List' && (r as fhir4.List).code?.coding?.[0]?.system === SECONDARY_LISTS,
      );
      const codes = secondary.map((l) => l.code?.coding?.[0]?.code);
      expect(codes).toEqual(
        expect.arrayContaining([
          'problems-documents-related-to-problems',
          'problems-medications-related-to-problems',
          'consultations-medications-contained-in-consultations',
          'consultations-problems-contained-in-consultations',
        ]),
      );
      expect(new Set(codes).size).toBe(codes.length);
      for (const list of secondary) expect(list.entry?.length ?? 0).toBeGreaterThan(0);
      const document = listOf(bundle, 'problems-documents-related-to-problems')?.entry?.[0]?.item.reference;
      expect(document).toMatch(/^DocumentReference\//);
    });

    it('names who made each referral, a clinician in the bundle', () => {
      const all = resources(bundle);
      const practitioners = new Set(
        all.filter((r) => r.resourceType === 'Practitioner').map((r) => `Practitioner/${r.id}`),
      );
      const referrals = all.filter((r): r is fhir4.ServiceRequest => r.resourceType === 'ServiceRequest');
      expect(referrals.length).toBeGreaterThan(0);
      expect(referrals.map((r) => practitioners.has(r.requester?.reference ?? ''))).not.toContain(false);
    });

    it('says when each medication was last issued: its latest issue', () => {
      const all = resources(bundle);
      const issues = all.filter(
        (r): r is fhir4.MedicationRequest =>
          r.resourceType === 'MedicationRequest' && (r as fhir4.MedicationRequest).intent === 'order',
      );
      const statements = all.filter((r): r is fhir4.MedicationStatement => r.resourceType === 'MedicationStatement');
      const checked = statements.filter((statement) => {
        const plans = new Set((statement.basedOn ?? []).map((b) => b.reference));
        const dates = issues
          .filter((i) => (i.basedOn ?? []).some((b) => plans.has(b.reference)))
          .map((i) => i.authoredOn!.slice(0, 10))
          .sort();
        const stated = statement.extension?.find((e) => e.url === EXTENSIONS.lastIssueDate)?.valueDateTime;
        if (dates.length === 0) return false;
        expect(stated?.slice(0, 10)).toBe(dates.at(-1));
        return true;
      });
      expect(checked.length).toBeGreaterThan(0);
    });

    it(`degrades ${hasLocalCodes ? 'only its local codes' : 'nothing: every code it holds has a map'}`, () => {
      // Clinical items, and the primary Lists (SNOMED CT coded); secondary Lists carry GP Connect's own codes.
      const coded = resources(bundle)
        .filter((r) => !(r.resourceType === 'List' && (r as fhir4.List).code?.coding?.[0]?.system === SECONDARY_LISTS))
        .filter((r) => codedElements(r).length > 0);
      expect(coded.length).toBeGreaterThan(20);
      const isDegraded = (r: fhir4.Resource) =>
        Boolean((r as fhir4.DomainResource).extension?.some((e) => e.url === DEGRADED));
      const withoutSnomed = coded
        .filter((r) => !isDegraded(r))
        .filter((r) => !codedElements(r).some((concept) => concept.coding?.some((c) => c.system === SNOMED)))
        .map((r) => `${r.resourceType}/${r.id ?? ''}`);
      expect(withoutSnomed).toEqual([]);
      const degraded = coded.filter(isDegraded);
      const warned = resources(bundle).some(
        (r) =>
          r.resourceType === 'OperationOutcome' &&
          (r as fhir4.OperationOutcome).issue.some((i) => i.diagnostics?.includes('could not be translated')),
      );
      expect({ degraded: degraded.length > 0, warned }).toEqual({ degraded: hasLocalCodes, warned: hasLocalCodes });
    });
  });

  it('keeps untranslatable items of 9990000034, marked degraded, and counts them', async () => {
    const { bundle } = await structured(parameters('9990000034', ...ALL_AREAS));
    const degraded = resources(bundle).filter((r) =>
      (r as fhir4.DomainResource).extension?.some((e) => e.url === DEGRADED),
    );
    expect(degraded.length).toBeGreaterThan(0);
    for (const r of degraded) {
      const concept = codedElements(r)[0];
      expect(concept?.coding?.length).toBeGreaterThan(0);
      expect(concept?.text).toBeTruthy();
    }
    const outcome = resources(bundle).find((r) => r.resourceType === 'OperationOutcome') as fhir4.OperationOutcome;
    expect(outcome.issue.some((i) => i.diagnostics?.includes(`${degraded.length} record item`))).toBe(true);
    const metrics = await (await fetch(`${lloyd.base}/metrics`)).text();
    expect(metrics).toMatch(/lloyd_degraded_codes_total\{ods="P30003"\} [1-9]/);
  });

  it('revalidates an unchanged record with the supplier rather than reading it again, and counts how', async () => {
    const count = async (ods: string, outcome: string) => {
      const metrics = await (await fetch(`${lloyd.base}/metrics`)).text();
      const line = new RegExp(`lloyd_supplier_conditional_reads_total\\{ods="${ods}",outcome="${outcome}"\\} (\\d+)`);
      return Number(line.exec(metrics)?.[1] ?? 0);
    };
    for (const [nhs, ods] of [
      ['9990000018', 'P10001'],
      ['9990000026', 'P20002'],
    ] as const) {
      await structured(parameters(nhs, ...ALL_AREAS));
      const before = await count(ods, 'not-modified');
      const { bundle } = await structured(parameters(nhs, ...ALL_AREAS));
      expect(resources(bundle).length).toBeGreaterThan(10);
      // The search and the record (one or more journal pages) were each answered 304.
      expect((await count(ods, 'not-modified')) - before).toBeGreaterThanOrEqual(2);
    }
  });

  it('answers a partial record, naming the area, when one area of the supplier fails', async () => {
    const faults = `${lloyd.sims.urls.P40004!}/_faults/areas`;
    await fetch(faults, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fail: ['includeImmunisations'] }),
    });
    try {
      const { res, bundle } = await structured(parameters('9990000042', ...ALL_AREAS));
      expect(res.status).toBe(200);
      expect(listOf(bundle, LIST_CODES.immunisations)).toBeUndefined();
      // Only an immunisation a consultation contains can still be there: the consultations area was read.
      const contained = (listOf(bundle, 'consultations-immunisations-contained-in-consultations')?.entry ?? []).map(
        (e) => e.item.reference,
      );
      const immunisations = resources(bundle).filter((r) => r.resourceType === 'Immunization');
      expect(immunisations.map((r) => `Immunization/${r.id ?? ''}`).filter((ref) => !contained.includes(ref))).toEqual(
        [],
      );
      for (const code of [
        LIST_CODES.allergies,
        LIST_CODES.medications,
        LIST_CODES.problems,
        LIST_CODES.investigations,
      ]) {
        expect(listOf(bundle, code)?.entry?.length).toBeGreaterThan(0);
      }
      const outcome = resources(bundle).find((r) => r.resourceType === 'OperationOutcome') as fhir4.OperationOutcome;
      const warning = outcome.issue.find((i) => i.expression?.includes('includeImmunisations'));
      expect(warning?.severity).toBe('warning');
      expect(warning?.diagnostics).toContain('immunisations area could not be read');
      await assertValidR4(bundle);
      // Only that area failing on a request for that area alone is a failure, not an empty success.
      const { res: alone } = await structured(parameters('9990000042', { name: 'includeImmunisations' }));
      expect(alone.status).toBe(502);
    } finally {
      await fetch(faults, { method: 'DELETE' });
    }
  });

  it('returns the patient and practice alone when only the NHS number is asked for', async () => {
    const { res, bundle } = await structured(parameters('9990000018'));
    expect(res.status).toBe(200);
    expect(resources(bundle).some((r) => r.resourceType === 'List')).toBe(false);
    expect(resources(bundle).map((r) => r.resourceType)).toEqual(expect.arrayContaining(['Patient', 'Organization']));
  });

  it('applies the problem status filter and leaves resolved allergies out unless asked', async () => {
    const { bundle } = await structured(
      parameters('9990000018', { name: 'includeProblems', part: [{ name: 'filterStatus', valueCode: 'active' }] }),
    );
    const conditions = resources(bundle).filter((r): r is fhir4.Condition => r.resourceType === 'Condition');
    expect(conditions.length).toBeGreaterThan(0);
    expect(conditions.every((c) => c.clinicalStatus?.coding?.[0]?.code === 'active')).toBe(true);
    const { bundle: allergies } = await structured(
      parameters('9990000018', {
        name: 'includeAllergies',
        part: [{ name: 'includeResolvedAllergies', valueBoolean: false }],
      }),
    );
    expect(listOf(allergies, LIST_CODES.endedAllergies)).toBeUndefined();
    expect(listOf(allergies, LIST_CODES.allergies)?.entry?.length).toBeGreaterThan(0);
  });

  it('warns about unknown parameters with 200', async () => {
    const { res, bundle } = await structured(parameters('9990000018', { name: 'includeHoroscope' }));
    expect(res.status).toBe(200);
    const outcome = resources(bundle).find((r) => r.resourceType === 'OperationOutcome') as fhir4.OperationOutcome;
    expect(outcome.issue[0]?.diagnostics).toContain('includeHoroscope');
  });

  it('serves RESTful searches with signed paging links and reads by id that route back to the source', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const search = await fetch(`${lloyd.base}/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000026`)}`, {
      headers,
    });
    const patientId = ((await search.json()) as fhir4.Bundle).entry![0]!.resource!.id!;
    const page1 = (await (
      await fetch(`${lloyd.base}/fhir/MedicationRequest?patient=${patientId}&_count=2`, { headers })
    ).json()) as fhir4.Bundle;
    expect(page1.entry?.filter((e) => e.search?.mode === 'match')).toHaveLength(2);
    expect(page1.total).toBeGreaterThan(2);
    const next = page1.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    const page2 = (await (await fetch(next!, { headers })).json()) as fhir4.Bundle;
    const ids = (b: fhir4.Bundle) =>
      (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id);
    expect(ids(page2).some((id) => ids(page1).includes(id))).toBe(false);
    const tampered = next!.replace(/_page=(\d+)\./, (_m, n: string) => `_page=${Number(n) + 1}.`);
    expect((await fetch(tampered, { headers })).status).toBe(400);

    const one = page1.entry![0]!.resource!;
    const read = await fetch(`${lloyd.base}/fhir/MedicationRequest/${one.id!}`, { headers });
    expect(read.status).toBe(200);
    const resource = (await read.json()) as fhir4.MedicationRequest;
    expect(resource.id).toBe(one.id);
    await assertValidR4(resource);
    const patientRead = await fetch(`${lloyd.base}/fhir/Patient/${patientId}`, { headers });
    expect(patientRead.status).toBe(200);
  });

  it.each(CLINICAL_TYPES)('searches %s by patient and returns valid R4', async (type) => {
    const headers = { authorization: `Bearer ${token}` };
    const search = await fetch(`${lloyd.base}/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}`, {
      headers,
    });
    const patientId = ((await search.json()) as fhir4.Bundle).entry![0]!.resource!.id!;
    const res = await fetch(`${lloyd.base}/fhir/${type}?patient=${patientId}`, { headers });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as fhir4.Bundle;
    const matches = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
    expect(matches.length).toBeGreaterThan(0);
    expect(matches.every((e) => e.resource?.resourceType === type)).toBe(true);
    await assertValidR4(bundle);
  });

  it("follows _include within the caller's view, and warns about unsupported ones", async () => {
    const headers = { authorization: `Bearer ${token}` };
    const search = await fetch(`${lloyd.base}/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}`, {
      headers,
    });
    const patientId = ((await search.json()) as fhir4.Bundle).entry![0]!.resource!.id!;
    const res = await fetch(
      `${lloyd.base}/fhir/MedicationRequest?patient=${patientId}&_count=3&_include=MedicationRequest:medication&_include=MedicationRequest:teapot`,
      { headers },
    );
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as fhir4.Bundle;
    const byMode = (mode: string) =>
      (bundle.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => e.resource!);
    expect(byMode('match')).toHaveLength(3);
    const included = byMode('include');
    expect(included.length).toBeGreaterThan(0);
    expect(included.every((r) => r.resourceType === 'Medication')).toBe(true);
    const wanted = new Set(byMode('match').map((m) => (m as fhir4.MedicationRequest).medicationReference?.reference));
    expect(included.every((r) => wanted.has(`Medication/${r.id!}`))).toBe(true);
    const outcome = byMode('outcome')[0] as fhir4.OperationOutcome;
    expect(outcome.issue.some((i) => i.diagnostics?.includes('MedicationRequest:teapot'))).toBe(true);
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toContain('_include=MedicationRequest%3Amedication');
    await assertValidR4(bundle);
  });

  it('answers an unknown resource id as not found', async () => {
    const res = await fetch(`${lloyd.base}/fhir/Condition/AAAAAAAAAAAAAAAA`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(404);
  });
});
