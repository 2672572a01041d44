import { concept } from '../generator/catalogue.js';
import type { ItemBase, SyntheticPatient } from '../generator/model.js';
import { startSimulators, type RunningSimulators } from '../server.js';
import { ukDateTime, vendorDate } from './json-ctv3-render.js';

type Json = Record<string, unknown>;
interface Entry extends Json {
  entryId: string;
  type: string;
  readCode: { scheme: string; code: string; term: string };
  text: string;
  date: { value: string; precision: string };
  privacyLevel: string;
}
interface Event extends Json {
  eventId: string;
  eventType: string;
  date: { value: string; precision: string };
  privacyLevel: string;
  entries: Entry[];
}
interface Page extends Json {
  events: Event[];
  next: string | null;
  totalEvents: number;
}

describe('P20002 JSON/CTV3 system over HTTP', () => {
  let sims: RunningSimulators;
  let base: string;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 11, ports: { P20002: 0 }, extraPatients: 2 });
    base = sims.urls.P20002!;
  });

  afterAll(async () => {
    await sims.close();
  });

  afterEach(async () => {
    await fetch(`${base}/_faults`, { method: 'DELETE' });
  });

  const patient = (nhs: string): SyntheticPatient => {
    const p = sims.dataset.findPatient('P20002', nhs);
    if (!p) throw new Error(`no demo patient ${nhs} at P20002`);
    return p;
  };

  const getJson = async <T = Json>(path: string): Promise<{ status: number; body: T; type: string }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as T };
  };

  /** Every event of a patient's journal, following `next` cursors. */
  const journal = async (id: string, limit: number): Promise<{ events: Event[]; pages: number }> => {
    const events: Event[] = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { status, body } = await getJson<Page>(`/api/v2/patients/${id}/journal?${query}`);
      expect(status).toBe(200);
      expect(body.events.length).toBeLessThanOrEqual(limit);
      events.push(...body.events);
      cursor = body.next;
      pages++;
    } while (cursor !== null);
    return { events, pages };
  };

  it('answers /health in JSON', async () => {
    const { status, type, body } = await getJson('/health');
    expect(status).toBe(200);
    expect(type).toContain('application/json');
    expect(body).toMatchObject({ status: 'UP', practice: { odsCode: 'P20002' }, patients: 5 });
  });

  it('finds a registered patient by NHS number, in its own camelCase shape', async () => {
    const expected = patient('9990000026');
    const { status, body } = await getJson<{ total: number; results: Json[] }>('/api/v2/patients?nhsNumber=9990000026');
    expect(status).toBe(200);
    expect(body.total).toBe(1);
    const d = expected.demographics;
    expect(body.results[0]).toEqual({
      patient: {
        id: expected.sourceId,
        nhsNumber: '9990000026',
        name: { title: d.name.title, forenames: d.name.given, surname: d.name.family },
        sex: d.gender,
        dateOfBirth: d.birthDate,
        dateOfDeath: null,
        address: { lines: d.address.lines, town: d.address.town, postcode: d.address.postcode },
        contacts: [{ type: 'homePhone', value: d.phone }],
      },
      registration: {
        status: 'registered',
        type: 'GMS',
        registeredOn: d.registration.since,
        practice: { odsCode: 'P20002', name: 'Moorland Surgery' },
        usualGp: expect.objectContaining({ userId: d.usualGp.sdsUserId, surname: d.usualGp.name.family }) as unknown,
      },
      consent: { recordSharing: 'consented' },
      flags: { sensitive: false },
    });
  });

  it('answers an empty result for an unknown or elsewhere-registered patient, 400 for a bad search', async () => {
    for (const nhs of ['9990000115', '9990000018']) {
      const { status, body } = await getJson(`/api/v2/patients?nhsNumber=${nhs}`);
      expect({ status, body }).toEqual({ status: 200, body: { total: 0, results: [] } });
    }
    const bad = await getJson<{ error: Json }>('/api/v2/patients?nhsNumber=12ab');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ status: 400, code: 'INVALID_NHS_NUMBER' });
    expect((await getJson('/api/v2/patients')).status).toBe(400);
  });

  it('reads a patient by its own id (not the NHS number) and reports the S-flag', async () => {
    const sensitive = patient('9990000085');
    const { status, body } = await getJson(`/api/v2/patients/${sensitive.sourceId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ patient: { nhsNumber: '9990000085' }, flags: { sensitive: true } });
    const byNhs = await getJson<{ error: Json }>('/api/v2/patients/9990000085');
    expect(byNhs.status).toBe(404);
    expect(byNhs.body.error).toMatchObject({ code: 'PATIENT_NOT_FOUND' });
  });

  it('serves every item of the record once, CTV3 coded from the catalogue, in its consultation', async () => {
    const demo = patient('9990000026');
    const { events } = await journal(demo.sourceId, 500);
    const entries = new Map<string, { entry: Entry; event: Event }>();
    for (const event of events) {
      for (const entry of event.entries) {
        expect(entries.has(entry.entryId)).toBe(false);
        entries.set(entry.entryId, { entry, event });
      }
    }
    const r = demo.record;
    const items: ItemBase[] = [
      ...r.allergies,
      ...r.medications,
      ...r.problems,
      ...r.observations,
      ...r.immunisations,
      ...r.testResults,
      ...r.referrals,
      ...r.documents,
    ];
    expect(entries.size).toBe(items.length);
    for (const item of items) {
      const found = entries.get(item.id);
      const ctv3 = concept(item.concept).ctv3;
      expect(found?.entry.readCode).toEqual({
        scheme: ctv3.local ? 'LOCAL' : 'CTV3',
        code: ctv3.code,
        term: ctv3.term,
      });
      expect(found?.entry.text).toBe(item.term);
      expect(found?.entry.date).toEqual(vendorDate(item.date));
      const inConsultation = item.consultationId !== undefined;
      expect(found?.event).toMatchObject({
        eventId: item.consultationId ?? `de-${item.id}`,
        eventType: inConsultation ? 'consultation' : 'dataEntry',
      });
    }
    const codes = [...entries.values()].map(({ entry }) => entry.readCode.scheme);
    // Every concept of a P20002 record has a national code (local-only ones are P30003's).
    expect(new Set(codes)).toEqual(new Set(['CTV3']));
    for (const c of r.consultations) {
      const event = events.find((e) => e.eventId === c.id)!;
      expect(event.entries.map((e) => e.entryId)).toEqual(c.itemIds);
      expect(event.date).toEqual(ukDateTime(c.date));
    }
    const dates = events.map((e) => e.date.value);
    expect([...dates].sort()).toEqual(dates);
  });

  it('serves investigations with values, ranges and flags, and medication with its issues', async () => {
    const demo = patient('9990000026');
    const { events } = await journal(demo.sourceId, 500);
    const all = events.flatMap((e) => e.entries);
    const fbc = all.find((e) => e.type === 'investigation' && e.readCode.code === '424..')!;
    const hb = (fbc['results'] as Json[]).find((v) => (v['readCode'] as Json)['code'] === 'XE2m6');
    expect(hb).toMatchObject({ value: { units: 'g/L' }, range: { units: 'g/L' }, abnormalFlag: 'L' });
    const repeat = all.find((e) => e.type === 'medication' && e['prescriptionType'] === 'repeat')!;
    expect((repeat['issues'] as Json[]).length).toBeGreaterThan(1);
    expect(repeat).toMatchObject({
      status: 'active',
      maxIssues: 60,
      prescriber: { userId: expect.any(String) as unknown },
    });
  });

  it('pages the journal with an opaque cursor, giving the same events as one big page', async () => {
    const demo = patient('9990000026');
    const whole = await journal(demo.sourceId, 500);
    const paged = await journal(demo.sourceId, 3);
    expect(whole.pages).toBe(1);
    expect(paged.pages).toBe(Math.ceil(whole.events.length / 3));
    expect(paged.events).toEqual(whole.events);
    const { body } = await getJson<Page>(`/api/v2/patients/${demo.sourceId}/journal`);
    expect(body.totalEvents).toBe(whole.events.length);
    expect(body).toMatchObject({ codeScheme: 'CTV3', practice: { odsCode: 'P20002' } });
  });

  it('refuses bad limits and cursors, including one from another patient’s journal', async () => {
    const demo = patient('9990000026');
    const other = patient('9990000069');
    for (const query of ['limit=0', 'limit=501', 'limit=x', 'cursor=nonsense']) {
      const { status } = await getJson(`/api/v2/patients/${demo.sourceId}/journal?${query}`);
      expect(status).toBe(400);
    }
    const { body } = await getJson<Page>(`/api/v2/patients/${other.sourceId}/journal?limit=1`);
    const stolen = await getJson<{ error: Json }>(
      `/api/v2/patients/${demo.sourceId}/journal?cursor=${encodeURIComponent(body.next!)}`,
    );
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('marks confidential entries and events of 9990000069 rather than leaving them out', async () => {
    const demo = patient('9990000069');
    const { events } = await journal(demo.sourceId, 500);
    const confidentialIds = [...demo.record.problems, ...demo.record.observations, ...demo.record.documents]
      .filter((i) => i.confidential)
      .map((i) => i.id);
    expect(confidentialIds.length).toBeGreaterThan(0);
    const entries = events.flatMap((e) => e.entries);
    for (const id of confidentialIds) {
      expect(entries.find((e) => e.entryId === id)?.privacyLevel).toBe('confidential');
    }
    expect(entries.filter((e) => e.privacyLevel === 'normal').length).toBeGreaterThan(10);
    const secret = demo.record.consultations.find((c) => c.confidential)!;
    expect(events.find((e) => e.eventId === secret.id)?.privacyLevel).toBe('confidential');
  });

  it('serves document content by id, and 404s documents of other practices', async () => {
    const doc = patient('9990000026').record.documents[0]!;
    const res = await fetch(`${base}/api/v2/documents/${doc.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain(doc.contentType);
    expect((await res.arrayBuffer()).byteLength).toBe(doc.size);
    const elsewhere = sims.dataset.patientsOf('P10001')[0]!.record.documents[0]!;
    expect((await fetch(`${base}/api/v2/documents/${elsewhere.id}`)).status).toBe(404);
  });

  it('404s unknown paths in its own error format', async () => {
    const { status, body } = await getJson('/patients/9990000026');
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { status: 404, code: 'NO_SUCH_RESOURCE' } });
  });

  describe('fault injection', () => {
    it('fails a request on x-sim-fail, in the system’s own error format', async () => {
      for (const status of [500, 503]) {
        const res = await fetch(`${base}/api/v2/patients?nhsNumber=9990000026`, {
          headers: { 'x-sim-fail': String(status) },
        });
        expect(res.status).toBe(status);
        expect(res.headers.get('content-type')).toContain('application/json');
        expect(await res.json()).toMatchObject({ error: { code: 'SIMULATED_FAILURE' } });
      }
    });

    it('drops the connection on x-sim-drop and applies global faults until cleared', async () => {
      await expect(fetch(`${base}/health`, { headers: { 'x-sim-drop': '1' } })).rejects.toThrow(/fetch failed/);
      await fetch(`${base}/_faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failRate: 1, failStatus: 500 }),
      });
      expect((await fetch(`${base}/health`)).status).toBe(500);
      await fetch(`${base}/_faults`, { method: 'DELETE' });
      expect((await fetch(`${base}/health`)).status).toBe(200);
    });
  });
});

describe('JSON/CTV3 dates', () => {
  it('keeps the precision of partial dates', () => {
    expect(vendorDate('2019')).toEqual({ value: '2019', precision: 'year' });
    expect(vendorDate('2019-03')).toEqual({ value: '2019-03', precision: 'month' });
    expect(vendorDate('2019-03-14')).toEqual({ value: '2019-03-14', precision: 'day' });
  });

  it('gives consultation times the UK offset of their day', () => {
    expect(ukDateTime('2024-01-15T09:30').value).toBe('2024-01-15T09:30:00+00:00');
    expect(ukDateTime('2024-07-15T09:30').value).toBe('2024-07-15T09:30:00+01:00');
    // 2024: BST from Sunday 31 March to Sunday 27 October.
    expect(ukDateTime('2024-03-30T10:00').value).toMatch(/\+00:00$/);
    expect(ukDateTime('2024-03-31T10:00').value).toMatch(/\+01:00$/);
    expect(ukDateTime('2024-10-26T10:00').value).toMatch(/\+01:00$/);
    expect(ukDateTime('2024-10-27T10:00').value).toMatch(/\+00:00$/);
  });
});
