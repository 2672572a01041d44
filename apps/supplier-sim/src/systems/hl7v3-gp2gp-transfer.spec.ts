import type { FastifyInstance } from 'fastify';
import { SyntheticDataset } from '../generator/generate.js';
import { practiceProfile } from '../generator/practices.js';
import { renderExtract } from './hl7v3-gp2gp-extract.js';
import { renderSummary } from './hl7v3-gp2gp-messages.js';
import { createHl7v3Gp2gpSystem } from './hl7v3-gp2gp.js';
import { ehrRequestXml, findAll, parseHl7, TEST_EHR_REQUEST_ID, TEST_MESSAGE_ID } from './hl7v3-gp2gp-testing.js';

const dataset = new SyntheticDataset({ seed: 7 });
const XML = { 'content-type': 'application/xml' };
const BYTES = { 'content-type': 'application/octet-stream' };

/** Another practice's patient as a GP2GP extract, rendered the way an HL7 V3 sender writes it. */
function extractOf(nhsNumber: string, ods: string): string {
  const patient = dataset.findPatient(ods, nhsNumber)!;
  return renderExtract({
    patient,
    practice: practiceProfile(ods),
    asid: '200000010001',
    request: { messageId: TEST_MESSAGE_ID, ehrRequestId: TEST_EHR_REQUEST_ID, nhsNumber, requesterOds: 'P30003' },
    createdAt: '2025-06-01T00:00',
    documentUrl: (d) => `http://sender.invalid/documents/${d.id}`,
  });
}

function summaryOf(nhsNumber: string, ods: string): string {
  return renderSummary(dataset.findPatient(ods, nhsNumber)!, practiceProfile(ods));
}

function statuses(xml: string): string | undefined {
  return /<IntegrationReport\b[^>]*\bstatus="([^"]+)"/.exec(xml)?.[1];
}

describe('P30003 inbound GP2GP (receiving a record)', () => {
  let app: FastifyInstance;

  beforeEach(() => {
    app = createHl7v3Gp2gpSystem({ dataset, ods: 'P30003' });
  });

  afterEach(async () => {
    await app.close();
  });

  const post = (url: string, payload?: string) =>
    app.inject({ method: 'POST', url, ...(payload !== undefined ? { payload, headers: XML } : {}) });

  async function receive(conversation: string, nhsNumber: string, ods: string, mode: string) {
    const sent = await post(`/gp2gp/inbound/${conversation}`, extractOf(nhsNumber, ods));
    expect(sent.statusCode).toBe(202);
    const registered = await app.inject({
      method: 'PUT',
      url: `/gp2gp/inbound/${conversation}/registration`,
      payload: summaryOf(nhsNumber, ods),
      headers: XML,
    });
    expect(registered.statusCode).toBe(200);
    const patient = dataset.findPatient(ods, nhsNumber)!;
    for (const document of patient.record.documents) {
      const put = await app.inject({
        method: 'PUT',
        url: `/gp2gp/inbound/${conversation}/attachments/${document.id}`,
        payload: Buffer.alloc(document.size, 7),
        headers: BYTES,
      });
      expect(put.statusCode).toBe(200);
    }
    return post(`/gp2gp/inbound/${conversation}/file?mode=${mode}`);
  }

  it('files a received record so the summary, the EHR request and the documents serve it', async () => {
    const nhsNumber = '9990000018';
    const source = dataset.findPatient('P10001', nhsNumber)!;
    const before = await post('/gp2gp/ehr-request', ehrRequestXml({ nhsNumber }));
    expect(before.statusCode).toBe(404);

    const filed = await receive('A1B2C3D4-0000-4000-8000-000000000001', nhsNumber, 'P10001', 'integrate');
    expect(statuses(filed.body)).toBe('integrated');
    expect(filed.body).not.toContain('outcome="not-integrated"');

    const summary = await app.inject({ method: 'GET', url: `/gp2gp/patients/${nhsNumber}/summary` });
    expect(summary.statusCode).toBe(200);
    expect(summary.body).toContain(`<family>${source.demographics.name.family}</family>`);
    expect(summary.body).toContain('ods="P30003"');

    const extract = await post('/gp2gp/ehr-request', ehrRequestXml({ nhsNumber }));
    expect(extract.statusCode).toBe(200);
    const root = parseHl7(extract.body);
    const r = source.record;
    expect(findAll(root, 'ehrSupplyAuthorise')).toHaveLength(r.medications.length);
    expect(findAll(root, 'ehrSupplyPrescribe')).toHaveLength(r.medications.reduce((n, m) => n + m.issues.length, 0));
    expect(findAll(root, 'RequestStatement')).toHaveLength(r.referrals.length);
    expect(findAll(root, 'referredToExternalDocument')).toHaveLength(r.documents.length);
    const linkSets = findAll(root, 'LinkSet').length;
    expect(linkSets).toBe(r.problems.length);
    for (const allergy of r.allergies) expect(extract.body).toContain(allergy.term);

    const document = r.documents[0]!;
    const served = await app.inject({ method: 'GET', url: `/documents/${document.id}` });
    expect(served.rawPayload.byteLength).toBe(document.size);
  });

  it('files a local-only code degraded, with its text and the transfer-degraded code', async () => {
    const filed = await receive('A1B2C3D4-0000-4000-8000-000000000002', '9990000034', 'P30003', 'integrate');
    expect(statuses(filed.body)).toBe('integrated');
    expect(filed.body).toContain('outcome="degraded"');
  });

  it('answers a repeated delivery with the first report and files nothing twice', async () => {
    const id = 'A1B2C3D4-0000-4000-8000-000000000003';
    const first = await receive(id, '9990000093', 'P30003', 'integrate');
    const again = await post(`/gp2gp/inbound/${id}`, extractOf('9990000093', 'P30003'));
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(first.body);
    const refiled = await post(`/gp2gp/inbound/${id}/file?mode=integrate`);
    expect(refiled.body).toBe(first.body);
  });

  it('holds a record until accepted; rejecting another discards it', async () => {
    const held = await receive('A1B2C3D4-0000-4000-8000-000000000004', '9990000042', 'P40004', 'hold');
    expect(statuses(held.body)).toBe('held');
    const hidden = await app.inject({ method: 'GET', url: '/gp2gp/patients/9990000042/summary' });
    expect(hidden.statusCode).toBe(404);
    const accepted = await post('/gp2gp/inbound/A1B2C3D4-0000-4000-8000-000000000004/accept');
    expect(statuses(accepted.body)).toBe('integrated');
    expect((await app.inject({ method: 'GET', url: '/gp2gp/patients/9990000042/summary' })).statusCode).toBe(200);

    await receive('A1B2C3D4-0000-4000-8000-000000000005', '9990000026', 'P20002', 'hold');
    const rejected = await post('/gp2gp/inbound/A1B2C3D4-0000-4000-8000-000000000005/reject?reason=17');
    expect(statuses(rejected.body)).toBe('rejected');
    expect(rejected.body).toContain('reason="17"');
    expect((await app.inject({ method: 'GET', url: '/gp2gp/patients/9990000026/summary' })).statusCode).toBe(404);
  });

  it('refuses what it cannot read, and entity declarations, without filing anything', async () => {
    const bad = await post('/gp2gp/inbound/A1B2C3D4-0000-4000-8000-000000000006', '<RCMR_IN030000UK06><oops>');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('EXTRACT_UNREADABLE');
    const xxe = await post(
      '/gp2gp/inbound/A1B2C3D4-0000-4000-8000-000000000007',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><RCMR_IN030000UK06>&e;</RCMR_IN030000UK06>',
    );
    expect(xxe.statusCode).toBe(400);
    const report = await app.inject({ method: 'GET', url: '/gp2gp/inbound/A1B2C3D4-0000-4000-8000-000000000006' });
    expect(report.statusCode).toBe(404);
    const unregistered = await post(
      '/gp2gp/inbound/A1B2C3D4-0000-4000-8000-000000000008',
      extractOf('9990000050', 'P10001'),
    );
    expect(unregistered.statusCode).toBe(202);
    const notYet = await post('/gp2gp/inbound/A1B2C3D4-0000-4000-8000-000000000008/file');
    expect(notYet.statusCode).toBe(409);
  });
});
