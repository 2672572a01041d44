import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from '../generator/generate.js';
import { createXmlReadV2System } from './xml-readv2.js';

const CONVERSATION = 'A1B2C3D4-0000-4000-8000-000000000001';

function incoming(nhsNumber: string, options: { mode?: string; attachment?: number; code?: string } = {}): string {
  const code = options.code ?? '<Code scheme="READ2" code="H33.." term="Asthma"/>';
  const document =
    options.attachment === undefined
      ? ''
      : `<Document id="DOC1" date="2024-01-02" confidential="false" contentType="application/pdf" size="${options.attachment}" attachment="DOC1" sourceRefs="DocumentReference/DOC1"><Term>Letter</Term></Document>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<IncomingRecord from="P20002" mode="${options.mode ?? 'integrate'}">
  <Patient nhsNumber="${nhsNumber}"><Demographics><Name><Title>Ms</Title><Given>Ada</Given><Family>Lovelace</Family></Name>
  <Sex>F</Sex><DateOfBirth>1970-01-01</DateOfBirth><Address><Line>1 Road</Line><Town>Leeds</Town><Postcode>LS1 1AA</Postcode></Address></Demographics></Patient>
  <ClinicalRecord><Problems><Problem id="PR1" date="2020-03" confidential="false" status="active" significance="major" sourceRefs="Condition/PR1">${code}<Term>Asthma as recorded</Term></Problem></Problems>
  <Documents>${document}</Documents></ClinicalRecord>
</IncomingRecord>`;
}

let app: FastifyInstance;

beforeEach(() => {
  app = createXmlReadV2System({ dataset: new SyntheticDataset({ seed: 7 }) });
});

afterEach(async () => {
  await app.close();
});

const post = (path: string, payload: string) =>
  app.inject({ method: 'POST', url: path, payload, headers: { 'content-type': 'application/xml' } });

describe('P10001 transfer endpoints', () => {
  it('files an incoming record at once and serves it through the ordinary reads', async () => {
    const first = await post(`/transfers/${CONVERSATION}/record`, incoming('9990000026'));
    expect(first.statusCode).toBe(201);
    expect(first.body).toContain('status="integrated"');
    expect(first.body).toContain('<Item ref="PR1" sourceRefs="Condition/PR1" outcome="integrated"/>');

    const record = await app.inject({ method: 'GET', url: '/patients/9990000026/record' });
    expect(record.statusCode).toBe(200);
    expect(record.body).toContain('<Code scheme="READ2" code="H33.." term="Asthma"/>');
    expect(record.body).toContain('<Term>Asthma as recorded</Term>');
    const search = await app.inject({ method: 'GET', url: '/patients?nhsNumber=9990000026' });
    expect(search.body).toContain('<Practice ods="P10001"');

    const again = await post(`/transfers/${CONVERSATION}/record`, incoming('9990000026'));
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
  });

  it('files a code it cannot store as transfer-degraded, keeping the original code and text', async () => {
    const snomed = '<Code scheme="SNOMED" code="195967001" term="Asthma"/>';
    const answer = await post(`/transfers/${CONVERSATION}/record`, incoming('9990000026', { code: snomed }));
    expect(answer.body).toMatch(/<Item ref="PR1" [^>]*outcome="degraded" note="SNOMED code 195967001/);
    const record = await app.inject({ method: 'GET', url: '/patients/9990000026/record' });
    expect(record.body).toContain('<Code scheme="READ2" code="9bJ0." term="Transfer-degraded record entry"/>');
    expect(record.body).toContain('<OriginalCode scheme="SNOMED" code="195967001" term="Asthma"/>');
    expect(record.body).toContain('<Term>Asthma as recorded</Term>');
  });

  it('waits for announced attachments, checks their length, and files when the last one arrives', async () => {
    const answer = await post(`/transfers/${CONVERSATION}/record`, incoming('9990000026', { attachment: 5 }));
    expect(answer.body).toContain('status="receiving"');
    expect((await app.inject({ method: 'GET', url: '/patients/9990000026' })).statusCode).toBe(404);

    const put = (payload: string) =>
      app.inject({
        method: 'PUT',
        url: `/transfers/${CONVERSATION}/attachments/DOC1`,
        payload,
        headers: { 'content-type': 'application/pdf' },
      });
    const short = await put('abc');
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('LENGTH_MISMATCH');
    const done = await put('hello');
    expect(done.body).toContain('status="integrated"');
    expect((await app.inject({ method: 'GET', url: '/documents/DOC1' })).body).toBe('hello');
  });

  it('holds a record until a decision, and refuses attachments it never announced', async () => {
    await post(`/transfers/${CONVERSATION}/record`, incoming('9990000026', { mode: 'hold' }));
    const stray = await app.inject({
      method: 'PUT',
      url: `/transfers/${CONVERSATION}/attachments/OTHER`,
      payload: 'x',
      headers: { 'content-type': 'application/pdf' },
    });
    expect(stray.statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/patients/9990000026' })).statusCode).toBe(404);
    const rejected = await post(`/transfers/${CONVERSATION}/decision`, '<Decision accept="false" reasonCode="17"/>');
    expect(rejected.body).toContain('status="rejected" reasonCode="17"');
    // A later, different decision does not undo the first.
    const late = await post(`/transfers/${CONVERSATION}/decision`, '<Decision accept="true"/>');
    expect(late.body).toContain('status="rejected"');
    expect((await app.inject({ method: 'GET', url: '/patients/9990000026' })).statusCode).toBe(404);
  });

  it('refuses documents with entity declarations and records that are not well formed', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><IncomingRecord>&x;</IncomingRecord>`;
    const refused = await post(`/transfers/${CONVERSATION}/record`, xxe);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('INVALID_RECORD');
    const broken = await post(`/transfers/${CONVERSATION}/record`, incoming('9990000026').slice(0, 200));
    expect(broken.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/transfers/${CONVERSATION}` })).statusCode).toBe(404);
  });
});
