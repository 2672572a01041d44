import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from '../generator/generate.js';
import { createJsonCtv3System } from './json-ctv3.js';

type Json = Record<string, unknown>;

const NHS = '9990000018';
const CID = 'C0FFEE00-0000-4000-8000-000000000001';

function transferDocument(nhsNumber = NHS): Json {
  return {
    nhsNumber,
    fromOds: 'P10001',
    patient: {
      nhsNumber,
      name: { title: 'Mr', forenames: ['Alan'], surname: 'Transfer' },
      sex: 'male',
      dateOfBirth: '1967-04-02',
      address: { lines: ['1 Test Row'], town: 'Leeds', postcode: 'LS1 1AA' },
      contacts: [{ type: 'homePhone', value: '0113 496 0001' }],
    },
    staff: [{ userId: '910000000101', title: 'Dr', forenames: 'Amelia', surname: 'Hartley' }],
    events: [
      {
        eventId: 'enc-1',
        eventType: 'consultation',
        date: { value: '2024-03-01T10:15:00+00:00', precision: 'minute' },
        clinician: { userId: '910000000101' },
        privacyLevel: 'normal',
        entries: [
          {
            entryId: 'prob-1',
            type: 'problem',
            readCode: { scheme: 'CTV3', code: 'H33..', term: 'Asthma' },
            text: 'Asthma',
            date: { value: '2024-03-01', precision: 'day' },
            privacyLevel: 'normal',
            status: 'active',
            significance: 'major',
          },
          {
            entryId: 'obs-1',
            type: 'observation',
            text: 'Tired all the time',
            originalCodes: [{ system: 'http://read.info/readv2', code: '1683.' }],
            date: { value: '2024-03-01', precision: 'day' },
            privacyLevel: 'normal',
          },
          {
            entryId: 'fbc-1',
            type: 'investigation',
            text: 'Full blood count',
            date: { value: '2024-03-01', precision: 'day' },
            privacyLevel: 'normal',
            status: 'final',
            results: [
              { resultId: 'hb-1', readCode: { scheme: 'CTV3', code: 'XE2m6', term: 'Haemoglobin' }, text: 'Hb' },
              { resultId: 'plt-1', text: 'Platelets' },
            ],
          },
        ],
      },
      {
        eventId: 'de-letter-1',
        eventType: 'dataEntry',
        date: { value: '2024-04-02', precision: 'day' },
        privacyLevel: 'normal',
        entries: [
          {
            entryId: 'letter-1',
            type: 'attachment',
            text: 'Clinic letter',
            date: { value: '2024-04-02', precision: 'day' },
            privacyLevel: 'normal',
            mimeType: 'text/plain',
            documentId: 'letter-1',
          },
          { entryId: 'odd-1', type: 'carePlan', date: { value: '2024', precision: 'year' }, privacyLevel: 'normal' },
        ],
      },
    ],
    attachments: [{ documentId: 'letter-1', filename: 'letter.txt', mimeType: 'text/plain' }],
    sourceMap: { 'entry:prob-1': ['Condition/prob-1'] },
  };
}

describe('P20002 record transfers in', () => {
  let app: FastifyInstance;
  let base: string;

  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Json };
  };

  beforeAll(async () => {
    app = createJsonCtv3System({ dataset: new SyntheticDataset({ seed: 7 }), ods: 'P20002' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('files a record natively: CTV3 entries as they are, the rest as text under the degraded code', async () => {
    expect((await call('GET', `/api/v2/transfers/${CID}`)).status).toBe(404);
    expect((await call('PUT', `/api/v2/transfers/${CID}`, transferDocument())).status).toBe(201);
    expect((await call('PUT', `/api/v2/transfers/${CID}`, transferDocument())).status).toBe(200);
    const upload = await call('PUT', `/api/v2/transfers/${CID}/attachments/letter-1`, 'Dear Doctor', 'text/plain');
    expect(upload.json.attachments).toEqual([{ documentId: 'letter-1', received: true, sizeBytes: 11 }]);

    const filed = await call('POST', `/api/v2/transfers/${CID}/filing`, { mode: 'file' });
    expect(filed.json.status).toBe('filed');
    const outcome = new Map((filed.json.items as Json[]).map((i) => [`${String(i.kind)}:${String(i.id)}`, i]));
    expect(outcome.get('entry:prob-1')).toEqual({
      kind: 'entry',
      id: 'prob-1',
      outcome: 'filed',
      sourceIds: ['Condition/prob-1'],
    });
    expect(outcome.get('entry:obs-1')?.outcome).toBe('filedAsText');
    expect(outcome.get('result:hb-1')?.outcome).toBe('filed');
    expect(outcome.get('result:plt-1')?.outcome).toBe('filedAsText');
    expect(outcome.get('entry:letter-1')?.outcome).toBe('filedAsText');
    expect(outcome.get('entry:odd-1')?.outcome).toBe('notFiled');
    expect(outcome.get('attachment:letter-1')?.outcome).toBe('filed');

    const search = await call('GET', `/api/v2/patients?nhsNumber=${NHS}`);
    const found = (search.json.results as Json[])[0] as { patient: Json; registration: Json };
    expect(found.registration).toMatchObject({ status: 'registered', practice: { odsCode: 'P20002' } });
    const journal = await call('GET', `/api/v2/patients/${String(found.patient.id)}/journal`);
    const entries = (journal.json.events as { entries: Json[] }[]).flatMap((e) => e.entries);
    expect(entries.map((e) => e.entryId)).toEqual(['prob-1', 'obs-1', 'fbc-1', 'letter-1']);
    expect(entries[1]).toMatchObject({
      readCode: { scheme: 'LOCAL', code: 'TRFDEG' },
      text: 'Tired all the time',
      originalCodes: [{ system: 'http://read.info/readv2', code: '1683.' }],
    });
    expect(journal.json.staff).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: '910000000101', surname: 'Hartley' })]),
    );
    const document = await fetch(`${base}/api/v2/documents/letter-1`);
    expect(await document.text()).toBe('Dear Doctor');
  });

  it('refuses malformed requests with a reason, and contrary decisions', async () => {
    expect((await call('PUT', `/api/v2/transfers/${CID}`, transferDocument('9990000026'))).status).toBe(409);
    const cid = 'C0FFEE00-0000-4000-8000-000000000002';
    const bad = await call('PUT', `/api/v2/transfers/${cid}`, { nhsNumber: NHS, events: 'none' });
    expect(bad.status).toBe(400);
    expect((bad.json.error as Json).code).toBe('INVALID_TRANSFER');
    expect((await call('PUT', `/api/v2/transfers/${cid}`, transferDocument())).status).toBe(201);
    expect((await call('PUT', `/api/v2/transfers/${cid}/attachments/nope`, 'x', 'text/plain')).status).toBe(404);
    expect((await call('POST', `/api/v2/transfers/${cid}/filing`, { mode: 'later' })).status).toBe(400);
    expect((await call('POST', `/api/v2/transfers/${cid}/filing`, { mode: 'hold' })).json.status).toBe('held');
    expect((await call('POST', `/api/v2/transfers/${cid}/decision`, { accept: false })).status).toBe(400);
    const rejected = await call('POST', `/api/v2/transfers/${cid}/decision`, { accept: false, reasonCode: '11' });
    expect(rejected.json).toMatchObject({ status: 'rejected', reasonCode: '11' });
    expect((await call('POST', `/api/v2/transfers/${cid}/decision`, { accept: true })).status).toBe(409);
    expect((await call('POST', `/api/v2/transfers/${CID}/decision`, { accept: false, reasonCode: '11' })).status).toBe(
      409,
    );
  });

  it('lets a transferred-in record shadow a generated patient of the same NHS number', async () => {
    const cid = 'C0FFEE00-0000-4000-8000-000000000003';
    await call('PUT', `/api/v2/transfers/${cid}`, { ...transferDocument('9990000026'), attachments: [] });
    await call('POST', `/api/v2/transfers/${cid}/filing`, { mode: 'file' });
    const search = await call('GET', '/api/v2/patients?nhsNumber=9990000026');
    expect(search.json.total).toBe(1);
    expect((search.json.results as { patient: Json }[])[0]?.patient.name).toMatchObject({ surname: 'Transfer' });
  });
});
