import type { AddressInfo } from 'node:net';
import type { SyntheticPatient } from '../generator/model.js';
import { SyntheticDataset } from '../generator/generate.js';
import { startSimulators, type RunningSimulators } from '../server.js';
import { createHl7v3Gp2gpSystem } from './hl7v3-gp2gp.js';
import {
  at,
  attrOf,
  ehrRequestXml,
  findAll,
  parseHl7,
  TEST_EHR_REQUEST_ID,
  TEST_MESSAGE_ID,
  textAt,
  type XNode,
} from './hl7v3-gp2gp-testing.js';

const READ_V2 = '2.16.840.1.113883.2.1.6.2';
const SNOMED = '2.16.840.1.113883.2.1.3.2.4.15';
const EMIS_LOCAL = '2.16.840.1.113883.2.1.6.3';
const REASON = '2.16.840.1.113883.2.1.3.2.4.17.101';

describe('P30003 HL7 V3 GP2GP system over HTTP', () => {
  let sims: RunningSimulators;
  let base: string;

  beforeAll(async () => {
    sims = await startSimulators({ seed: 11, ports: { P30003: 0 }, extraPatients: 2 });
    base = sims.urls.P30003!;
  });

  afterAll(async () => {
    await sims.close();
  });

  afterEach(async () => {
    await fetch(`${base}/_faults`, { method: 'DELETE' });
  });

  const patient = (nhs: string): SyntheticPatient => {
    const p = sims.dataset.findPatient('P30003', nhs);
    if (!p) throw new Error(`no P30003 patient ${nhs}`);
    return p;
  };

  const requestExtract = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/gp2gp/ehr-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml', ...headers },
      body,
    });

  const extractOf = async (nhsNumber: string) => {
    const res = await requestExtract(ehrRequestXml({ nhsNumber }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/xml');
    const text = await res.text();
    return { text, doc: parseHl7(text) };
  };

  const reasonsOf = (doc: XNode) => ({
    ack: attrOf(at(doc, 'MCCI_IN010000UK13', 'acknowledgement'), 'typeCode'),
    detail: at(doc, 'MCCI_IN010000UK13', 'acknowledgement', 'acknowledgementDetail', 'code'),
    reason: at(doc, 'MCCI_IN010000UK13', 'ControlActEvent', 'reason', 'justifyingDetectedIssueEvent', 'code'),
    refersTo: attrOf(at(doc, 'MCCI_IN010000UK13', 'acknowledgement', 'messageRef', 'id'), 'root'),
  });

  it('answers /health', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    const health = at(parseHl7(await res.text()), 'Health');
    expect(attrOf(health, 'status')).toBe('ok');
    expect(attrOf(health, 'practice')).toBe('P30003');
    expect(attrOf(health, 'interactions')).toContain('RCMR_IN030000UK06');
  });

  it('answers an EHR request with the extract, fulfilling that request', async () => {
    const { doc } = await extractOf('9990000034');
    const message = at(doc, 'RCMR_IN030000UK06');
    expect(attrOf(at(message, 'interactionId'), 'extension')).toBe('RCMR_IN030000UK06');
    expect(attrOf(at(message, 'communicationFunctionRcv', 'device', 'id'), 'extension')).toBe('200000000026');
    const extract = at(message, 'ControlActEvent', 'subject', 'EhrExtract');
    expect(attrOf(at(extract, 'recordTarget', 'patient', 'id'), 'extension')).toBe('9990000034');
    expect(attrOf(at(extract, 'recordTarget', 'patient', 'id'), 'root')).toBe('2.16.840.1.113883.2.1.4.1');
    expect(attrOf(at(extract, 'author', 'AgentOrgSDS', 'agentOrganizationSDS', 'id'), 'extension')).toBe('P30003');
    expect(attrOf(at(extract, 'destination', 'AgentOrgSDS', 'agentOrganizationSDS', 'id'), 'extension')).toBe('X26');
    expect(attrOf(at(extract, 'inFulfillmentOf', 'priorEhrRequest', 'id'), 'root')).toBe(TEST_EHR_REQUEST_ID);
  });

  it('carries every item of the full record, each under its own id', async () => {
    const p = patient('9990000034');
    const { doc } = await extractOf('9990000034');
    const ids = new Set(findAll(doc, 'id').map((id) => attrOf(id, 'root')));
    const r = p.record;
    const expected = [
      ...r.consultations.map((c) => c.id),
      ...r.allergies.map((a) => a.id),
      ...r.problems.map((x) => x.id),
      ...r.medications.flatMap((m) => [m.id, ...m.issues.map((i) => i.id)]),
      ...r.observations.map((o) => o.id),
      ...r.immunisations.map((i) => i.id),
      ...r.testResults.flatMap((t) => [t.id, ...t.results.map((v) => v.id)]),
      ...r.referrals.map((f) => f.id),
      ...r.documents.map((d) => d.id),
    ];
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.filter((id) => !ids.has(id))).toEqual([]);
    // One composition per consultation, each with its own id.
    const compositions = findAll(doc, 'ehrComposition').map((c) => attrOf(at(c, 'id'), 'root'));
    expect(compositions).toEqual(expect.arrayContaining(r.consultations.map((c) => c.id)));
  });

  it('uses every statement kind of a real extract', async () => {
    const { doc } = await extractOf('9990000034');
    const count = (name: string) => findAll(doc, name).length;
    expect(count('ObservationStatement')).toBeGreaterThan(10);
    expect(count('LinkSet')).toBe(patient('9990000034').record.problems.length);
    expect(count('RequestStatement')).toBe(1);
    expect(count('referredToExternalDocument')).toBe(1);
    expect(count('ehrSupplyAuthorise')).toBe(3);
    expect(count('ehrSupplyPrescribe')).toBe(
      patient('9990000034').record.medications.reduce((n, m) => n + m.issues.length, 0),
    );
    const compoundClasses = new Set(findAll(doc, 'CompoundStatement').map((c) => attrOf(c, 'classCode')));
    expect([...compoundClasses].sort()).toEqual(['BATTERY', 'CATEGORY', 'CLUSTER', 'TOPIC']);
    expect(count('NarrativeStatement')).toBeGreaterThan(2);
    expect(count('referenceRange')).toBe(11);
  });

  it('codes items in Read v2 with SNOMED CT translations, and sends local codes untranslated', async () => {
    const { doc } = await extractOf('9990000034');
    const codes = findAll(doc, 'code');
    const asthma = codes.find((c) => attrOf(c, 'code') === 'H33..' && attrOf(c, 'codeSystem') === READ_V2);
    expect(asthma).toBeDefined();
    expect(findAll(asthma, 'translation').map((t) => [attrOf(t, 'code'), attrOf(t, 'codeSystem')])).toEqual([
      ['195967001', SNOMED],
    ]);
    const locals = codes.filter((c) => attrOf(c, 'codeSystem') === EMIS_LOCAL);
    expect(locals.map((c) => attrOf(c, 'code')).sort()).toEqual(['EMISCTH1', 'EMISD_BE1', 'EMISNQPR489']);
    for (const local of locals) expect(findAll(local, 'translation')).toEqual([]);
  });

  it('answers the small record of 9990000093', async () => {
    const p = patient('9990000093');
    const { doc } = await extractOf('9990000093');
    const ids = new Set(findAll(doc, 'id').map((id) => attrOf(id, 'root')));
    const items = [...p.record.allergies, ...p.record.problems, ...p.record.observations, ...p.record.immunisations];
    expect(items.length).toBeGreaterThanOrEqual(5);
    expect(items.filter((i) => !ids.has(i.id))).toEqual([]);
    expect(findAll(doc, 'MedicationStatement')).toEqual([]);
  });

  it('serves synthetic extra patients of the practice', async () => {
    const extra = sims.dataset.patientsOf('P30003').find((p) => !p.demographics.nhsNumber.startsWith('999000'));
    expect(extra).toBeDefined();
    const { doc } = await extractOf(extra!.demographics.nhsNumber);
    const extract = at(doc, 'RCMR_IN030000UK06', 'ControlActEvent', 'subject', 'EhrExtract');
    expect(attrOf(at(extract, 'recordTarget', 'patient', 'id'), 'extension')).toBe(extra!.demographics.nhsNumber);
  });

  it('gives the same extract for the same request (deterministic)', async () => {
    const first = await extractOf('9990000093');
    const second = await extractOf('9990000093');
    expect(second.text).toBe(first.text);
  });

  it('answers a patient who is not registered here with a NACK, reason 06, HTTP 404', async () => {
    for (const nhsNumber of ['9990000115', '9990000018']) {
      const res = await requestExtract(ehrRequestXml({ nhsNumber }));
      expect(res.status).toBe(404);
      const nack = reasonsOf(parseHl7(await res.text()));
      expect(nack.ack).toBe('AE');
      expect(nack.refersTo).toBe(TEST_MESSAGE_ID);
      for (const code of [nack.detail, nack.reason]) {
        expect(attrOf(code, 'code')).toBe('06');
        expect(attrOf(code, 'codeSystem')).toBe(REASON);
      }
    }
  });

  it('answers a request it cannot read with a NACK, reason 18, HTTP 400', async () => {
    const bad = [
      '<RCMR_IN010000UK05><id root="x"/>',
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
      ehrRequestXml({ nhsNumber: '9990000034' }).replace(/RCMR_IN010000UK05/g, 'QUPA_IN040000UK32'),
      ehrRequestXml({ nhsNumber: '999' }),
    ];
    for (const body of bad) {
      const res = await requestExtract(body);
      expect(res.status).toBe(400);
      const nack = reasonsOf(parseHl7(await res.text()));
      expect(attrOf(nack.detail, 'code')).toBe('18');
    }
    for (const [contentType, status] of [
      ['application/json', 400],
      ['application/octet-stream', 415],
    ] as const) {
      const res = await fetch(`${base}/gp2gp/ehr-request`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: '{}',
      });
      expect(res.status).toBe(status);
      expect(attrOf(reasonsOf(parseHl7(await res.text())).detail, 'code')).toBe('18');
    }
  });

  it('sends the NACK a test asks for with x-sim-nack', async () => {
    const res = await requestExtract(ehrRequestXml({ nhsNumber: '9990000034' }), { 'x-sim-nack': '10' });
    expect(res.status).toBe(200);
    const nack = reasonsOf(parseHl7(await res.text()));
    expect(attrOf(nack.reason, 'code')).toBe('10');
    expect(attrOf(nack.reason, 'displayName')).toContain('generate');
  });

  it('serves the "PDS-like" summary with demographics and flags', async () => {
    const p = patient('9990000034');
    const res = await fetch(`${base}/gp2gp/patients/9990000034/summary`);
    expect(res.status).toBe(200);
    const summary = at(parseHl7(await res.text()), 'PatientSummary');
    expect(attrOf(summary, 'nhsNumber')).toBe('9990000034');
    expect(attrOf(summary, 'sourceId')).toBe(p.sourceId);
    expect(textAt(summary, 'name', 'family')).toBe(p.demographics.name.family);
    expect(attrOf(at(summary, 'birthTime'), 'value')).toBe(p.demographics.birthDate.replace(/-/g, ''));
    expect(attrOf(at(summary, 'registration', 'practice'), 'ods')).toBe('P30003');
    expect(attrOf(at(summary, 'registration', 'usualGp'), 'sdsUserId')).toBe(p.demographics.usualGp.sdsUserId);
    expect(attrOf(at(summary, 'consent'), 'dissent')).toBe('false');
    expect(attrOf(at(summary, 'confidentiality'), 'sensitive')).toBe('false');
    expect((await fetch(`${base}/gp2gp/patients/9990000018/summary`)).status).toBe(404);
    expect((await fetch(`${base}/gp2gp/patients/12ab/summary`)).status).toBe(400);
  });

  it('serves the attachments the extract refers to', async () => {
    const { doc } = await extractOf('9990000034');
    const reference = at(findAll(doc, 'referredToExternalDocument')[0], 'text', 'reference');
    const url = attrOf(reference, 'value')!;
    expect(url.startsWith(`${base}/documents/`)).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const document = patient('9990000034').record.documents[0]!;
    expect((await res.arrayBuffer()).byteLength).toBe(document.size);
  });

  it('injects faults, answering failures with a NACK reason 99', async () => {
    const failed = await requestExtract(ehrRequestXml({ nhsNumber: '9990000034' }), { 'x-sim-fail': '503' });
    expect(failed.status).toBe(503);
    expect(attrOf(reasonsOf(parseHl7(await failed.text())).detail, 'code')).toBe('99');
    await fetch(`${base}/_faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ drop: true }),
    });
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});

describe('GP2GP system with confidential items', () => {
  it('sends the record as RCMR_IN030000UK07 with NOPAT on exactly the confidential items', async () => {
    // P20002's 9990000069 has confidential items; the GP2GP system can serve any practice's data.
    const dataset = new SyntheticDataset({ seed: 5 });
    const app = createHl7v3Gp2gpSystem({ dataset, ods: 'P20002' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (app.server.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/gp2gp/ehr-request`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: ehrRequestXml({ nhsNumber: '9990000069', senderOds: 'P20002' }),
      });
      expect(res.status).toBe(200);
      const doc = parseHl7(await res.text());
      expect(at(doc, 'RCMR_IN030000UK07')).toBeDefined();
      const record = dataset.findPatient('P20002', '9990000069')!.record;
      const confidentialIds = new Set(
        [...record.problems, ...record.observations, ...record.documents]
          .filter((i) => i.confidential)
          .map((i) => i.id),
      );
      expect(confidentialIds.size).toBeGreaterThan(0);
      const marked = new Set<string>();
      for (const name of ['ObservationStatement', 'LinkSet', 'NarrativeStatement', 'ehrComposition']) {
        for (const node of findAll(doc, name)) {
          if (attrOf(at(node, 'confidentialityCode'), 'code') === 'NOPAT') marked.add(attrOf(at(node, 'id'), 'root')!);
        }
      }
      expect([...confidentialIds].filter((id) => !marked.has(id))).toEqual([]);
      const ordinary = record.allergies.map((a) => a.id);
      expect(ordinary.filter((id) => marked.has(id))).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
