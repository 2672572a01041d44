/**
 * The RESTful FHIR API over real HTTP, beyond the record-view suite: reads of Organization and Practitioner, a
 * search-then-read round trip for every clinical type at every full-record demo practice, `_count` capping and
 * signed paging, `$gpc.getstructuredrecord` validation errors, and the CapabilityStatement checked against what the
 * endpoints actually do. Expectations come from CONTRACT.md and GP Connect, not from Lloyd's code.
 */
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { AuditTrail } from '@lloyd/access';
import { SupplierDirectory } from '@lloyd/federation';
import { startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';
const ODS_CODE = 'https://fhir.nhs.uk/Id/ods-organization-code';
const FHIR_JSON = 'application/fhir+json';

/** The clinical resource types CONTRACT.md lists for `GET /fhir/{Type}?patient=` and `GET /fhir/{Type}/{id}`. */
const CLINICAL = [
  'AllergyIntolerance',
  'Condition',
  'MedicationStatement',
  'MedicationRequest',
  'Immunization',
  'Observation',
  'Encounter',
  'DiagnosticReport',
  'ServiceRequest',
  'DocumentReference',
] as const;
type Clinical = (typeof CLINICAL)[number];

/** The element of each clinical type that names its patient (FHIR R4). */
const PATIENT_ELEMENT: Record<Clinical, 'patient' | 'subject'> = {
  AllergyIntolerance: 'patient',
  Condition: 'subject',
  MedicationStatement: 'subject',
  MedicationRequest: 'subject',
  Immunization: 'patient',
  Observation: 'subject',
  Encounter: 'subject',
  DiagnosticReport: 'subject',
  ServiceRequest: 'subject',
  DocumentReference: 'subject',
};

/** The four full-record demo patients of CONTRACT.md, one per practice and supplier system. */
const FULL_RECORDS = [
  ['9990000018', 'P10001'],
  ['9990000026', 'P20002'],
  ['9990000034', 'P30003'],
  ['9990000042', 'P40004'],
] as const;
/** The demo patient whose record is large (CONTRACT.md), so its searches run to several pages at the maximum size. */
const LARGE_RECORD = '9990000107';

interface Outcome {
  resourceType: string;
  issue: {
    severity: string;
    code: string;
    diagnostics?: string;
    expression?: string[];
    details?: { coding?: { system: string; code: string }[] };
  }[];
}

const spineCode = (body: unknown) =>
  (body as Outcome).issue?.[0]?.details?.coding?.find((c) => c.system === SPINE)?.code;
const matchesOf = (bundle: fhir4.Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
const outcomeOf = (bundle: fhir4.Bundle) =>
  (bundle.entry ?? []).find((e) => e.search?.mode === 'outcome')?.resource as fhir4.OperationOutcome | undefined;
const linkOf = (bundle: fhir4.Bundle, relation: string) => bundle.link?.find((l) => l.relation === relation)?.url;
const idsOf = (bundle: fhir4.Bundle) => matchesOf(bundle).map((e) => e.resource!.id!);

describe('FHIR REST API over real HTTP', () => {
  let lloyd: RunningLloyd;
  let token: string;
  const patientIds = new Map<string, string>();

  beforeAll(async () => {
    lloyd = await startLloyd({ overrides: { access: { rateLimits: { defaultLimit: 100_000 } } } });
    token = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
  });
  afterAll(() => lloyd?.close());

  const get = async (path: string) => {
    const res = await fetch(path.startsWith('http') ? path : `${lloyd.base}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { res, body: await res.json() };
  };
  const getBundle = async (path: string) => {
    const { res, body } = await get(path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(body)}`);
    return body as fhir4.Bundle;
  };
  const structured = async (body: unknown) => {
    const res = await fetch(`${lloyd.base}/fhir/Patient/$gpc.getstructuredrecord`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': FHIR_JSON },
      body: JSON.stringify(body),
    });
    return { res, body: await res.json() };
  };
  /** The public Patient id, found as a client would: by a Patient search on the NHS number. */
  const patientId = async (nhsNumber: string) => {
    let id = patientIds.get(nhsNumber);
    if (!id) {
      const bundle = await getBundle(`/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhsNumber}`)}`);
      expect(bundle.entry).toHaveLength(1);
      id = bundle.entry![0]!.resource!.id!;
      patientIds.set(nhsNumber, id);
    }
    return id;
  };
  /** Every page of a search, following `next` links to the end. */
  const allPages = async (first: string) => {
    const pages: fhir4.Bundle[] = [];
    for (let url: string | undefined = first; url; url = linkOf(pages.at(-1)!, 'next')) {
      pages.push(await getBundle(url));
      if (pages.length > 50) throw new Error(`paging from ${first} does not end`);
    }
    return pages;
  };
  /** A 404 for a resource the server knows how to read but cannot find (not "no such endpoint"). */
  const expectResourceNotFound = async (path: string) => {
    const { res, body } = await get(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain(FHIR_JSON);
    expect((body as Outcome).resourceType).toBe('OperationOutcome');
    expect(spineCode(body)).toBe('NO_RECORD_FOUND');
    expect((body as Outcome).issue[0]?.diagnostics).not.toContain('is not a Lloyd endpoint');
    await assertValidR4(body as fhir4.OperationOutcome);
  };

  describe.each(FULL_RECORDS)('Organization and Practitioner reads for %s at %s', (nhsNumber, ods) => {
    let record: fhir4.Resource[];

    beforeAll(async () => {
      const { res, body } = await structured({
        resourceType: 'Parameters',
        parameter: [
          { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhsNumber } },
          { name: 'includeConsultations' },
        ],
      });
      if (res.status !== 200) throw new Error(`structured record answered ${res.status}: ${JSON.stringify(body)}`);
      record = ((body as fhir4.Bundle).entry ?? []).map((e) => e.resource!);
    });

    it('reads the registered practice by the id in the structured record', async () => {
      const practice = record.find((r): r is fhir4.Organization => r.resourceType === 'Organization');
      expect(practice?.identifier?.some((i) => i.system === ODS_CODE && i.value === ods)).toBe(true);
      const { res, body } = await get(`/fhir/Organization/${practice!.id!}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(FHIR_JSON);
      const read = body as fhir4.Organization;
      expect(read.resourceType).toBe('Organization');
      expect(read.id).toBe(practice!.id);
      expect(read.identifier?.some((i) => i.system === ODS_CODE && i.value === ods)).toBe(true);
      await assertValidR4(read);
    });

    it('reads every Practitioner of the structured record by its id', async () => {
      const practitioners = record.filter((r) => r.resourceType === 'Practitioner');
      expect(practitioners.length).toBeGreaterThan(0);
      for (const practitioner of practitioners) {
        const { res, body } = await get(`/fhir/Practitioner/${practitioner.id!}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain(FHIR_JSON);
        const read = body as fhir4.Practitioner;
        expect(read.resourceType).toBe('Practitioner');
        expect(read.id).toBe(practitioner.id);
        expect(read.name).toEqual((practitioner as fhir4.Practitioner).name);
        await assertValidR4(read);
      }
    });

    it("resolves the Organization and Practitioner references of a search response's Encounters", async () => {
      const encounters = matchesOf(await getBundle(`/fhir/Encounter?patient=${await patientId(nhsNumber)}`)).map(
        (e) => e.resource as fhir4.Encounter,
      );
      const references = new Set(
        encounters.flatMap((e) => [
          e.serviceProvider?.reference,
          ...(e.participant ?? []).map((p) => p.individual?.reference),
        ]),
      );
      const readable = [...references].filter((r): r is string => /^(Organization|Practitioner)\//.test(r ?? ''));
      expect(readable.some((r) => r.startsWith('Practitioner/'))).toBe(true);
      for (const reference of readable) {
        const { res, body } = await get(`/fhir/${reference}`);
        expect(res.status).toBe(200);
        const read = body as fhir4.Resource;
        expect(`${read.resourceType}/${read.id!}`).toBe(reference);
        await assertValidR4(read);
      }
    });

    it('follows every reference its searches serve: each one reads back as the resource it names', async () => {
      const pid = await patientId(nhsNumber);
      const served: fhir4.Resource[] = [];
      for (const type of CLINICAL) {
        for (const page of await allPages(`/fhir/${type}?patient=${pid}&_count=100`)) {
          served.push(...matchesOf(page).map((e) => e.resource!));
        }
      }
      const references = new Set<string>();
      const collect = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(collect);
        else if (value && typeof value === 'object') {
          const reference = (value as { reference?: unknown }).reference;
          if (typeof reference === 'string' && /^[A-Z][A-Za-z]+\/[^/]+$/.test(reference)) references.add(reference);
          Object.values(value).forEach(collect);
        }
      };
      served.forEach(collect);
      expect(references.size).toBeGreaterThan(0);
      const unreadable: string[] = [];
      for (const reference of references) {
        const { res, body } = await get(`/fhir/${reference}`);
        const read = body as fhir4.Resource;
        if (res.status !== 200 || `${read.resourceType}/${read.id ?? ''}` !== reference)
          unreadable.push(`${reference}: ${res.status}`);
      }
      expect(unreadable).toEqual([]);
    });

    it('answers unknown and forged Organization and Practitioner ids with a 404 OperationOutcome', async () => {
      const practice = record.find((r) => r.resourceType === 'Organization')!;
      const practitioner = record.find((r) => r.resourceType === 'Practitioner')!;
      const real = lloyd.ids.decode(practice.id!)!;
      expect(real).toMatchObject({ ods, nhsNumber });
      // A well-formed id for an item the practice does not hold.
      await expectResourceNotFound(`/fhir/Organization/${lloyd.ids.encode({ ods, nhsNumber, sourceId: 'no-such' })}`);
      await expectResourceNotFound(`/fhir/Practitioner/${lloyd.ids.encode({ ods, nhsNumber, sourceId: 'no-such' })}`);
      // The real item, but claimed to be at another practice.
      const otherOds = ods === 'P10001' ? 'P20002' : 'P10001';
      await expectResourceNotFound(`/fhir/Organization/${lloyd.ids.encode({ ...real, ods: otherOds })}`);
      // Real ids of the wrong type.
      await expectResourceNotFound(`/fhir/Organization/${practitioner.id!}`);
      await expectResourceNotFound(`/fhir/Practitioner/${practice.id!}`);
      await expectResourceNotFound(`/fhir/Organization/${await patientId(nhsNumber)}`);
      // Not an id Lloyd could have made.
      await expectResourceNotFound('/fhir/Practitioner/not-a-lloyd-id');
    });
  });

  describe.each(FULL_RECORDS)('clinical searches and reads for %s at %s', (nhsNumber) => {
    it.each(CLINICAL)('searches %s by patient, every resource valid R4, and reads one back by id', async (type) => {
      const pid = await patientId(nhsNumber);
      const pages = await allPages(`/fhir/${type}?patient=${pid}`);
      const matches = pages.flatMap(matchesOf);
      expect(matches.length).toBeGreaterThan(0);
      expect(pages[0]!.total).toBe(matches.length);
      for (const page of pages) {
        expect(page.type).toBe('searchset');
        await assertValidR4(page);
      }
      for (const { fullUrl, resource } of matches) {
        expect(resource!.resourceType).toBe(type);
        expect(fullUrl).toBe(`${lloyd.base}/fhir/${type}/${resource!.id!}`);
        const subject = (resource as unknown as Record<string, fhir4.Reference | undefined>)[PATIENT_ELEMENT[type]];
        expect(subject?.reference).toBe(`Patient/${pid}`);
        await assertValidR4(resource!);
      }

      for (const { resource } of [matches[0]!, matches.at(-1)!]) {
        const { res, body } = await get(`/fhir/${type}/${resource!.id!}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain(FHIR_JSON);
        expect(body).toEqual(resource);
        await assertValidR4(body as fhir4.Resource);
      }
      // Under another type the id never answers this resource: FHIR ids are per type, so it is either not found or
      // (a MedicationStatement and the MedicationRequest of one supplier item share an id) a resource of that type.
      const otherType = CLINICAL[(CLINICAL.indexOf(type) + 1) % CLINICAL.length]!;
      const cross = await get(`/fhir/${otherType}/${matches[0]!.resource!.id!}`);
      expect([200, 404]).toContain(cross.res.status);
      expect((cross.body as fhir4.Resource).resourceType).toBe(
        cross.res.status === 200 ? otherType : 'OperationOutcome',
      );
    });

    it('describes each document, pointing at Lloyd for its content and never at the supplier system', async () => {
      const pid = await patientId(nhsNumber);
      const documents = matchesOf(await getBundle(`/fhir/DocumentReference?patient=${pid}`)).map(
        (m) => m.resource as fhir4.DocumentReference,
      );
      expect(documents.length).toBeGreaterThan(0);
      for (const document of documents) {
        // Lloyd's own Binary for the content, never the supplier system's address.
        expect(document.content.map((c) => c.attachment.url)).toEqual([
          `Binary/${document.id!}`,
          ...document.content.slice(1).map(() => undefined),
        ]);
        for (const { attachment } of document.content) {
          expect(attachment.contentType).toBeTruthy();
          expect(attachment.title).toBeTruthy();
        }
      }
    });
  });

  it.each([
    ['Patient/<id>', (_base: string, id: string) => `Patient/${id}`],
    ['the absolute Patient URL', (base: string, id: string) => `${base}/fhir/Patient/${id}`],
  ])('accepts the patient search parameter as %s, like the bare id', async (_form, reference) => {
    const pid = await patientId('9990000026');
    const bare = await getBundle(`/fhir/MedicationRequest?patient=${pid}&_count=30`);
    expect(bare.total).toBeGreaterThan(30);
    const first = `/fhir/MedicationRequest?patient=${encodeURIComponent(reference(lloyd.base, pid))}&_count=30`;
    const asReference = await getBundle(first);
    expect(asReference.total).toBe(bare.total);
    expect(idsOf(asReference)).toEqual(idsOf(bare));
    const pages = await allPages(first);
    expect(pages.flatMap(idsOf)).toHaveLength(bare.total!);
    expect(new Set(pages.flatMap(idsOf)).size).toBe(bare.total);
  });

  it.each(FULL_RECORDS)(
    'reads back by id each Medication that _include returns for %s at %s',
    async (nhsNumber, ods) => {
      const pid = await patientId(nhsNumber);
      const bundle = await getBundle(
        `/fhir/MedicationStatement?patient=${pid}&_include=MedicationStatement:medication`,
      );
      const included = (bundle.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource!);
      expect(included.length).toBeGreaterThan(0);
      for (const medication of included) {
        expect(medication.resourceType).toBe('Medication');
        const { res, body } = await get(`/fhir/Medication/${medication.id!}`);
        expect(res.status).toBe(200);
        expect(body).toEqual(medication);
      }
      await expectResourceNotFound(
        `/fhir/Medication/${lloyd.ids.encode({ ods, nhsNumber, sourceId: 'no-such-medication' })}`,
      );
    },
  );

  describe('_count and signed paging', () => {
    let cap: number;
    let largeId: string;

    beforeAll(async () => {
      cap = lloyd.config.access.maxCount;
      largeId = await patientId(LARGE_RECORD);
    });

    it('takes its cap from access.maxCount, 100 by default', () => {
      expect(cap).toBe(100);
    });

    it('caps a _count above the maximum, says so in a warning, and links on at the capped size', async () => {
      const bundle = await getBundle(`/fhir/Encounter?patient=${largeId}&_count=${cap + 1}`);
      expect(bundle.total).toBeGreaterThan(cap * 2);
      expect(matchesOf(bundle)).toHaveLength(cap);
      const warning = outcomeOf(bundle)?.issue.find((i) => i.expression?.includes('_count'));
      expect(warning?.severity).toBe('warning');
      expect(warning?.details?.coding?.find((c) => c.system === SPINE)?.code).toBe('INVALID_PARAMETER');
      expect(warning?.diagnostics).toContain(String(cap));
      expect(new URL(linkOf(bundle, 'self')!).searchParams.get('_count')).toBe(String(cap));
      expect(new URL(linkOf(bundle, 'next')!).searchParams.get('_count')).toBe(String(cap));
      await assertValidR4(bundle);

      const atCap = await getBundle(`/fhir/Encounter?patient=${largeId}&_count=${cap}`);
      expect(idsOf(atCap)).toEqual(idsOf(bundle));
      expect(outcomeOf(atCap)?.issue.some((i) => i.expression?.includes('_count')) ?? false).toBe(false);
    });

    it.each(['Encounter', 'Observation'])(
      'pages through every %s of the large record at the cap without duplicates',
      async (type) => {
        const pages = await allPages(`/fhir/${type}?patient=${largeId}&_count=100000`);
        const total = pages[0]!.total!;
        expect(total).toBeGreaterThan(cap);
        expect(pages).toHaveLength(Math.ceil(total / cap));
        const ids = pages.flatMap(idsOf);
        expect(ids).toHaveLength(total);
        expect(new Set(ids).size).toBe(total);
        for (const page of pages.slice(0, -1)) expect(matchesOf(page)).toHaveLength(cap);
        expect(linkOf(pages.at(-1)!, 'next')).toBeUndefined();
        expect(pages.every((p) => p.total === total)).toBe(true);
      },
    );

    it('gives the same items in the same order in small pages as in one page', async () => {
      const pid = await patientId('9990000018');
      const whole = await getBundle(`/fhir/MedicationRequest?patient=${pid}&_count=${cap}`);
      expect(linkOf(whole, 'next')).toBeUndefined();
      const pages = await allPages(`/fhir/MedicationRequest?patient=${pid}&_count=7`);
      expect(pages).toHaveLength(Math.ceil(whole.total! / 7));
      expect(pages.flatMap(idsOf)).toEqual(idsOf(whole));
    });

    it.each(['-3', '2.5', 'ten'])('refuses _count=%s with 422 INVALID_PARAMETER', async (count) => {
      const { res, body } = await get(`/fhir/Condition?patient=${largeId}&_count=${count}`);
      expect(res.status).toBe(422);
      expect(spineCode(body)).toBe('INVALID_PARAMETER');
      expect((body as Outcome).issue[0]?.expression).toEqual(['_count']);
    });

    describe('a next link with its query altered', () => {
      let next: URL;

      beforeAll(async () => {
        next = new URL(linkOf(await getBundle(`/fhir/Encounter?patient=${largeId}&_count=10`), 'next')!);
      });

      const altered = (change: (url: URL) => void) => {
        const url = new URL(next);
        change(url);
        return url.toString();
      };

      it('is followed as issued', async () => {
        const { res, body } = await get(next.toString());
        expect(res.status).toBe(200);
        expect(matchesOf(body as fhir4.Bundle)).toHaveLength(10);
      });

      it.each<[string, (url: URL, ids: { other: string }) => void]>([
        ['another patient', (url, { other }) => url.searchParams.set('patient', other)],
        ['another page size', (url) => url.searchParams.set('_count', '20')],
        ['the page size left out', (url) => url.searchParams.delete('_count')],
        ['an _include added', (url) => url.searchParams.append('_include', 'Encounter:patient')],
        ['another resource type', (url) => (url.pathname = url.pathname.replace(/Encounter$/, 'Observation'))],
        [
          'another offset',
          (url) => url.searchParams.set('_page', url.searchParams.get('_page')!.replace(/^10\./, '20.')),
        ],
        [
          'a changed signature',
          (url) => {
            // The first character of the signature (the last one carries bits that base64url decoding drops).
            const [offset, signature] = url.searchParams.get('_page')!.split('.') as [string, string];
            url.searchParams.set('_page', `${offset}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
          },
        ],
      ])('is refused with 400 BAD_REQUEST for %s', async (_title, change) => {
        const other = await patientId('9990000018');
        const url = altered((u) => change(u, { other }));
        expect(url).not.toBe(next.toString());
        const { res, body } = await get(url);
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toContain(FHIR_JSON);
        expect(spineCode(body)).toBe('BAD_REQUEST');
        expect((body as Outcome).issue[0]?.diagnostics).toContain('_page');
      });
    });
  });

  describe('$gpc.getstructuredrecord request validation', () => {
    const nhsParameter = { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: '9990000018' } };
    const params = (...rest: unknown[]) => ({ resourceType: 'Parameters', parameter: [nhsParameter, ...rest] });
    const futureDay = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);

    it('answers a valid request with Cache-Control: no-store', async () => {
      const { res, body } = await structured(
        params({ name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: false }] }),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-type')).toContain(FHIR_JSON);
      expect((body as fhir4.Bundle).type).toBe('collection');
    });

    /** [what is wrong, body, HTTP status, Spine code, the expression the issue names] */
    const invalid: [string, unknown, number, string, string | undefined][] = [
      [
        'a missing patientNHSNumber',
        { resourceType: 'Parameters', parameter: [{ name: 'includeMedication' }] },
        422,
        'INVALID_PARAMETER',
        'patientNHSNumber',
      ],
      [
        'a medicationSearchFromDate with a time component',
        params({
          name: 'includeMedication',
          part: [{ name: 'medicationSearchFromDate', valueDate: '2019-03-01T10:00:00Z' }],
        }),
        422,
        'INVALID_PARAMETER',
        'includeMedication.medicationSearchFromDate',
      ],
      [
        'a period start with a time component',
        params({
          name: 'includeInvestigations',
          part: [{ name: 'investigationSearchPeriod', valuePeriod: { start: '2019-03-01T00:00:00+00:00' } }],
        }),
        422,
        'INVALID_PARAMETER',
        'includeInvestigations.investigationSearchPeriod.start',
      ],
      [
        'a future medicationSearchFromDate',
        params({ name: 'includeMedication', part: [{ name: 'medicationSearchFromDate', valueDate: futureDay }] }),
        422,
        'INVALID_PARAMETER',
        'includeMedication.medicationSearchFromDate',
      ],
      [
        'a period starting in the future',
        params({
          name: 'includeReferrals',
          part: [{ name: 'referralSearchPeriod', valuePeriod: { start: futureDay } }],
        }),
        422,
        'INVALID_PARAMETER',
        'includeReferrals.referralSearchPeriod.start',
      ],
      [
        'a reversed period',
        params({
          name: 'includeConsultations',
          part: [{ name: 'consultationSearchPeriod', valuePeriod: { start: '2021-06-01', end: '2020-06-01' } }],
        }),
        422,
        'INVALID_PARAMETER',
        'includeConsultations.consultationSearchPeriod',
      ],
      [
        'a medication filter combined with consultations',
        params(
          { name: 'includeConsultations' },
          { name: 'includeMedication', part: [{ name: 'medicationSearchFromDate', valueDate: '2019-01-01' }] },
        ),
        422,
        'INVALID_PARAMETER',
        'medicationSearchFromDate',
      ],
      [
        'filterStatus combined with consultations',
        params(
          { name: 'includeConsultations' },
          { name: 'includeProblems', part: [{ name: 'filterStatus', valueCode: 'active' }] },
        ),
        422,
        'INVALID_PARAMETER',
        'filterStatus',
      ],
      [
        'consultationSearchPeriod with includeNumberOfMostRecent',
        params({
          name: 'includeConsultations',
          part: [
            { name: 'consultationSearchPeriod', valuePeriod: { start: '2020-01-01' } },
            { name: 'includeNumberOfMostRecent', valueInteger: 2 },
          ],
        }),
        422,
        'INVALID_RESOURCE',
        undefined,
      ],
      ['a body that is not Parameters', { resourceType: 'Patient' }, 422, 'INVALID_RESOURCE', undefined],
      [
        'an NHS number with a bad check digit',
        {
          resourceType: 'Parameters',
          parameter: [{ ...nhsParameter, valueIdentifier: { system: NHS, value: '9990000019' } }],
        },
        400,
        'INVALID_NHS_NUMBER',
        undefined,
      ],
      [
        'an NHS number under another identifier system',
        {
          resourceType: 'Parameters',
          parameter: [{ ...nhsParameter, valueIdentifier: { system: 'https://example.org/id', value: '9990000018' } }],
        },
        400,
        'INVALID_IDENTIFIER_SYSTEM',
        undefined,
      ],
    ];

    it.each(invalid.map(([title, body, status, code, expression]) => [title, status, code, expression, body] as const))(
      'refuses %s with %i %s',
      async (_title, status, code, expression, body) => {
        const { res, body: outcome } = await structured(body);
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toContain(FHIR_JSON);
        expect((outcome as Outcome).resourceType).toBe('OperationOutcome');
        expect((outcome as Outcome).issue[0]?.severity).toBe('error');
        expect(spineCode(outcome)).toBe(code);
        expect((outcome as Outcome).issue[0]?.expression).toEqual(expression ? [expression] : undefined);
        await assertValidR4(outcome as fhir4.OperationOutcome);
      },
    );

    it('answers an unknown NHS number with 404 PATIENT_NOT_FOUND', async () => {
      const { res, body } = await structured({
        resourceType: 'Parameters',
        parameter: [{ ...nhsParameter, valueIdentifier: { system: NHS, value: '9434765919' } }],
      });
      expect(res.status).toBe(404);
      expect(spineCode(body)).toBe('PATIENT_NOT_FOUND');
    });
  });

  describe('CapabilityStatement', () => {
    let statement: fhir4.CapabilityStatement;
    let resources: Map<string, fhir4.CapabilityStatementRestResource>;
    const interactions = (type: string) => (resources.get(type)?.interaction ?? []).map((i) => i.code).sort();
    const searchParams = (type: string) =>
      Object.fromEntries((resources.get(type)?.searchParam ?? []).map((p) => [p.name, p.type]));

    beforeAll(async () => {
      const res = await fetch(`${lloyd.base}/fhir/metadata`);
      if (res.status !== 200) throw new Error(`GET /fhir/metadata answered ${res.status}`);
      statement = (await res.json()) as fhir4.CapabilityStatement;
      resources = new Map((statement.rest![0]!.resource ?? []).map((r) => [r.type, r]));
    });

    it('is a valid R4 server statement for this base URL', async () => {
      expect(statement.rest).toHaveLength(1);
      expect(statement.resourceType).toBe('CapabilityStatement');
      expect(statement.fhirVersion).toBe('4.0.1');
      expect(statement.kind).toBe('instance');
      expect(statement.rest![0]!.mode).toBe('server');
      expect(statement.format).toContain(FHIR_JSON);
      expect(statement.implementation?.url).toBe(`${lloyd.base}/fhir`);
      expect(resources.size).toBe(statement.rest![0]!.resource!.length);
      await assertValidR4(statement);
    });

    it('declares Patient read and search by identifier, and the gpc.getstructuredrecord operation', () => {
      expect(interactions('Patient')).toEqual(['read', 'search-type']);
      expect(searchParams('Patient')).toMatchObject({ identifier: 'token' });
      const operation = resources.get('Patient')?.operation?.find((o) => o.name === 'gpc.getstructuredrecord');
      expect(operation?.definition).toMatch(/GetStructuredRecord/);
    });

    it.each(CLINICAL)('declares %s read and search by patient with _count', (type) => {
      expect(interactions(type)).toEqual(['read', 'search-type']);
      expect(searchParams(type)).toMatchObject({ patient: 'reference', _count: 'number' });
    });

    it.each(['Organization', 'Practitioner'])(
      'declares %s read, and search only if it is implemented',
      async (type) => {
        expect(interactions(type)).toContain('read');
        const { res, body } = await get(`/fhir/${type}`);
        const searchable = !(
          res.status === 404 && /is not a Lloyd endpoint/.test((body as Outcome).issue[0]?.diagnostics ?? '')
        );
        expect(interactions(type).includes('search-type')).toBe(searchable);
      },
    );

    it('declares exactly the interactions the endpoints implement, for every type it lists', async () => {
      const routeMissing = ({ res, body }: { res: Response; body: unknown }) =>
        res.status === 404 && /is not a Lloyd endpoint/.test((body as Outcome).issue[0]?.diagnostics ?? '');
      const forged = lloyd.ids.encode({ ods: 'P10001', nhsNumber: '9990000018', sourceId: 'no-such-item' });
      const mismatches: string[] = [];
      for (const type of [...resources.keys(), 'Medication', 'Location', 'Nonsense']) {
        const declared = resources.has(type) ? interactions(type) : [];
        const read = await get(
          `/fhir/${type}/${type === 'Patient' ? lloyd.ids.encode({ ods: 'P10001', nhsNumber: '9434765919', sourceId: '' }) : forged}`,
        );
        const search = await get(`/fhir/${type}`);
        if (routeMissing(read) === declared.includes('read')) mismatches.push(`${type} read: ${read.res.status}`);
        if (routeMissing(search) === declared.includes('search-type'))
          mismatches.push(`${type} search-type: ${search.res.status}`);
      }
      expect(mismatches).toEqual([]);
    });
  });

  describe('Access Document: GET /fhir/Binary/{id}', () => {
    /** Each system's own address for a document's content, to compare Lloyd's answer with. */
    const SUPPLIER_DOCUMENT_PATH: Record<string, string> = {
      P10001: 'documents/',
      P20002: 'api/v2/documents/',
      P30003: 'documents/',
      P40004: 'Binary/',
    };
    const documentsOf = async (nhsNumber: string) =>
      matchesOf(await getBundle(`/fhir/DocumentReference?patient=${await patientId(nhsNumber)}`)).map(
        (e) => e.resource as fhir4.DocumentReference,
      );
    const fetchWith = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${lloyd.base}/fhir/${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

    it.each(FULL_RECORDS)(
      'serves every document of %s (%s) byte for byte as the practice system holds it',
      async (nhsNumber, ods) => {
        const documents = await documentsOf(nhsNumber);
        expect(documents.length).toBeGreaterThan(0);
        for (const document of documents) {
          const attachment = document.content[0]!.attachment;
          // Lloyd's own address, relative to its FHIR base; never the practice system's.
          expect(attachment.url).toBe(`Binary/${document.id!}`);
          expect(JSON.stringify(document)).not.toContain(lloyd.sims.urls[ods]);
          const res = await fetchWith(attachment.url!, { accept: '*/*' });
          expect(res.status).toBe(200);
          expect(res.headers.get('content-type')).toBe(attachment.contentType);
          expect(res.headers.get('cache-control')).toBe('no-store');
          expect(res.headers.get('x-content-type-options')).toBe('nosniff');
          expect(res.headers.get('content-security-policy')).toBe('sandbox');
          const served = Buffer.from(await res.arrayBuffer());
          // The size the DocumentReference declares, where it declares one (GP2GP extracts do not).
          expect(served.length).toBe(attachment.size ?? served.length);
          // Ids carry GUIDs as bytes, so they come back lower-case; the simulators' GUIDs are upper-case.
          const sourceId = lloyd.ids.decode(document.id!)!.sourceId.toUpperCase();
          const original = await fetch(`${lloyd.sims.urls[ods]}/${SUPPLIER_DOCUMENT_PATH[ods]!}${sourceId}`);
          expect(served.equals(Buffer.from(await original.arrayBuffer()))).toBe(true);
        }
      },
    );

    it('answers a FHIR Binary, valid R4, for Accept: application/fhir+json or _format=json', async () => {
      const [document] = await documentsOf('9990000018');
      const raw = Buffer.from(await (await fetchWith(`Binary/${document!.id!}`)).arrayBuffer());
      for (const [path, headers] of [
        [`Binary/${document!.id!}`, { accept: FHIR_JSON }],
        [`Binary/${document!.id!}?_format=json`, {}],
      ] as const) {
        const res = await fetchWith(path, headers);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toContain(FHIR_JSON);
        const binary = (await res.json()) as fhir4.Binary;
        expect(binary).toMatchObject({
          resourceType: 'Binary',
          id: document!.id,
          contentType: document!.content[0]!.attachment.contentType,
          securityContext: { reference: `DocumentReference/${document!.id!}` },
        });
        expect(Buffer.from(binary.data!, 'base64').equals(raw)).toBe(true);
        await assertValidR4(binary);
      }
    });

    it('answers not found for an id that names no document: edited, a patient, another kind of item', async () => {
      const [document] = await documentsOf('9990000018');
      const condition = idsOf(await getBundle(`/fhir/Condition?patient=${await patientId('9990000018')}`))[0]!;
      const edited = `${document!.id!.slice(0, -2)}${document!.id!.endsWith('AA') ? 'AB' : 'AA'}`;
      for (const id of [edited, await patientId('9990000018'), condition])
        await expectResourceNotFound(`/fhir/Binary/${id}`);
    });

    it('serves no document to a caller not granted the documents section, and says only "not found"', async () => {
      const [document] = await documentsOf('9990000018');
      const social = await lloyd.token('social-care', { practitioner: 'G1234567' });
      const res = await fetch(`${lloyd.base}/fhir/Binary/${document!.id!}`, {
        headers: { authorization: `Bearer ${social}` },
      });
      expect(res.status).toBe(404);
      expect(spineCode(await res.json())).toBe('NO_RECORD_FOUND');
    });

    it('never fetches a confidential document, though the practice system holds it', async () => {
      const directory = lloyd.app.get(SupplierDirectory);
      const record = await directory
        .get('P20002')!
        .adapter.getRecord(
          '9990000069',
          { sections: ['documents'] },
          { signal: new AbortController().signal, correlationId: 'test' },
        );
      const confidential = record!.resources.find(
        (r) => r.resourceType === 'DocumentReference' && r.meta?.security?.some((l) => l.code === 'NOPAT'),
      );
      expect(confidential).toBeDefined();
      const original = await fetch(`${lloyd.sims.urls.P20002}/api/v2/documents/${confidential!.id!}`);
      expect(original.status).toBe(200);
      const id = lloyd.ids.encode({ ods: 'P20002', nhsNumber: '9990000069', sourceId: confidential!.id! });
      await expectResourceNotFound(`/fhir/Binary/${id}`);
    });

    it('audits each document read, naming the document', async () => {
      const [document] = await documentsOf('9990000026');
      expect((await fetchWith(`Binary/${document!.id!}`)).status).toBe(200);
      const { events } = await lloyd.app.get(AuditTrail).search({ patient: '9990000026', count: 100 });
      const event = events.find((e) => e.entity?.some((x) => x.description === `GET /fhir/Binary/${document!.id!}`));
      expect(event?.outcome).toBe('0');
      expect(event?.entity?.map((x) => x.what?.reference)).toEqual(
        expect.arrayContaining([`DocumentReference/${document!.id!}`, `Binary/${document!.id!}`]),
      );
    });
  });
});

describe('resource ids sealed with the configured key', () => {
  const key = Buffer.alloc(32, 11).toString('base64');
  const running: RunningLloyd[] = [];
  afterAll(() => Promise.all(running.map((l) => l.close())));

  const start = async (idKey: string) => {
    const lloyd = await startLloyd({ overrides: { ids: { key: idKey } } });
    running.push(lloyd);
    return { lloyd, token: await lloyd.token('hospital-epr', { practitioner: 'G1234567' }) };
  };
  const read = (base: string, token: string, path: string) =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('are the same from every gateway with that key, reveal no NHS number, and open nowhere else', async () => {
    const first = await start(key);
    const nhsNumber = '9990000018';
    const search = await read(
      first.lloyd.base,
      first.token,
      `/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhsNumber}`)}`,
    );
    const id = ((await search.json()) as fhir4.Bundle).entry![0]!.resource!.id!;
    expect(id).not.toContain(nhsNumber);
    expect(Buffer.from(id.replace(/\./g, '_'), 'base64url').toString('latin1')).not.toContain('P10001');

    // Another gateway (a replica, or this one restarted) with the same key reads the same id.
    const second = await start(key);
    const again = await read(second.lloyd.base, second.token, `/fhir/Patient/${id}`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as fhir4.Patient).identifier).toEqual(
      expect.arrayContaining([expect.objectContaining({ value: nhsNumber })]),
    );

    // Under another key the id opens to nothing: not found, as for any unknown id.
    const other = await start(Buffer.alloc(32, 12).toString('base64'));
    const refused = await read(other.lloyd.base, other.token, `/fhir/Patient/${id}`);
    expect(refused.status).toBe(404);
    expect(spineCode(await refused.json())).toBe('PATIENT_NOT_FOUND');
  });
});

describe('documents over access.maxDocumentBytes', () => {
  let lloyd: RunningLloyd;
  let token: string;
  beforeAll(async () => {
    lloyd = await startLloyd({ overrides: { access: { maxDocumentBytes: 1000 } } });
    token = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
  });
  afterAll(() => lloyd?.close());

  const read = async (path: string) => {
    const res = await fetch(`${lloyd.base}/fhir/${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { res, body: await res.json() };
  };

  it.each([
    ['9990000018', 'P10001 (its bytes)'],
    ['9990000042', 'P40004 (a GP Connect Binary)'],
  ])('answers 422 too-costly for a document of %s from %s, saying where else to get it', async (nhsNumber) => {
    const patients = (await read(`Patient?identifier=${encodeURIComponent(`${NHS}|${nhsNumber}`)}`))
      .body as fhir4.Bundle;
    const documents = (await read(`DocumentReference?patient=${patients.entry![0]!.resource!.id!}`))
      .body as fhir4.Bundle;
    const document = documents.entry!.find((e) => e.search?.mode === 'match')!.resource as fhir4.DocumentReference;
    expect(document.content[0]!.attachment.size).toBeGreaterThan(1000);
    const { res, body } = await read(document.content[0]!.attachment.url!);
    expect(res.status).toBe(422);
    expect(spineCode(body)).toBe('INVALID_RESOURCE');
    expect((body as Outcome).issue[0]).toMatchObject({ code: 'too-costly' });
    expect((body as Outcome).issue[0]!.diagnostics).toMatch(/larger than the 1000 bytes[\s\S]*GP2GP/);
  });
});
