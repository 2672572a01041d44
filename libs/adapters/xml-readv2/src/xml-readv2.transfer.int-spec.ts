import { createHash, randomUUID } from 'node:crypto';
import { recordSections } from '@lloyd/config';
import { CLINICAL_TYPES, CODE_SYSTEMS, type CanonicalRecord } from '@lloyd/adapters-core';
import { assertValidR4, generatedAttachment, generateBytes } from '@lloyd/adapters-core-testing';
import { JsonCtv3Adapter } from '@lloyd/adapter-json-ctv3';
// Tests may start the simulators; library source never imports apps.
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
// eslint-disable-next-line no-restricted-imports -- a second XML system, for a practice that has no such patient yet
import { createXmlReadV2System } from '../../../../apps/supplier-sim/src/systems/xml-readv2.js';
import { TransferRefusedError, type AttachmentSource, type RecordDelivery } from '@lloyd/adapters-core';
import { XmlReadV2Adapter } from './xml-readv2.adapter.js';
import { XmlReadV2Transfer } from './xml-readv2.transfer.js';

const CLINICAL: string[] = [...CLINICAL_TYPES, 'Medication'];

const ctx = (conversationId = randomUUID().toUpperCase(), counterpartOds = 'P20002') => ({
  signal: AbortSignal.timeout(30_000),
  correlationId: 'transfer-int-spec',
  conversationId,
  counterpartOds,
});

/** Deterministic bytes, produced chunk by chunk (never held whole), their digest, and how often they were opened. */
function generated(id: string, bytes: number, contentType = 'application/pdf') {
  const attachment = generatedAttachment(id, `${id}.pdf`, bytes, contentType);
  const hash = createHash('sha256');
  for (const chunk of generateBytes(bytes, id)) hash.update(chunk);
  let opened = 0;
  const source: AttachmentSource = {
    ...attachment,
    open: () => {
      opened++;
      return attachment.open();
    },
  };
  return { source, sha256: hash.digest('hex'), opened: () => opened };
}

function countByType(record: CanonicalRecord): Record<string, number> {
  return Object.fromEntries(
    CLINICAL.map((type) => [type, record.resources.filter((r) => r.resourceType === type).length]),
  );
}

function delivery(
  record: CanonicalRecord,
  attachments: AttachmentSource[],
  mode: 'integrate' | 'hold',
  fromOds = 'P20002',
  patientStatus = { dissent: false, sensitive: false },
): RecordDelivery {
  return { record, attachments, fromOds, mode, degradedCount: 0, missingAttachments: [], patientStatus };
}

async function sha256Of(url: string): Promise<{ sha256: string; bytes: number }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const body = Buffer.from(await response.arrayBuffer());
  return { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length };
}

let sims: RunningSimulators;
let other: { url: string; close: () => Promise<void> };

beforeAll(async () => {
  sims = await startSimulators({
    seed: 42,
    largeRecord: { consultations: 5, attachments: 1, attachmentBytes: 10_000 },
  });
  // The same XML system serving another practice, to receive P10001's own Read v2 coded record.
  const app = createXmlReadV2System({ dataset: sims.dataset, ods: 'P40004' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  other = { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
});

afterAll(async () => {
  await other?.close();
  await sims?.close();
});

const p10001 = () => new XmlReadV2Transfer({ ods: 'P10001', baseUrl: sims.urls.P10001! });
const reader = () => new XmlReadV2Adapter({ ods: 'P10001', baseUrl: sims.urls.P10001! });
const ctv3Record = async (nhsNumber: string) => {
  const adapter = new JsonCtv3Adapter({ ods: 'P20002', baseUrl: sims.urls.P20002! });
  const record = await adapter.getRecord(nhsNumber, { sections: recordSections }, ctx());
  if (!record) throw new Error(`no P20002 record for ${nhsNumber}`);
  return record;
};

describe('XmlReadV2Transfer.exportRecord (P10001 sending)', () => {
  it('gives the demo full record in the canonical model with every document as a streamed attachment', async () => {
    const exported = await p10001().exportRecord('9990000018', ctx());
    expect(exported.extract.format).toBe('canonical');
    if (exported.extract.format !== 'canonical') return;
    const expected = sims.dataset.findPatient('P10001', '9990000018')!.record;
    const counts = countByType(exported.extract.record);
    expect(counts['AllergyIntolerance']).toBe(expected.allergies.length);
    expect(counts['Condition']).toBe(expected.problems.length);
    expect(counts['MedicationStatement']).toBe(expected.medications.length);
    expect(counts['Encounter']).toBe(expected.consultations.length);
    expect(exported.attachments.map((a) => a.id).sort()).toEqual(expected.documents.map((d) => d.id).sort());
    for (const attachment of exported.attachments) {
      const document = expected.documents.find((d) => d.id === attachment.id)!;
      expect(attachment.length).toBe(document.size);
      let bytes = 0;
      for await (const chunk of await attachment.open()) bytes += (chunk as Buffer).length;
      expect(bytes).toBe(document.size);
    }
  });

  it('refuses a patient who is not registered there with GP2GP reason 06', async () => {
    await expect(p10001().exportRecord('9990000026', ctx())).rejects.toMatchObject({
      constructor: TransferRefusedError,
      reasonCode: '06',
    });
  });
});

describe('XmlReadV2Transfer.importRecord (P10001 receiving)', () => {
  it('integrates a CTV3 record from P20002: every item filed, those without Read v2 degraded with their text', async () => {
    const source = await ctv3Record('9990000026');
    const documents = source.resources.filter((r) => r.resourceType === 'DocumentReference');
    const attachments = documents.map((d) => generated(d.id!, 20_000));
    const conversation = ctx();
    expect(await reader().findPatient('9990000026', conversation)).toBeNull();

    const result = await p10001().importRecord(
      '9990000026',
      delivery(
        source,
        attachments.map((a) => a.source),
        'integrate',
      ),
      conversation,
    );

    expect(result.status).toBe('integrated');
    const clinical = source.resources.filter((r) => CLINICAL.includes(r.resourceType));
    const reported = new Map(result.items.map((i) => [i.sourceId, i]));
    for (const resource of clinical) expect(reported.get(`${resource.resourceType}/${resource.id}`)).toBeDefined();
    // P20002 codes in CTV3 only: nothing carries Read v2, so every coded item is degraded, none dropped.
    expect(result.items.filter((i) => i.outcome === 'degraded').length).toBeGreaterThan(0);
    expect(result.items.filter((i) => i.outcome === 'not-integrated')).toEqual([]);
    for (const a of attachments) expect(reported.get(a.source.id)?.outcome).toBe('integrated');

    const patient = await reader().findPatient('9990000026', conversation);
    expect(patient).not.toBeNull();
    const filed = await reader().getRecord('9990000026', { sections: recordSections }, conversation);
    expect(filed).not.toBeNull();
    expect(countByType(filed!)).toEqual(countByType(source));
    expect(filed!.practice.identifier?.[0]?.value).toBe('P10001');
    for (const resource of [filed!.patient, ...filed!.resources]) await assertValidR4(resource);

    // A degraded item keeps its original text under the Read v2 transfer-degraded code.
    const allergy = source.resources.find((r) => r.resourceType === 'AllergyIntolerance') as fhir4.AllergyIntolerance;
    const filedAllergy = filed!.resources.find(
      (r) => r.resourceType === 'AllergyIntolerance' && r.id === allergy.id,
    ) as fhir4.AllergyIntolerance;
    expect(filedAllergy.code?.coding?.[0]).toMatchObject({ system: CODE_SYSTEMS.readv2, code: '9bJ0.' });
    expect(filedAllergy.code?.text).toBe(allergy.code?.text);

    // The attachments are served as the documents' content, byte for byte.
    for (const a of attachments) {
      expect(await sha256Of(`${sims.urls.P10001}/documents/${a.source.id}`)).toEqual({
        sha256: a.sha256,
        bytes: 20_000,
      });
    }

    // Repeating the delivery answers the same and files nothing twice (no attachment is even opened again).
    const again = await p10001().importRecord(
      '9990000026',
      delivery(
        source,
        attachments.map((a) => a.source),
        'integrate',
      ),
      conversation,
    );
    expect(again).toEqual(result);
    for (const a of attachments) expect(a.opened()).toBe(1);
    const refiled = await reader().getRecord('9990000026', { sections: recordSections }, conversation);
    expect(countByType(refiled!)).toEqual(countByType(source));
  });

  it('files a Read v2 coded record as it is: every coded item integrated, codes unchanged', async () => {
    const exported = await p10001().exportRecord('9990000018', ctx());
    if (exported.extract.format !== 'canonical') throw new Error('expected a canonical export');
    const source = exported.extract.record;
    const receiver = new XmlReadV2Transfer({ ods: 'P40004', baseUrl: other.url });
    const result = await receiver.importRecord(
      '9990000018',
      delivery(source, [...exported.attachments], 'integrate', 'P10001'),
      ctx(undefined, 'P10001'),
    );
    expect(result.status).toBe('integrated');
    expect(result.items.filter((i) => i.outcome !== 'integrated')).toEqual([]);

    const filed = await new XmlReadV2Adapter({ ods: 'P40004', baseUrl: other.url }).getRecord(
      '9990000018',
      { sections: recordSections },
      ctx(),
    );
    expect(countByType(filed!)).toEqual(countByType(source));
    const codes = (record: CanonicalRecord) =>
      record.resources
        .filter((r) => r.resourceType === 'Condition')
        .map((r) => `${r.id}:${(r as fhir4.Condition).code?.coding?.[0]?.code}`)
        .sort();
    expect(codes(filed!)).toEqual(codes(source));
  });

  it('holds a record until the practice accepts it, then files it', async () => {
    const source = await ctv3Record('9990000069');
    const conversation = ctx();
    const held = await p10001().importRecord('9990000069', delivery(source, [], 'hold'), conversation);
    expect(held.status).toBe('awaiting-acceptance');
    expect(await reader().findPatient('9990000069', conversation)).toBeNull();

    const accepted = await p10001().completeImport('9990000069', { accept: true }, conversation, held);
    expect(accepted.status).toBe('integrated');
    expect(await p10001().completeImport('9990000069', { accept: true }, conversation, held)).toEqual(accepted);
    const filed = await reader().getRecord('9990000069', { sections: recordSections }, conversation);
    expect(countByType(filed!)).toEqual(countByType(source));
  });

  it('answers an acceptance with every item of the held note, those it could not send still not integrated', async () => {
    const base = await ctv3Record('9990000026');
    // A specimen outside any report has no place in the system's record: the adapter reports it, never sends it.
    const specimen: fhir4.Specimen = {
      resourceType: 'Specimen',
      id: 'orphan-specimen-1',
      subject: { reference: `Patient/${base.patient.id}` },
    };
    const source = { ...base, resources: [...base.resources, specimen] };
    const conversation = ctx();
    const held = await p10001().importRecord('9990000026', delivery(source, [], 'hold'), conversation);
    const unsent = { sourceId: 'Specimen/orphan-specimen-1', outcome: 'not-integrated' };
    expect(held.items).toContainEqual(expect.objectContaining(unsent));

    const accepted = await p10001().completeImport('9990000026', { accept: true }, conversation, held);
    expect(accepted.status).toBe('integrated');
    expect(accepted.items.map((i) => i.sourceId)).toEqual(held.items.map((i) => i.sourceId));
    expect(accepted.items).toContainEqual(expect.objectContaining(unsent));
  });

  it('discards a held record the practice rejects, answering the reason code', async () => {
    const source = await ctv3Record('9990000085');
    const conversation = ctx();
    const big = generated('REJECTED-DOC', 50_000);
    const held = await p10001().importRecord('9990000085', delivery(source, [big.source], 'hold'), conversation);
    expect(held.status).toBe('awaiting-acceptance');

    const rejected = await p10001().completeImport(
      '9990000085',
      { accept: false, reasonCode: '17' },
      conversation,
      held,
    );
    expect(rejected).toMatchObject({ status: 'rejected', reasonCode: '17' });
    expect(rejected.items.every((i) => i.outcome === 'not-integrated')).toBe(true);
    expect(rejected.items.map((i) => i.sourceId)).toEqual(held.items.map((i) => i.sourceId));
    expect(await reader().findPatient('9990000085', conversation)).toBeNull();
    expect((await fetch(`${sims.urls.P10001}/documents/REJECTED-DOC`)).status).toBe(404);
  });

  it('streams an attachment of several MB through to the filed document', async () => {
    const source = await ctv3Record('9990000026');
    const patient = {
      ...source.patient,
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000026' }],
    };
    const big = generated('LARGE-SCAN', 8 * 1024 * 1024 + 123, 'image/tiff');
    const result = await p10001().importRecord(
      '9990000026',
      delivery({ ...source, patient, resources: [] }, [big.source], 'integrate'),
      ctx(),
    );
    expect(result.status).toBe('integrated');
    expect(result.items).toContainEqual({ sourceId: 'LARGE-SCAN', outcome: 'integrated' });
    expect(await sha256Of(`${sims.urls.P10001}/documents/LARGE-SCAN`)).toEqual({
      sha256: big.sha256,
      bytes: 8 * 1024 * 1024 + 123,
    });
  });

  it("keeps the sending practice's dissent and S-flag: the patient is then reported with them", async () => {
    const source = await ctv3Record('9990000026');
    const status = { dissent: true, sensitive: true };
    const result = await p10001().importRecord(
      '9990000026',
      delivery(source, [], 'integrate', 'P20002', status),
      ctx(),
    );
    expect(result.status).toBe('integrated');
    const found = await reader().findPatient('9990000026', ctx());
    expect(found?.flags).toMatchObject(status);
  });

  it('rejects a delivery whose record is for another patient than the one named (GP2GP 28)', async () => {
    const source = await ctv3Record('9990000026');
    const result = await p10001().importRecord('9990000034', delivery(source, [], 'integrate'), ctx());
    expect(result).toEqual({ status: 'rejected', reasonCode: '28', items: [] });
  });
});
