import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AccessDeniedError, auditEventKey, AuditTrail, type PatientAccessEntry } from '@lloyd/access';
import { loadConfig } from '@lloyd/config';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { accessTestApp, bearer } from '../admin/testing/access-test-app.js';

interface SearchBundle {
  resourceType: string;
  type: string;
  total: number;
  link: { relation: string; url: string }[];
  entry?: {
    resource: {
      resourceType: string;
      entity?: { what?: { identifier?: { value?: string } } }[];
      issue?: { diagnostics?: string }[];
    };
    search: { mode: string };
  }[];
}

function entry(
  correlationId: string,
  patient: string,
  organisation = 'RX1',
  error?: unknown,
  practiceOds?: string,
): PatientAccessEntry {
  return {
    kind: 'patient-access',
    interaction: 'search',
    who: { clientId: 'x', organisation, practitioner: 'G1234567', reason: 'directcare' },
    correlationId,
    patient,
    ...(practiceOds ? { practiceOds } : {}),
    ...(error ? { error } : {}),
  };
}

describe('audit HTTP surface', () => {
  let app: NestFastifyApplication;
  let kv: InMemoryKeyValueStore;
  let clock: number;
  let auditor: string;

  beforeEach(async () => {
    kv = new InMemoryKeyValueStore();
    clock = Date.parse('2026-03-01T09:00:00Z');
    app = await accessTestApp(loadConfig({ env: {} }), { clock: () => clock, store: kv });
    auditor = await bearer(app, 'auditor');
    const trail = app.get(AuditTrail);
    const denial = AccessDeniedError.because('no-sharing-agreement', 'NO_ORGANISATION_CONSENT', 'x');
    const seeds: [string, PatientAccessEntry][] = [
      ['2026-03-01T09:00:00Z', entry('e1', '9990000018', 'RX1', undefined, 'P10001')],
      ['2026-03-01T10:00:00Z', entry('e2', '9990000026', 'SC100', undefined, 'P20002')],
      ['2026-03-02T09:00:00Z', entry('e3', '9990000018', 'RZZ', denial, 'P10001')],
      ['2026-03-02T10:00:00Z', entry('e4', '9990000018', 'RX1', undefined, 'P20002')],
      ['2026-03-03T09:00:00Z', entry('e5', '9990000042')],
    ];
    for (const [at, e] of seeds) {
      clock = Date.parse(at);
      await trail.record(e);
    }
  });

  afterEach(async () => {
    await app.close();
  });

  const get = (url: string, authorization = auditor) =>
    app.inject({ method: 'GET', url, headers: { authorization, host: 'lloyd.test' } });
  const correlations = (bundle: SearchBundle) =>
    (bundle.entry ?? [])
      .filter((e) => e.search.mode === 'match')
      .map((e) => e.resource.entity?.at(-1)?.what?.identifier?.value);

  it('needs system/AuditEvent.read: system/*.rs does not open the audit trail', async () => {
    expect((await get('/fhir/AuditEvent', await bearer(app, 'hospital-epr'))).statusCode).toBe(403);
    expect((await get('/fhir/AuditEvent', await bearer(app, 'admin'))).statusCode).toBe(403);
  });

  it('answers a FHIR searchset, newest first, with total', async () => {
    const response = await get('/fhir/AuditEvent');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = response.json<SearchBundle>();
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 5 });
    expect(correlations(bundle)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    expect(bundle.link).toEqual([{ relation: 'self', url: 'http://lloyd.test/fhir/AuditEvent' }]);
  });

  it.each([
    ['patient=9990000018', ['e4', 'e3', 'e1']],
    ['patient=https://fhir.nhs.uk/Id/nhs-number|9990000026', ['e2']],
    ['organisation=SC100', ['e2']],
    // The data controller: the practice whose record was read, not the organisation that asked.
    ['practice=P10001', ['e3', 'e1']],
    ['practice=https://fhir.nhs.uk/Id/ods-organization-code|P20002', ['e4', 'e2']],
    ['practice=RX1', []],
    ['practice=P20002&organisation=RX1', ['e4']],
    ['practice=P10001&outcome=4', ['e3']],
    ['patient=9990000018&practice=P20002', ['e4']],
    ['outcome=4', ['e3']],
    ['date=2026-03-02', ['e4', 'e3']],
    ['date=ge2026-03-01T09:30:00Z&date=lt2026-03-02T09:30:00Z', ['e3', 'e2']],
    ['patient=9990000018&outcome=0&date=le2026-03-02', ['e4', 'e1']],
  ])('filters by %s', async (query, expected) => {
    const bundle = (await get(`/fhir/AuditEvent?${query}`)).json<SearchBundle>();
    expect(correlations(bundle)).toEqual(expected);
    expect(bundle.total).toBe(expected.length);
  });

  it('pages with _count and a next link until the end', async () => {
    const first = (await get('/fhir/AuditEvent?patient=9990000018&_count=2')).json<SearchBundle>();
    expect(correlations(first)).toEqual(['e4', 'e3']);
    const next = first.link.find((l) => l.relation === 'next')?.url;
    expect(next).toBe('http://lloyd.test/fhir/AuditEvent?patient=9990000018&_count=2&_offset=2');
    const second = (await get(new URL(next!).pathname + new URL(next!).search)).json<SearchBundle>();
    expect(correlations(second)).toEqual(['e1']);
    expect(second.total).toBe(3);
    expect(second.link.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('caps _count at access.maxCount with a warning', async () => {
    const bundle = (await get('/fhir/AuditEvent?_count=5000')).json<SearchBundle>();
    expect(correlations(bundle)).toHaveLength(5);
    const outcome = bundle.entry?.find((e) => e.search.mode === 'outcome')?.resource;
    expect(outcome?.issue?.[0]?.diagnostics).toMatch(/_count=5000 is above the maximum of 100/);
  });

  it.each([
    ['date=last-tuesday', 'date'],
    ['outcome=2', 'outcome'],
    ['_count=ten', '_count'],
    ['patinet=9990000018', 'patinet'],
    ['patient=9990000018&patient=9990000026', 'patient'],
    ['practice=P10001,P20002', 'practice'],
    ['practice=urn:oid:2.16.840.1.113883.2.1.4.3|P10001', 'practice'],
  ])('refuses %s with 422 naming the parameter', async (query, parameter) => {
    const response = await get(`/fhir/AuditEvent?${query}`);
    expect(response.statusCode).toBe(422);
    expect(response.json<{ issue: { expression?: string[] }[] }>().issue[0]?.expression).toEqual([parameter]);
  });

  it('verifies the chain over HTTP and reports the first tampered event', async () => {
    const intact = await get('/admin/audit/$verify');
    expect(intact.statusCode).toBe(200);
    expect(intact.json()).toEqual({ ok: true, checked: 5, head: 5, archivedThrough: 0, store: 'in-process' });

    const raw = (await kv.get(auditEventKey(3)))!;
    await kv.set(auditEventKey(3), raw.replace('"RZZ"', '"RX1"'));
    const broken = (await get('/admin/audit/$verify')).json<{
      ok: boolean;
      firstBreak: { seq: number; reason: string };
    }>();
    expect(broken).toMatchObject({ ok: false, checked: 2, firstBreak: { seq: 3 } });
    expect(broken.firstBreak.reason).toMatch(/altered/);
    expect((await get('/admin/audit/$verify', await bearer(app, 'admin'))).statusCode).toBe(403);
  });
});
