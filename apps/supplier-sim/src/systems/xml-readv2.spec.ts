import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { SyntheticPatient } from '../generator/model.js';
import { practiceProfile } from '../generator/practices.js';
import { generateDemoPatients } from '../generator/generate.js';
import { startSimulators, type RunningSimulators } from '../server.js';
import { renderRecord } from './xml-readv2-render.js';

type Node = Record<string, unknown>;

// Asymmetric matchers typed as unknown, so expected objects stay type-safe.
const anyString = (): unknown => expect.any(String);
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

const REPEATED = new Set([
  'Patient',
  'Given',
  'Line',
  'Allergy',
  'Problem',
  'Medication',
  'Issue',
  'Consultation',
  'Entry',
  'Observation',
  'Immunisation',
  'TestResult',
  'Result',
  'Referral',
  'Document',
  'Link',
]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => REPEATED.has(name),
});

function parse(xml: string): Node {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as Node;
}

const LARGE = { consultations: 30, attachments: 2, attachmentBytes: 300_000 };

describe('P10001 XML/Read v2 system over HTTP', () => {
  let sims: RunningSimulators;
  let base: string;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 7, ports: { P10001: 0 }, largeRecord: LARGE });
    base = sims.urls.P10001!;
  });

  afterAll(async () => {
    await sims.close();
  });

  afterEach(async () => {
    await fetch(`${base}/_faults`, { method: 'DELETE' });
  });

  const patient = (nhs: string): SyntheticPatient => {
    const p = sims.dataset.findPatient('P10001', nhs);
    if (!p) throw new Error(`no demo patient ${nhs}`);
    return p;
  };

  it('answers /health', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/xml');
    const body = parse(await res.text()) as { Health: Node };
    expect(body.Health).toMatchObject({ '@status': 'ok', '@practice': 'P10001' });
  });

  it('finds a registered patient by NHS number', async () => {
    const res = await fetch(`${base}/patients?nhsNumber=9990000018`);
    expect(res.status).toBe(200);
    const body = parse(await res.text()) as { PatientSearchResult: { '@count': string; Patient: Node[] } };
    expect(body.PatientSearchResult['@count']).toBe('1');
    const [found] = body.PatientSearchResult.Patient;
    const expected = patient('9990000018');
    expect(found).toMatchObject({ '@nhsNumber': '9990000018', '@id': expected.sourceId });
    expect(found?.['Demographics']).toMatchObject({
      Name: { Family: expected.demographics.name.family, Given: expected.demographics.name.given },
      DateOfBirth: expected.demographics.birthDate,
      Address: { Postcode: expected.demographics.address.postcode },
    });
    expect(found?.['Consent']).toEqual({ '@dissent': 'false' });
  });

  it('answers an empty result, not an error, for an unknown or elsewhere-registered patient', async () => {
    for (const nhs of ['9990000115', '9990000026']) {
      const res = await fetch(`${base}/patients?nhsNumber=${nhs}`);
      expect(res.status).toBe(200);
      const body = parse(await res.text()) as { PatientSearchResult: Node };
      expect(body.PatientSearchResult['@count']).toBe('0');
      expect(body.PatientSearchResult['Patient']).toBeUndefined();
    }
  });

  it('finds a patient by its own id too', async () => {
    const expected = patient('9990000077');
    const res = await fetch(`${base}/patients?id=${expected.sourceId}`);
    const body = parse(await res.text()) as { PatientSearchResult: { Patient: Node[] } };
    expect(body.PatientSearchResult.Patient[0]?.['@nhsNumber']).toBe('9990000077');
  });

  it('rejects a search without a usable parameter', async () => {
    expect((await fetch(`${base}/patients`)).status).toBe(400);
    const res = await fetch(`${base}/patients?nhsNumber=12ab`);
    expect(res.status).toBe(400);
    expect(parse(await res.text())).toMatchObject({ Error: { '@code': 'INVALID_NHS_NUMBER' } });
  });

  it('reads a patient, and 404s an unknown one', async () => {
    const ok = await fetch(`${base}/patients/9990000050`);
    expect(ok.status).toBe(200);
    expect(parse(await ok.text())).toMatchObject({ Patient: [{ Consent: { '@dissent': 'true' } }] });
    const missing = await fetch(`${base}/patients/9990000115`);
    expect(missing.status).toBe(404);
    expect(parse(await missing.text())).toMatchObject({ Error: { '@code': 'PATIENT_NOT_FOUND' } });
  });

  it('reports death and inactive registration', async () => {
    const body = parse(await (await fetch(`${base}/patients/9990000077`)).text()) as { Patient: Node[] };
    expect(body.Patient[0]?.['Demographics']).toMatchObject({
      DateOfDeath: patient('9990000077').demographics.deceasedDate,
    });
    expect(body.Patient[0]?.['Registration']).toMatchObject({ '@status': 'inactive' });
  });

  it('serves the whole record, Read v2 coded, well-formed', async () => {
    const res = await fetch(`${base}/patients/9990000018/record`);
    expect(res.status).toBe(200);
    const record = (parse(await res.text()) as { ClinicalRecord: Record<string, Node> }).ClinicalRecord;
    const expected = patient('9990000018').record;
    expect(record['Allergies']?.['Allergy']).toHaveLength(expected.allergies.length);
    expect(record['Medications']?.['Medication']).toHaveLength(expected.medications.length);
    expect(record['Problems']?.['Problem']).toHaveLength(expected.problems.length);
    expect(record['Consultations']?.['Consultation']).toHaveLength(expected.consultations.length);
    expect(record['Immunisations']?.['Immunisation']).toHaveLength(expected.immunisations.length);
    expect(record['TestResults']?.['TestResult']).toHaveLength(expected.testResults.length);
    expect(record['Referrals']?.['Referral']).toHaveLength(expected.referrals.length);
    expect(record['Documents']?.['Document']).toHaveLength(expected.documents.length);

    const allergies = record['Allergies']?.['Allergy'] as Node[];
    for (const allergy of allergies) {
      expect(allergy['Code']).toMatchObject({
        '@scheme': 'READ2',
        '@code': matching(/^[A-Za-z0-9.]{5}$/),
      });
    }
    expect(allergies.find((a) => a['@status'] === 'resolved')?.['Ended']).toMatchObject({
      '@date': anyString(),
    });

    const repeat = (record['Medications']?.['Medication'] as Node[]).find((m) => m['@type'] === 'repeat');
    expect((repeat?.['Issue'] as Node[]).length).toBeGreaterThan(1);
    expect(repeat?.['Dosage']).toBeTruthy();

    const fbc = (record['TestResults']?.['TestResult'] as Node[]).find((t) => (t['Code'] as Node)['@code'] === '424..');
    const hb = (fbc?.['Result'] as Node[])[0];
    expect(hb).toMatchObject({
      Value: { '@value': matching(/^\d/), '@unit': 'g/L' },
      Range: { '@low': anyString() },
    });
  });

  it('answers conditional reads: an ETag on the search and the record, 304 when the client holds that version', async () => {
    for (const path of ['/patients?nhsNumber=9990000018', '/patients/9990000018/record']) {
      const first = await fetch(`${base}${path}`);
      const etag = first.headers.get('etag');
      expect(first.status).toBe(200);
      expect(etag).toMatch(/^".+"$/);
      const again = await fetch(`${base}${path}`, { headers: { 'if-none-match': `"other", ${etag!}` } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      const weak = await fetch(`${base}${path}`, { headers: { 'if-none-match': `W/${etag!}` } });
      expect(weak.status).toBe(304);
      const stale = await fetch(`${base}${path}`, { headers: { 'if-none-match': '"not-this-version"' } });
      expect(stale.status).toBe(200);
      expect(stale.headers.get('etag')).toBe(etag);
    }
    const search = await fetch(`${base}/patients?nhsNumber=9990000018`);
    const record = await fetch(`${base}/patients/9990000018/record`);
    expect(search.headers.get('etag')).not.toBe(record.headers.get('etag'));
    // Nothing to validate when there is no such patient.
    const unknown = await fetch(`${base}/patients?nhsNumber=9990000115`);
    expect(unknown.headers.get('etag')).toBeNull();
  });

  it('escapes recorded text so it survives the round trip', async () => {
    const record = (
      parse(await (await fetch(`${base}/patients/9990000018/record`)).text()) as {
        ClinicalRecord: Record<string, Node>;
      }
    ).ClinicalRecord;
    const expected = patient('9990000018').record;
    const hostile = expected.observations.find((o) => o.term.includes('<'));
    expect(hostile?.term).toMatch(/[<&"]/);
    const observations = record['Observations']?.['Observation'] as Node[];
    expect(observations.find((o) => o['@id'] === hostile?.id)?.['Term']).toBe(hostile?.term);
    const narrative = expected.consultations.find((c) => c.narrative?.includes('&'))?.narrative;
    const consultations = record['Consultations']?.['Consultation'] as Node[];
    expect(consultations.map((c) => c['Narrative'])).toContain(narrative);
  });

  it('marks confidential items rather than leaving them out', () => {
    const confidential = generateDemoPatients({ seed: 7, largeRecord: LARGE }).find(
      (p) => p.demographics.nhsNumber === '9990000069',
    )!;
    const xml = renderRecord(confidential, practiceProfile('P20002'), '2025-06-01T00:00:00Z');
    const record = (parse(xml) as { ClinicalRecord: Record<string, Node> }).ClinicalRecord;
    const problems = record['Problems']?.['Problem'] as Node[];
    expect(problems.filter((p) => p['@confidential'] === 'true').length).toBeGreaterThan(0);
    expect(problems.filter((p) => p['@confidential'] === 'false').length).toBeGreaterThan(0);
  });

  it('serves document content, and 404s documents of other practices', async () => {
    const doc = patient('9990000107').record.documents.find((d) => d.size === LARGE.attachmentBytes)!;
    const res = await fetch(`${base}/documents/${doc.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect((await res.arrayBuffer()).byteLength).toBe(LARGE.attachmentBytes);
    const elsewhere = sims.dataset.patientsOf('P20002')[0]!.record.documents[0]!;
    expect((await fetch(`${base}/documents/${elsewhere.id}`)).status).toBe(404);
  });

  it('404s unknown paths in its own error format', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(parse(await res.text())).toMatchObject({ Error: { '@status': '404' } });
  });

  describe('fault injection', () => {
    it('fails a request on x-sim-fail, in the system’s own error format', async () => {
      for (const status of [500, 503]) {
        const res = await fetch(`${base}/patients?nhsNumber=9990000018`, { headers: { 'x-sim-fail': String(status) } });
        expect(res.status).toBe(status);
        expect(parse(await res.text())).toMatchObject({ Error: { '@code': 'SIMULATED_FAILURE' } });
      }
    });

    it('delays a request on x-sim-latency-ms', async () => {
      const started = performance.now();
      const res = await fetch(`${base}/health`, { headers: { 'x-sim-latency-ms': '300' } });
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    });

    it('drops the connection on x-sim-drop', async () => {
      await expect(fetch(`${base}/health`, { headers: { 'x-sim-drop': '1' } })).rejects.toThrow(/fetch failed/);
    });

    it('applies global faults from POST /_faults until DELETE /_faults', async () => {
      const set = await fetch(`${base}/_faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failRate: 1, failStatus: 500 }),
      });
      expect(set.status).toBe(200);
      expect((await fetch(`${base}/health`)).status).toBe(500);
      expect(await (await fetch(`${base}/_faults`)).json()).toMatchObject({ failRate: 1, failStatus: 500 });
      expect((await fetch(`${base}/_faults`, { method: 'DELETE' })).status).toBe(204);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    });

    it('fails exactly the next N requests with failNext, then recovers', async () => {
      await fetch(`${base}/_faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failNext: 2, failStatus: 503 }),
      });
      expect((await fetch(`${base}/health`)).status).toBe(503);
      expect(await (await fetch(`${base}/_faults`)).json()).toMatchObject({ failNext: 1 });
      expect((await fetch(`${base}/health`)).status).toBe(503);
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect(await (await fetch(`${base}/_faults`)).json()).toMatchObject({ failNext: 0 });
      const bad = await fetch(`${base}/_faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failNext: -1 }),
      });
      expect(bad.status).toBe(400);
    });

    it('drops every connection while global drop is on', async () => {
      await fetch(`${base}/_faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ drop: true }),
      });
      await expect(fetch(`${base}/health`)).rejects.toThrow(/fetch failed/);
    });

    it('refuses malformed fault settings with a message that says what is allowed', async () => {
      const res = await fetch(`${base}/_faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failRate: 2 }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'failRate must be a number from 0 to 1.' });
      const unknown = await fetch(`${base}/_faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latency: 5 }),
      });
      expect(((await unknown.json()) as { error: string }).error).toContain('Unknown fault setting(s): latency');
    });
  });
});

describe('startSimulators', () => {
  it('accepts the port by format name and stops listening on close', async () => {
    const sims = await startSimulators({ seed: 1, ports: { xmlReadv2: 0 }, largeRecord: LARGE });
    expect(sims.urls.P10001).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${sims.urls.P10001}/health`)).status).toBe(200);
    await sims.close();
    await expect(fetch(`${sims.urls.P10001}/health`)).rejects.toThrow(/fetch failed/);
  });

  it('closes promptly even while a delayed request is in flight', async () => {
    const sims = await startSimulators({ seed: 1, largeRecord: LARGE });
    const slow = fetch(`${sims.urls.P10001}/health`, { headers: { 'x-sim-latency-ms': '60000' } }).then(
      (res) => res.status,
      () => 'dropped',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sims.close();
    await expect(slow).resolves.toBe('dropped');
  });

  it('fails to start on a port that is taken, leaving nothing running', async () => {
    const first = await startSimulators({ seed: 1, largeRecord: LARGE });
    const port = Number(new URL(first.urls.P10001!).port);
    try {
      await expect(startSimulators({ seed: 1, ports: { P10001: port }, largeRecord: LARGE })).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});
