/**
 * The RESTful searches (`GET /fhir/{Type}?patient=…`, `GET /fhir/Patient?identifier=…`) follow FHIR R4's search
 * rules (http://hl7.org/fhir/R4/search.html): a parameter the search does not apply is never dropped silently (a
 * warning names it, the self link leaves it out, and `Prefer: handling=strict` refuses it), a repeated single-valued
 * parameter is refused, `_count=0` answers the total only, degraded items are said in the answer, and the
 * CapabilityStatement advertises exactly the includes and parameters that work. Expectations come from FHIR R4 and
 * GP Connect; the include table is checked against FHIR R4's own search parameter definitions, restated here.
 */
import { assertValidR4 } from '@lloyd/adapters-core-testing';
import { CLINICAL_TYPES, type ClinicalType } from '@lloyd/adapters-core';
import { degradedItemsIssue, RECORD_WARNING_SYSTEM } from '@lloyd/terminology';
import { INCLUDES, supportedIncludes } from '../../apps/gateway/src/fhir/record/includes.js';
import { CLINICAL_SEARCH, PATIENT_SEARCH } from '../../apps/gateway/src/fhir/search-parameters.js';
import { startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const SPINE = 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode';
const FHIR_JSON = 'application/fhir+json';
const FULL_RECORDS = ['9990000018', '9990000026', '9990000034', '9990000042'] as const;
/** CONTRACT.md: this record holds items whose codes cannot be translated; the task names 3 degraded Observations. */
const DEGRADED_RECORD = '9990000034';
const LARGE_RECORD = '9990000107';

/**
 * FHIR R4's reference search parameters of each clinical type (from each resource's "Search Parameters" table), as
 * the element paths they follow and, for `patient` and `practitioner`, the type they are restricted to.
 */
const R4_REFERENCE_PARAMS: Record<ClinicalType, Record<string, { path: string; type?: string }>> = {
  AllergyIntolerance: { patient: { path: 'patient' }, recorder: { path: 'recorder' }, asserter: { path: 'asserter' } },
  Condition: {
    patient: { path: 'subject', type: 'Patient' },
    subject: { path: 'subject' },
    encounter: { path: 'encounter' },
    asserter: { path: 'asserter' },
    'evidence-detail': { path: 'evidence.detail' },
  },
  MedicationStatement: {
    patient: { path: 'subject', type: 'Patient' },
    subject: { path: 'subject' },
    context: { path: 'context' },
    medication: { path: 'medicationReference' },
    source: { path: 'informationSource' },
    'part-of': { path: 'partOf' },
  },
  MedicationRequest: {
    patient: { path: 'subject', type: 'Patient' },
    subject: { path: 'subject' },
    encounter: { path: 'encounter' },
    medication: { path: 'medicationReference' },
    requester: { path: 'requester' },
    'intended-performer': { path: 'performer' },
    'intended-dispenser': { path: 'dispenseRequest.performer' },
  },
  Immunization: {
    patient: { path: 'patient' },
    performer: { path: 'performer.actor' },
    location: { path: 'location' },
    manufacturer: { path: 'manufacturer' },
    reaction: { path: 'reaction.detail' },
    'reason-reference': { path: 'reasonReference' },
  },
  Observation: {
    patient: { path: 'subject', type: 'Patient' },
    subject: { path: 'subject' },
    encounter: { path: 'encounter' },
    performer: { path: 'performer' },
    specimen: { path: 'specimen' },
    'has-member': { path: 'hasMember' },
    'derived-from': { path: 'derivedFrom' },
    'based-on': { path: 'basedOn' },
    'part-of': { path: 'partOf' },
    device: { path: 'device' },
    focus: { path: 'focus' },
  },
  Encounter: {
    patient: { path: 'subject', type: 'Patient' },
    subject: { path: 'subject' },
    participant: { path: 'participant.individual' },
    practitioner: { path: 'participant.individual', type: 'Practitioner' },
    'service-provider': { path: 'serviceProvider' },
    location: { path: 'location.location' },
    diagnosis: { path: 'diagnosis.condition' },
    'part-of': { path: 'partOf' },
    'reason-reference': { path: 'reasonReference' },
    'based-on': { path: 'basedOn' },
  },
  DiagnosticReport: {
    patient: { path: 'subject', type: 'Patient' },
    subject: { path: 'subject' },
    encounter: { path: 'encounter' },
    performer: { path: 'performer' },
    result: { path: 'result' },
    specimen: { path: 'specimen' },
    'based-on': { path: 'basedOn' },
    'results-interpreter': { path: 'resultsInterpreter' },
  },
  ServiceRequest: {
    patient: { path: 'subject', type: 'Patient' },
    subject: { path: 'subject' },
    encounter: { path: 'encounter' },
    requester: { path: 'requester' },
    performer: { path: 'performer' },
    'based-on': { path: 'basedOn' },
    specimen: { path: 'specimen' },
  },
  DocumentReference: {
    patient: { path: 'subject', type: 'Patient' },
    subject: { path: 'subject' },
    author: { path: 'author' },
    custodian: { path: 'custodian' },
    authenticator: { path: 'authenticator' },
    encounter: { path: 'context.encounter' },
    related: { path: 'context.related' },
    relatesto: { path: 'relatesTo.target' },
  },
};

/** The references at an element path, through arrays at any step. */
function referencesAt(resource: unknown, path: string, type?: string): string[] {
  let values: unknown[] = [resource];
  for (const step of path.split('.'))
    values = values.flatMap((v) => {
      const next = v && typeof v === 'object' ? (v as Record<string, unknown>)[step] : undefined;
      return next === undefined ? [] : ([] as unknown[]).concat(next);
    });
  return values
    .map((v) => (v as fhir4.Reference | undefined)?.reference)
    .filter((ref): ref is string => typeof ref === 'string' && (!type || ref.startsWith(`${type}/`)));
}

interface Issue {
  severity: string;
  code: string;
  diagnostics?: string;
  expression?: string[];
  details?: { coding?: { system: string; code: string }[] };
}

const spineCode = (body: unknown) =>
  (body as { issue?: Issue[] }).issue?.[0]?.details?.coding?.find((c) => c.system === SPINE)?.code;
const entriesOf = (bundle: fhir4.Bundle, mode: string) => (bundle.entry ?? []).filter((e) => e.search?.mode === mode);
const issuesOf = (bundle: fhir4.Bundle) =>
  (entriesOf(bundle, 'outcome')[0]?.resource as fhir4.OperationOutcome | undefined)?.issue ?? [];
const linkOf = (bundle: fhir4.Bundle, relation: string) => bundle.link?.find((l) => l.relation === relation)?.url;
const selfParams = (bundle: fhir4.Bundle) => [...new URL(linkOf(bundle, 'self')!).searchParams.keys()];
const ignoredWarning = (bundle: fhir4.Bundle, name: string) =>
  issuesOf(bundle).find((i) => i.severity === 'warning' && i.expression?.includes(name));

describe('FHIR search parameter handling over real HTTP', () => {
  let lloyd: RunningLloyd;
  let token: string;
  const patientIds = new Map<string, string>();

  beforeAll(async () => {
    lloyd = await startLloyd({ overrides: { access: { rateLimits: { defaultLimit: 100_000 } } } });
    token = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
  });
  afterAll(() => lloyd?.close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(path.startsWith('http') ? path : `${lloyd.base}${path}`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    const body: unknown = await res.json();
    return { res, body };
  };
  const getBundle = async (path: string, headers: Record<string, string> = {}) => {
    const { res, body } = await get(path, headers);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(body)}`);
    return body as fhir4.Bundle;
  };
  const expectRefused = async (path: string, status: number, code: string, headers: Record<string, string> = {}) => {
    const { res, body } = await get(path, headers);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain(FHIR_JSON);
    expect((body as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect(spineCode(body)).toBe(code);
    await assertValidR4(body as fhir4.OperationOutcome);
    return (body as { issue: Issue[] }).issue[0]!;
  };
  const identifier = (nhsNumber: string) => encodeURIComponent(`${NHS}|${nhsNumber}`);
  const patientId = async (nhsNumber: string) => {
    let id = patientIds.get(nhsNumber);
    if (!id) {
      const bundle = await getBundle(`/fhir/Patient?identifier=${identifier(nhsNumber)}`);
      id = entriesOf(bundle, 'match')[0]!.resource!.id!;
      patientIds.set(nhsNumber, id);
    }
    return id;
  };

  describe('search parameters the search does not support', () => {
    it('are ignored by default, with a warning that the results are NOT filtered, and left out of self', async () => {
      const pid = await patientId('9990000018');
      const all = await getBundle(`/fhir/Condition?patient=${pid}`);
      const bundle = await getBundle(`/fhir/Condition?patient=${pid}&clinical-status=active`);
      // Inactive problems are still there: the answer must not look filtered.
      expect(bundle.total).toBe(all.total);
      const warning = ignoredWarning(bundle, 'clinical-status');
      expect(warning?.diagnostics).toContain('clinical-status');
      expect(warning?.diagnostics).toMatch(/NOT filtered/);
      expect(selfParams(bundle)).not.toContain('clinical-status');
      expect(selfParams(bundle)).toContain('patient');
      await assertValidR4(bundle);
    });

    it('each get their own warning, _summary, _elements and _sort included', async () => {
      const pid = await patientId('9990000018');
      const bundle = await getBundle(
        `/fhir/Observation?patient=${pid}&date=ge2030-01-01&_summary=true&_elements=id&_sort=-date&_count=5`,
      );
      for (const name of ['date', '_summary', '_elements', '_sort']) {
        expect(ignoredWarning(bundle, name)?.diagnostics).toMatch(/NOT filtered/);
        expect(selfParams(bundle)).not.toContain(name);
      }
      expect(entriesOf(bundle, 'match')).toHaveLength(5);
      // The next link carries only what was applied, and is followed without the warnings' parameters.
      expect([...new URL(linkOf(bundle, 'next')!).searchParams.keys()].sort()).toEqual(['_count', '_page', 'patient']);
    });

    it('leave the Patient search self link showing only the identifier, with a warning', async () => {
      const bundle = await getBundle(`/fhir/Patient?identifier=${identifier('9990000018')}&name=smith`);
      expect(entriesOf(bundle, 'match')).toHaveLength(1);
      expect(selfParams(bundle)).toEqual(['identifier']);
      expect(new URL(linkOf(bundle, 'self')!).searchParams.get('identifier')).toBe(`${NHS}|9990000018`);
      expect(ignoredWarning(bundle, 'name')?.diagnostics).toMatch(/NOT filtered/);
      await assertValidR4(bundle);
    });

    it('give no warning when every parameter is applied', async () => {
      const pid = await patientId('9990000018');
      const bundle = await getBundle(`/fhir/Condition?patient=${pid}&_count=50&_format=json`);
      expect(issuesOf(bundle)).toEqual([]);
      const patient = await getBundle(`/fhir/Patient?identifier=${identifier('9990000018')}`);
      expect(issuesOf(patient)).toEqual([]);
    });

    it('are refused with 400 naming them under Prefer: handling=strict', async () => {
      const pid = await patientId('9990000018');
      const strict = { prefer: 'handling=strict' };
      const issue = await expectRefused(
        `/fhir/Observation?patient=${pid}&date=ge2030-01-01`,
        400,
        'BAD_REQUEST',
        strict,
      );
      expect(issue.diagnostics).toContain('date');
      const patient = await expectRefused(
        `/fhir/Patient?identifier=${identifier('9990000018')}&name=smith`,
        400,
        'BAD_REQUEST',
        { prefer: 'return=representation, handling=strict' },
      );
      expect(patient.diagnostics).toContain('name');
      const include = await expectRefused(
        `/fhir/Condition?patient=${pid}&_include=Condition:nonsense`,
        400,
        'BAD_REQUEST',
        strict,
      );
      expect(include.diagnostics).toContain('_include=Condition:nonsense');
      // Strict handling of a search whose every parameter is supported is an ordinary answer.
      expect(issuesOf(await getBundle(`/fhir/Observation?patient=${pid}&_count=3`, strict))).toEqual([]);
      // Lenient handling, asked for, is the default.
      const lenient = await getBundle(`/fhir/Observation?patient=${pid}&date=ge2030`, { prefer: 'handling=lenient' });
      expect(ignoredWarning(lenient, 'date')).toBeDefined();
    });

    it.each(['json', 'application/json', 'application/fhir+json'])('accept _format=%s', async (format) => {
      const pid = await patientId('9990000018');
      const bundle = await getBundle(`/fhir/Condition?patient=${pid}&_format=${encodeURIComponent(format)}`);
      expect(issuesOf(bundle)).toEqual([]);
      await getBundle(`/fhir/Patient?identifier=${identifier('9990000018')}&_format=${encodeURIComponent(format)}`);
    });

    it.each(['xml', 'application/fhir+xml', 'text/html'])(
      'answer _format=%s with 406 NOT_ACCEPTABLE',
      async (format) => {
        const pid = await patientId('9990000018');
        await expectRefused(
          `/fhir/Condition?patient=${pid}&_format=${encodeURIComponent(format)}`,
          406,
          'NOT_ACCEPTABLE',
        );
        await expectRefused(
          `/fhir/Patient?identifier=${identifier('9990000018')}&_format=${encodeURIComponent(format)}`,
          406,
          'NOT_ACCEPTABLE',
        );
      },
    );
  });

  describe('repeated parameters', () => {
    it.each([
      ['_count', (pid: string) => `/fhir/Condition?patient=${pid}&_count=2&_count=3`],
      ['patient', (pid: string) => `/fhir/Condition?patient=${pid}&patient=${pid}x`],
      ['patient', (pid: string) => `/fhir/Condition?patient=${pid},${pid}`],
      ['_format', (pid: string) => `/fhir/Condition?patient=${pid}&_format=json&_format=json`],
    ])('refuse a repeated %s with 400 BAD_REQUEST naming it', async (name, path) => {
      const issue = await expectRefused(path(await patientId('9990000018')), 400, 'BAD_REQUEST');
      expect(issue.diagnostics).toContain(name);
    });

    it('refuse two _page values with 400 naming _page', async () => {
      const next = new URL(
        linkOf(await getBundle(`/fhir/Encounter?patient=${await patientId(LARGE_RECORD)}&_count=10`), 'next')!,
      );
      next.searchParams.append('_page', next.searchParams.get('_page')!);
      const issue = await expectRefused(next.toString(), 400, 'BAD_REQUEST');
      expect(issue.diagnostics).toContain('_page');
    });

    it('allow _include more than once', async () => {
      const pid = await patientId('9990000018');
      const bundle = await getBundle(
        `/fhir/MedicationRequest?patient=${pid}&_include=MedicationRequest:medication&_include=MedicationRequest:requester`,
      );
      const types = new Set(entriesOf(bundle, 'include').map((e) => e.resource!.resourceType));
      expect([...types].sort()).toEqual(['Medication', 'Practitioner']);
    });

    it.each([
      `identifier=${identifier('9990000018')}&identifier=${identifier('9990000026')}`,
      `identifier=${encodeURIComponent(`${NHS}|9990000018,${NHS}|9990000026`)}`,
    ])('refuse two identifiers on a Patient search, saying only one is supported (%s)', async (query) => {
      const issue = await expectRefused(`/fhir/Patient?${query}`, 400, 'BAD_REQUEST');
      expect(issue.diagnostics).toMatch(/only one identifier/i);
      expect(issue.diagnostics).not.toMatch(/must name its system/);
    });
  });

  describe('_count', () => {
    it('_count=0 answers the total only: no entries and no next link', async () => {
      const pid = await patientId(LARGE_RECORD);
      const whole = await getBundle(`/fhir/Encounter?patient=${pid}`);
      const bundle = await getBundle(`/fhir/Encounter?patient=${pid}&_count=0&_include=Encounter:participant`);
      expect(bundle.type).toBe('searchset');
      expect(bundle.total).toBe(whole.total);
      expect(bundle.total).toBeGreaterThan(0);
      expect(entriesOf(bundle, 'match')).toEqual([]);
      expect(entriesOf(bundle, 'include')).toEqual([]);
      expect(linkOf(bundle, 'next')).toBeUndefined();
      expect(new URL(linkOf(bundle, 'self')!).searchParams.get('_count')).toBe('0');
      await assertValidR4(bundle);
    });

    it('says "follow the next link" when capped only when there is a next link', async () => {
      const cap = lloyd.config.access.maxCount;
      const small = await getBundle(`/fhir/Condition?patient=${await patientId('9990000018')}&_count=${cap + 1}`);
      expect(linkOf(small, 'next')).toBeUndefined();
      const warning = issuesOf(small).find((i) => i.expression?.includes('_count'));
      expect(warning?.diagnostics).toContain(String(cap));
      expect(warning?.diagnostics).not.toMatch(/next link/);

      const large = await getBundle(`/fhir/Encounter?patient=${await patientId(LARGE_RECORD)}&_count=${cap + 1}`);
      expect(linkOf(large, 'next')).toBeDefined();
      expect(issuesOf(large).find((i) => i.expression?.includes('_count'))?.diagnostics).toMatch(/next link/);
    });
  });

  describe('degraded items', () => {
    it('are said in the searchset that serves them, as in the structured record', async () => {
      const pid = await patientId(DEGRADED_RECORD);
      const bundle = await getBundle(`/fhir/Observation?patient=${pid}&_count=100`);
      const degraded = issuesOf(bundle).filter((i) =>
        i.details?.coding?.some((c) => c.system === RECORD_WARNING_SYSTEM && c.code === 'degraded-codes'),
      );
      expect(degraded).toEqual([degradedItemsIssue(3)]);
      await assertValidR4(bundle);
      // A page without them says nothing of them.
      const clean = await getBundle(`/fhir/Observation?patient=${await patientId('9990000018')}`);
      expect(issuesOf(clean).some((i) => i.details?.coding?.some((c) => c.code === 'degraded-codes'))).toBe(false);
    });

    it('are counted over the pages that serve them', async () => {
      const pid = await patientId(DEGRADED_RECORD);
      let counted = 0;
      for (let url: string | undefined = `/fhir/Observation?patient=${pid}&_count=7`; url;) {
        const page = await getBundle(url);
        const warning = issuesOf(page).find((i) => i.details?.coding?.some((c) => c.code === 'degraded-codes'));
        if (warning) counted += Number(/^(\d+) /.exec(warning.diagnostics ?? '')?.[1]);
        url = linkOf(page, 'next');
      }
      expect(counted).toBe(3);
    });
  });

  describe('_include within the sharing agreement', () => {
    it("never reaches an area the caller's agreement does not cover, however the supplier answers", async () => {
      // social-care's agreement covers allergies, medications and problems only (CONTRACT.md): not consultations.
      const social = await lloyd.token('social-care', { practitioner: 'G1234567' });
      for (const nhsNumber of FULL_RECORDS) {
        const pid = await patientId(nhsNumber);
        const res = await fetch(
          `${lloyd.base}/fhir/Condition?patient=${pid}&_include=Condition:encounter&_include=Condition:patient`,
          { headers: { authorization: `Bearer ${social}` } },
        );
        expect(res.status).toBe(200);
        const bundle = (await res.json()) as fhir4.Bundle;
        expect(entriesOf(bundle, 'match').length).toBeGreaterThan(0);
        const included = entriesOf(bundle, 'include').map((e) => e.resource!.resourceType);
        expect(included).toContain('Patient');
        expect(included).not.toContain('Encounter');
      }
    });
  });

  describe('an agreement that grants one of the two sections Observations span', () => {
    it('serves, by search and by id, only the Observations of the granted section', async () => {
      // The no-agreement client (RZZ) is given investigations alone at P10001: laboratory results, not the
      // uncategorised observations (blood pressure, smoking) that the same record holds and the supplier sends.
      const admin = await lloyd.token('admin');
      const created = await fetch(`${lloyd.base}/admin/agreements`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'test-investigations-only',
          dataControllers: ['P10001'],
          consumer: { ods: 'RZZ' },
          sections: ['investigations'],
          validFrom: '2020-01-01',
        }),
      });
      expect(created.status).toBe(201);
      const pid = await patientId('9990000018');
      const all = await getBundle(`/fhir/Observation?patient=${pid}&_count=100`);
      const isLab = (r: fhir4.Observation) =>
        (r.category ?? []).some((c) => (c.coding ?? []).some((k) => k.code === 'laboratory'));
      const uncategorised = entriesOf(all, 'match')
        .map((e) => e.resource as fhir4.Observation)
        .filter((r) => !isLab(r));
      expect(uncategorised.length).toBeGreaterThan(0);

      const limited = await lloyd.token('no-agreement', { practitioner: 'G1234567' });
      const res = await fetch(`${lloyd.base}/fhir/Observation?patient=${pid}&_count=100`, {
        headers: { authorization: `Bearer ${limited}` },
      });
      expect(res.status).toBe(200);
      const served = entriesOf((await res.json()) as fhir4.Bundle, 'match').map((e) => e.resource as fhir4.Observation);
      expect(served.length).toBeGreaterThan(0);
      expect(served.filter((r) => !isLab(r)).map((r) => r.id)).toEqual([]);
      const read = await fetch(`${lloyd.base}/fhir/Observation/${uncategorised[0]!.id!}`, {
        headers: { authorization: `Bearer ${limited}` },
      });
      expect(read.status).toBe(404);
    });
  });

  describe('scopes', () => {
    it('refuses a token whose scopes do not cover the type with 403, whether or not it carries the patient claims', async () => {
      const pid = await patientId('9990000018');
      const anyObservation = entriesOf(await getBundle(`/fhir/Observation?patient=${pid}`), 'match')[0]!.resource!;
      for (const request of [{}, { practitioner: 'G1234567' }]) {
        const auditor = await lloyd.token('auditor', request);
        for (const path of [`/fhir/Observation?patient=${pid}`, `/fhir/Observation/${anyObservation.id!}`]) {
          const res = await fetch(`${lloyd.base}${path}`, { headers: { authorization: `Bearer ${auditor}` } });
          expect({ path, request, status: res.status }).toEqual({ path, request, status: 403 });
          expect(spineCode(await res.json())).toBe('INSUFFICIENT_SCOPE');
        }
      }
    });
  });

  describe('CapabilityStatement', () => {
    let statement: fhir4.CapabilityStatement;
    let resources: Map<string, fhir4.CapabilityStatementRestResource>;

    beforeAll(async () => {
      statement = (await (await fetch(`${lloyd.base}/fhir/metadata`)).json()) as fhir4.CapabilityStatement;
      resources = new Map((statement.rest![0]!.resource ?? []).map((r) => [r.type, r]));
    });

    it('documents Prefer: handling, for which R4 has no element', async () => {
      expect(statement.rest![0]!.documentation).toMatch(/Prefer: handling=strict/);
      expect(resources.get('Condition')!.documentation).toMatch(/Prefer: handling=strict/);
      await assertValidR4(statement);
    });

    it.each(CLINICAL_TYPES)("advertises for %s exactly the includes of includes.ts's table", (type) => {
      expect([...(resources.get(type)!.searchInclude ?? [])].sort()).toEqual(supportedIncludes(type).sort());
      expect(supportedIncludes(type).sort()).toEqual(
        Object.keys(INCLUDES[type])
          .map((p) => `${type}:${p}`)
          .sort(),
      );
    });

    it('advertises only FHIR R4 search parameters of each type, Encounter:participant and not Encounter:performer', () => {
      const wrong = CLINICAL_TYPES.flatMap((type) =>
        (resources.get(type)!.searchInclude ?? []).filter((i) => {
          const [source, param] = i.split(':');
          return source !== type || !R4_REFERENCE_PARAMS[type][param!];
        }),
      );
      expect(wrong).toEqual([]);
      expect(resources.get('Encounter')!.searchInclude).toEqual(
        expect.arrayContaining(['Encounter:participant', 'Encounter:practitioner']),
      );
      expect(resources.get('Encounter')!.searchInclude).not.toContain('Encounter:performer');
      expect(resources.get('AllergyIntolerance')!.searchInclude).not.toContain('AllergyIntolerance:medication');
      expect(resources.get('Immunization')!.searchInclude).not.toContain('Immunization:result');
    });

    it.each(CLINICAL_TYPES)('returns what each include advertised for %s references', async (type) => {
      const advertised = resources.get(type)!.searchInclude ?? [];
      const failures: string[] = [];
      for (const include of advertised) {
        const { path, type: only } = R4_REFERENCE_PARAMS[type][include.split(':')[1]!]!;
        let referenced = 0;
        for (const nhsNumber of FULL_RECORDS) {
          const bundle = await getBundle(
            `/fhir/${type}?patient=${await patientId(nhsNumber)}&_count=100&_include=${encodeURIComponent(include)}`,
          );
          const served = new Set(
            (bundle.entry ?? [])
              .filter((e) => e.search?.mode !== 'outcome')
              .map((e) => `${e.resource!.resourceType}/${e.resource!.id!}`),
          );
          const refs = entriesOf(bundle, 'match').flatMap((e) => referencesAt(e.resource, path, only));
          referenced += refs.length;
          for (const ref of refs) if (!served.has(ref)) failures.push(`${include} for ${nhsNumber}: ${ref} missing`);
          for (const e of entriesOf(bundle, 'include')) {
            const key = `${e.resource!.resourceType}/${e.resource!.id!}`;
            if (!refs.includes(key)) failures.push(`${include} for ${nhsNumber}: ${key} is not referenced`);
          }
          expect(issuesOf(bundle).filter((i) => i.expression?.includes('_include'))).toEqual([]);
        }
        if (referenced === 0) failures.push(`${include}: no demo record has such a reference`);
      }
      expect(failures).toEqual([]);
    });

    it.each(CLINICAL_TYPES)('declares for %s exactly the parameters its search accepts', async (type) => {
      const declared = (resources.get(type)!.searchParam ?? []).map((p) => p.name);
      const accepted = [...CLINICAL_SEARCH.single, ...CLINICAL_SEARCH.repeatable];
      // _include is declared by searchInclude, _format by the statement's format.
      expect([...declared, '_include', '_format'].sort()).toEqual(accepted.sort());
      // Each declared parameter is applied, never ignored (_page, the signed paging state, is checked by paging).
      const pid = await patientId('9990000018');
      const bundle = await getBundle(`/fhir/${type}?patient=${pid}&_count=5`);
      expect(issuesOf(bundle).filter((i) => i.expression?.some((e) => declared.includes(e)))).toEqual([]);
      // And one it does not declare is reported as ignored.
      expect(ignoredWarning(await getBundle(`/fhir/${type}?patient=${pid}&code=123`), 'code')).toBeDefined();
    });

    it('declares for Patient exactly the parameters its search accepts', () => {
      const declared = (resources.get('Patient')!.searchParam ?? []).map((p) => p.name);
      expect([...declared, '_format'].sort()).toEqual([...PATIENT_SEARCH.single, ...PATIENT_SEARCH.repeatable].sort());
      expect(resources.get('Patient')!.searchInclude ?? []).toEqual([]);
    });
  });
});
