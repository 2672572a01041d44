import { jest } from '@jest/globals';
import { KeyValueStore } from '@lloyd/store';
import { startLloyd, type RunningLloyd } from '../support/lloyd.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const CORRELATION = 'https://fhir.lloyd.nhs.example/Id/correlation-id';
const CLIENT_ID = 'https://fhir.lloyd.nhs.example/Id/client-id';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const SDS_USER = 'https://fhir.nhs.uk/Id/sds-user-id';

/** The structured record's frame: enough scope for the record itself, none for any area. */
const FRAME_ONLY = ['Patient', 'Organization', 'Practitioner', 'PractitionerRole', 'Location', 'List']
  .map((type) => `system/${type}.r`)
  .join(' ');

// The AuthGuard refuses some requests to patient-data routes after verifying the token (403 scope, 400 claims):
// each of them must leave exactly one AuditEvent, as the use cases' own refusals do, and no more.
describe('refusals by the auth guard in the audit trail', () => {
  let lloyd: RunningLloyd;

  beforeAll(async () => {
    lloyd = await startLloyd();
  });
  afterAll(() => lloyd?.close());

  const call = async (path: string, requestId: string, token: string | undefined, init: RequestInit = {}) => {
    const res = await fetch(`${lloyd.base}${path}`, {
      ...init,
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        'x-request-id': requestId,
        ...(init.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
      },
    });
    return { status: res.status, body: (await res.json()) as fhir4.OperationOutcome };
  };
  const patientSearch = (nhs: string) => `/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|${nhs}`)}`;
  const structuredBody = (nhs: string, ...extra: object[]) =>
    JSON.stringify({
      resourceType: 'Parameters',
      parameter: [
        { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: nhs } },
        { name: 'includeAllergies', part: [{ name: 'includeResolvedAllergies', valueBoolean: true }] },
        ...extra,
      ],
    });

  const allEvents = async () => {
    const token = await lloyd.token('auditor');
    const res = await fetch(`${lloyd.base}/fhir/AuditEvent?_count=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as fhir4.Bundle;
    return {
      total: bundle.total ?? 0,
      events: (bundle.entry ?? [])
        .map((e) => e.resource as fhir4.AuditEvent)
        .filter((e) => e.resourceType === 'AuditEvent'),
    };
  };
  const eventsOf = async (requestId: string) =>
    (await allEvents()).events.filter((e) =>
      e.entity?.some((x) => x.what?.identifier?.system === CORRELATION && x.what.identifier.value === requestId),
    );
  const details = (event: fhir4.AuditEvent | undefined) => event?.entity?.flatMap((e) => e.detail ?? []) ?? [];
  const agentIds = (event: fhir4.AuditEvent | undefined) =>
    (event?.agent ?? []).map((a) => `${a.who?.identifier?.system}|${a.who?.identifier?.value}`);
  const patientOf = (event: fhir4.AuditEvent | undefined) =>
    event?.entity?.find((e) => e.what?.identifier?.system === NHS)?.what?.identifier?.value;
  const requestOf = (event: fhir4.AuditEvent | undefined) =>
    event?.entity?.find((e) => e.what?.identifier?.system === CORRELATION)?.description;

  it('audits a Patient search refused for scope (403), naming who, the rule, the request and the patient', async () => {
    const token = await lloyd.token('hospital-epr', { practitioner: 'G1234567', scope: 'system/Condition.rs' });
    const { status, body } = await call(patientSearch('9990000018'), 'guard-scope-1', token);
    expect(status).toBe(403);
    expect(body.issue[0]?.details?.coding?.[0]?.code).toBe('INSUFFICIENT_SCOPE');
    const [event, ...more] = await eventsOf('guard-scope-1');
    expect(more).toEqual([]);
    expect(event?.outcome).toBe('4');
    expect(event?.outcomeDesc).toMatch(/^denied by insufficient-scope: .*search:Patient/);
    expect(details(event)).toContainEqual({ type: 'denied-by', valueString: 'insufficient-scope' });
    expect(agentIds(event)).toEqual(
      expect.arrayContaining([`${CLIENT_ID}|hospital-epr`, `${ODS}|RX1`, `${SDS_USER}|G1234567`]),
    );
    expect(patientOf(event)).toBe('9990000018');
    expect(requestOf(event)).toBe('GET /fhir/Patient');
    expect(event?.subtype?.[0]?.code).toBe('search-type');
  });

  it('audits a search refused for missing JWT claims (400), without a practitioner it does not have', async () => {
    const token = await lloyd.token('hospital-epr');
    const { status } = await call(patientSearch('9990000026'), 'guard-claims-1', token);
    expect(status).toBe(400);
    const [event, ...more] = await eventsOf('guard-claims-1');
    expect(more).toEqual([]);
    expect(event?.outcome).toBe('4');
    expect(details(event)).toContainEqual({ type: 'denied-by', valueString: 'missing-claims' });
    expect(event?.outcomeDesc).toMatch(/requesting_practitioner/);
    expect(agentIds(event)).toEqual(expect.arrayContaining([`${CLIENT_ID}|hospital-epr`, `${ODS}|RX1`]));
    expect(agentIds(event).some((id) => id.startsWith(SDS_USER))).toBe(false);
    expect(patientOf(event)).toBe('9990000026');
  });

  it('audits a structured record refused for the scopes its areas need, with the NHS number and nothing else of the body', async () => {
    const token = await lloyd.token('hospital-epr', { practitioner: 'G1234567', scope: FRAME_ONLY });
    const body = structuredBody('9990000018', { name: 'somethingPrivate', valueString: 'do-not-keep-this-text' });
    const { status } = await call('/fhir/Patient/$gpc.getstructuredrecord', 'guard-structured-1', token, {
      method: 'POST',
      body,
    });
    expect(status).toBe(403);
    const [event, ...more] = await eventsOf('guard-structured-1');
    expect(more).toEqual([]);
    expect(event?.outcome).toBe('4');
    expect(details(event)).toContainEqual({ type: 'denied-by', valueString: 'insufficient-scope' });
    expect(patientOf(event)).toBe('9990000018');
    expect(requestOf(event)).toBe('POST /fhir/Patient/$gpc.getstructuredrecord');
    expect(event?.subtype?.[0]?.code).toBe('operation');
    expect(JSON.stringify(event)).not.toContain('do-not-keep-this-text');
    expect(details(event).some((d) => d.type === 'requested-sections')).toBe(false);
  });

  it('audits a clinical search refused for scope under its type, without decoding the patient id', async () => {
    const token = await lloyd.token('hospital-epr', { practitioner: 'G1234567', scope: 'system/Patient.rs' });
    const { status } = await call('/fhir/Condition?patient=some-patient-id', 'guard-clinical-1', token);
    expect(status).toBe(403);
    const [event, ...more] = await eventsOf('guard-clinical-1');
    expect(more).toEqual([]);
    expect(details(event)).toContainEqual({ type: 'denied-by', valueString: 'insufficient-scope' });
    expect(requestOf(event)).toBe('GET /fhir/Condition');
    expect(patientOf(event)).toBeUndefined();
  });

  it('writes no extra event for allowed requests or for refusals the use case audits itself', async () => {
    const token = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
    expect((await call(patientSearch('9990000018'), 'guard-allowed-1', token)).status).toBe(200);
    const structured = await call('/fhir/Patient/$gpc.getstructuredrecord', 'guard-allowed-2', token, {
      method: 'POST',
      body: structuredBody('9990000018'),
    });
    expect(structured.status).toBe(200);
    const noAgreement = await lloyd.token('no-agreement', { practitioner: 'G1234567' });
    expect((await call(patientSearch('9990000018'), 'guard-usecase-1', noAgreement)).status).toBe(403);
    for (const id of ['guard-allowed-1', 'guard-allowed-2', 'guard-usecase-1']) {
      const events = await eventsOf(id);
      expect(events).toHaveLength(1);
      expect(details(events[0]).some((d) => d.type === 'denied-by' && /scope|claims/.test(d.valueString ?? ''))).toBe(
        false,
      );
    }
    expect((await eventsOf('guard-allowed-1'))[0]?.outcome).toBe('0');
  });

  it('does not audit refusals that identify no one (401) or routes that read no record, but counts them', async () => {
    const before = (await allEvents()).total;
    expect((await call(patientSearch('9990000018'), 'guard-401-1', undefined)).status).toBe(401);
    expect((await call(patientSearch('9990000018'), 'guard-401-2', 'not.a.token')).status).toBe(401);
    const clinician = await lloyd.token('hospital-epr', { practitioner: 'G1234567' });
    expect((await call('/fhir/AuditEvent', 'guard-not-patient-data-1', clinician)).status).toBe(403);
    expect((await allEvents()).total).toBe(before);
    const metrics = await (await fetch(`${lloyd.base}/metrics`)).text();
    expect(metrics).toMatch(/lloyd_auth_refusals_total\{rule="unauthenticated",route="\/fhir\/Patient"\} 2\b/);
    expect(metrics).toMatch(/lloyd_auth_refusals_total\{rule="insufficient-scope",route="\/fhir\/AuditEvent"\} 1\b/);
  });

  it('answers 500 rather than the refusal when its audit event cannot be written (fail closed)', async () => {
    const store = lloyd.app.get(KeyValueStore);
    const claim = jest.spyOn(store, 'claim').mockRejectedValueOnce(new Error('connection lost'));
    try {
      const token = await lloyd.token('hospital-epr', { practitioner: 'G1234567', scope: 'system/Condition.rs' });
      const { status, body } = await call(patientSearch('9990000018'), 'guard-fail-closed-1', token);
      expect(status).toBe(500);
      expect(body.issue[0]?.diagnostics).toMatch(/audit trail could not be written.*guard-fail-closed-1/);
    } finally {
      claim.mockRestore();
    }
  });
});

describe('refusals by the auth guard and the rate limit', () => {
  let lloyd: RunningLloyd;

  beforeAll(async () => {
    lloyd = await startLloyd({ overrides: { access: { rateLimits: { perOrganisation: { SC100: 3 } } } } });
  });
  afterAll(() => lloyd?.close());

  it("counts a verified caller's refusals against its organisation's limit, so they cannot flood the audit trail", async () => {
    const token = await lloyd.token('social-care', { practitioner: 'G1234567', scope: 'system/Condition.rs' });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await fetch(`${lloyd.base}/fhir/Patient?identifier=${encodeURIComponent(`${NHS}|9990000018`)}`, {
        headers: { authorization: `Bearer ${token}`, 'x-request-id': `limited-${i}` },
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
    const auditor = await lloyd.token('auditor');
    const res = await fetch(`${lloyd.base}/fhir/AuditEvent?_count=100`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    const events = ((await res.json()) as fhir4.Bundle).entry?.map((e) => e.resource as fhir4.AuditEvent) ?? [];
    const limited = events.filter((e) =>
      e.entity?.some(
        (x) => x.what?.identifier?.system === CORRELATION && x.what.identifier.value?.startsWith('limited-'),
      ),
    );
    expect(limited).toHaveLength(3);
  });
});
