import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { generatedAttachment } from '@lloyd/adapters-core-testing';
import {
  TransferRefusedError,
  type AttachmentSource,
  type CanonicalRecord,
  type IntegrationResult,
  type RecordDelivery,
} from '@lloyd/adapters-core';
import { recordSections } from '@lloyd/config';
import { parseEhrExtract } from '@lloyd/hl7v3';
import { Terminology } from '@lloyd/terminology';
import { XmlReadV2Adapter } from '@lloyd/adapter-xml-readv2';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
import { Hl7v3ExtractAdapter } from './hl7v3-extract.adapter.js';
import { Hl7v3ExtractTransfer } from './hl7v3-extract.transfer.js';

const ALL = { sections: recordSections };
const signal = () => new AbortController().signal;
const transferCtx = (conversationId = randomUUID().toUpperCase(), counterpartOds = 'P10001') => ({
  signal: signal(),
  correlationId: 'transfer-int-spec',
  conversationId,
  counterpartOds,
});

let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startSimulators({ seed: 42, ports: { P10001: 0, P30003: 0 } });
});

afterAll(async () => {
  await sims?.close();
});

const transfer = () => new Hl7v3ExtractTransfer({ ods: 'P30003', baseUrl: sims.urls.P30003! });
const adapter = () => new Hl7v3ExtractAdapter({ ods: 'P30003', baseUrl: sims.urls.P30003! });

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function countByType(record: CanonicalRecord, types: readonly string[]): Record<string, number> {
  return Object.fromEntries(types.map((t) => [t, record.resources.filter((r) => r.resourceType === t).length]));
}

/** How many items of a type carry each concept (its codes and text). */
function conceptsOf(record: CanonicalRecord, type: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of record.resources.filter((x) => x.resourceType === type)) {
    const code = r as fhir4.Observation | fhir4.Immunization as {
      code?: fhir4.CodeableConcept;
      vaccineCode?: fhir4.CodeableConcept;
    };
    const concept = code.code ?? code.vaccineCode;
    const key = `${(concept?.coding ?? [])
      .map((c) => c.code)
      .sort()
      .join(',')}|${concept?.text ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** P10001's demo patient as Lloyd's broker would deliver it: read by the XML adapter, SNOMED CT added centrally. */
async function deliveryFromP10001(
  nhsNumber: string,
  mode: RecordDelivery['mode'],
  attachments: AttachmentSource[] = [],
): Promise<RecordDelivery> {
  const xml = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: sims.urls.P10001! });
  const record = await xml.getRecord(nhsNumber, ALL, { signal: signal(), correlationId: 'transfer-int-spec' });
  if (!record) throw new Error(`P10001 has no record for ${nhsNumber}`);
  const normalised = Terminology.sample().normaliseRecord(record);
  return {
    record: normalised.record,
    attachments,
    fromOds: 'P10001',
    mode,
    degradedCount: normalised.degraded,
    missingAttachments: [],
    patientStatus: { dissent: false, sensitive: false },
  };
}

const generated = (id: string, size: number) => generatedAttachment(id, `${id}.pdf`, size);

describe('Hl7v3ExtractTransfer: sending (exportRecord)', () => {
  it('streams the system’s own EHR extract for the full-record demo patient, with its documents', async () => {
    const ctx = transferCtx();
    const exported = await transfer().exportRecord('9990000034', ctx);
    expect(exported.extract.format).toBe('hl7v3');
    if (exported.extract.format !== 'hl7v3') return;
    const first = await bytesOf(await exported.extract.open());
    const again = await bytesOf(await exported.extract.open());
    expect(first.toString('utf8')).toContain('<RCMR_IN030000UK0');
    // A retried step opens the extract again and must get the same message.
    expect(again.equals(first)).toBe(true);
    const parsed = await parseEhrExtract(Readable.from([first]));
    expect(parsed.header.nhsNumber).toBe('9990000034');
    expect(parsed.header.ehrRequestId).toBe(ctx.conversationId);

    const patient = sims.dataset.findPatient('P30003', '9990000034')!;
    expect(exported.attachments).toHaveLength(patient.record.documents.length);
    expect(exported.attachments.length).toBeGreaterThan(0);
    for (const attachment of exported.attachments) {
      const document = patient.record.documents.find((d) => attachment.id.toUpperCase() === d.id.toUpperCase());
      expect(document).toBeDefined();
      const content = await bytesOf(await attachment.open());
      expect(content.byteLength).toBe(document!.size);
      expect(attachment.contentType).toBe(document!.contentType);
    }
  });

  it('refuses with GP2GP reason 06 for a patient not at this surgery', async () => {
    await expect(transfer().exportRecord('9990000018', transferCtx())).rejects.toEqual(
      expect.objectContaining({ name: 'TransferRefusedError', reasonCode: '06' }),
    );
    await expect(transfer().exportRecord('9990000018', transferCtx())).rejects.toBeInstanceOf(TransferRefusedError);
    // Only what the system said: the broker names the practice, the refusal and the code's meaning once.
    await expect(transfer().exportRecord('9990000018', transferCtx())).rejects.toThrow(
      /^its system sent a negative acknowledgement, A[ER]$/,
    );
  });
});

describe('Hl7v3ExtractTransfer: receiving (importRecord, completeImport)', () => {
  const TYPES = [
    'AllergyIntolerance',
    'Condition',
    'Encounter',
    'MedicationRequest',
    'DiagnosticReport',
    'ServiceRequest',
    'DocumentReference',
  ];

  it('integrates P10001’s full-record patient: P30003 then serves the patient with every item', async () => {
    const nhsNumber = '9990000018';
    const delivery = await deliveryFromP10001(nhsNumber, 'integrate');
    const docs = delivery.record.resources.filter((r) => r.resourceType === 'DocumentReference');
    const withAttachments: RecordDelivery = {
      ...delivery,
      attachments: docs.map((d, i) => generated(d.id!, 10_000 + i)),
    };
    const ctx = transferCtx();
    await expect(adapter().findPatient(nhsNumber, { signal: signal(), correlationId: 'x' })).resolves.toBeNull();

    const result = await transfer().importRecord(nhsNumber, withAttachments, ctx);
    expect(result.status).toBe('integrated');
    expect(result.items.length).toBeGreaterThan(0);
    expect(result.items.every((i) => i.outcome !== 'not-integrated')).toBe(true);
    // Every outcome names an item of the delivered record.
    const delivered = new Set(delivery.record.resources.map((r) => `${r.resourceType}/${r.id}`));
    expect(result.items.filter((i) => !delivered.has(i.sourceId))).toEqual([]);

    const found = await adapter().findPatient(nhsNumber, { signal: signal(), correlationId: 'x' });
    expect(found?.patient.name?.[0]?.family).toBe(delivery.record.patient.name?.[0]?.family);
    expect(found?.patient.birthDate).toBe(delivery.record.patient.birthDate);
    const record = await adapter().getRecord(nhsNumber, ALL, { signal: signal(), correlationId: 'x' });
    expect(record).not.toBeNull();
    expect(countByType(record!, TYPES)).toEqual(countByType(delivery.record, TYPES));
    // P30003 also sends a problem's condition and a test battery as statements of their own, so observations are
    // compared item by item: every one delivered is served, with the same codes and text.
    for (const type of ['Observation', 'Immunization']) {
      const served = conceptsOf(record!, type);
      for (const [concept, count] of conceptsOf(delivery.record, type)) {
        expect(served.get(concept) ?? 0).toBeGreaterThanOrEqual(count);
      }
    }

    // The documents' bytes are served by the system's document endpoint.
    const exported = await transfer().exportRecord(nhsNumber, transferCtx());
    expect(exported.attachments).toHaveLength(docs.length);
    const sizes = await Promise.all(exported.attachments.map(async (a) => (await bytesOf(await a.open())).byteLength));
    expect(sizes.sort()).toEqual(docs.map((_d, i) => 10_000 + i).sort());

    // A repeated delivery in the same conversation files nothing twice and answers the same.
    const repeat = await transfer().importRecord(nhsNumber, withAttachments, ctx);
    expect(repeat).toEqual(result);
    const after = await adapter().getRecord(nhsNumber, ALL, { signal: signal(), correlationId: 'x' });
    expect(countByType(after!, TYPES)).toEqual(countByType(record!, TYPES));
  });

  it('degrades an item with no native coding, keeping its text', async () => {
    const delivery = await deliveryFromP10001('9990000050', 'integrate');
    const local: fhir4.Observation = {
      resourceType: 'Observation',
      id: 'local-only-1',
      status: 'final',
      code: {
        coding: [{ system: 'https://fhir.lloyd.example/CodeSystem/local-P10001', code: 'XYZ1' }],
        text: 'Gardening hazard',
      },
      subject: { reference: `Patient/${delivery.record.patient.id}` },
      effectiveDateTime: '2024-01-02',
    };
    const record = { ...delivery.record, resources: [...delivery.record.resources, local] };
    const result = await transfer().importRecord('9990000050', { ...delivery, record }, transferCtx());
    expect(result.status).toBe('integrated');
    expect(result.items).toContainEqual(
      expect.objectContaining({ sourceId: 'Observation/local-only-1', outcome: 'degraded' }),
    );
    const served = await adapter().getRecord('9990000050', ALL, { signal: signal(), correlationId: 'x' });
    const texts = served!.resources.map((r) => JSON.stringify(r));
    expect(texts.some((t) => t.includes('Gardening hazard'))).toBe(true);
  });

  it('holds a record until accepted, then files it; a repeated decision answers the same', async () => {
    const nhsNumber = '9990000077';
    const ctx = transferCtx();
    const delivery = await deliveryFromP10001(nhsNumber, 'hold');
    const held = await transfer().importRecord(nhsNumber, delivery, ctx);
    expect(held.status).toBe('awaiting-acceptance');
    await expect(adapter().findPatient(nhsNumber, { signal: signal(), correlationId: 'x' })).resolves.toBeNull();

    const accepted = await transfer().completeImport(nhsNumber, { accept: true }, ctx, held);
    expect(accepted.status).toBe('integrated');
    // The note after acceptance names the same items as the held one (an immunisation stays an Immunization).
    expect(accepted.items).toEqual(held.items);
    expect(await adapter().findPatient(nhsNumber, { signal: signal(), correlationId: 'x' })).not.toBeNull();
    const again: IntegrationResult = await transfer().completeImport(nhsNumber, { accept: true }, ctx, held);
    expect(again).toEqual(accepted);
  });

  it('gives every delivered item an outcome, those carried inside another item with that item’s', async () => {
    const nhsNumber = '9990000018';
    const delivery = await deliveryFromP10001(nhsNumber, 'hold');
    const ctx = transferCtx();
    const held = await transfer().importRecord(nhsNumber, delivery, ctx);
    expect(held.status).toBe('awaiting-acceptance');
    expect(held.items.some((i) => i.sourceId.startsWith('Immunization/'))).toBe(true);
    const delivered = delivery.record.resources.map((r) => `${r.resourceType}/${r.id}`).sort();
    expect(held.items.map((i) => i.sourceId).sort()).toEqual(delivered);
    // Each from the system's report: the item's own statement, or the one it travelled inside (this delivery has no
    // attachments, so its document alone is not integrated).
    expect(held.items.filter((i) => i.outcome === 'not-integrated').map((i) => i.sourceId)).toEqual(
      delivery.record.resources
        .filter((r) => r.resourceType === 'DocumentReference')
        .map((r) => `DocumentReference/${r.id}`),
    );
    for (const type of ['Medication', 'MedicationStatement', 'Observation']) {
      expect(held.items.filter((i) => i.sourceId.startsWith(`${type}/`)).length).toBe(
        delivery.record.resources.filter((r) => r.resourceType === type).length,
      );
    }
    // Accepting answers for the same items, under the ids they were delivered with (Immunization/…, not Observation/…).
    const accepted = await transfer().completeImport(nhsNumber, { accept: true }, ctx, held);
    expect(accepted.status).toBe('integrated');
    expect(accepted.items).toEqual(held.items);
  });

  it('holds a record and discards it when rejected, with the decision’s reason code', async () => {
    const nhsNumber = '9990000107';
    const ctx = transferCtx();
    const delivery = await deliveryFromP10001(nhsNumber, 'hold');
    const held = await transfer().importRecord(nhsNumber, delivery, ctx);
    expect(held.status).toBe('awaiting-acceptance');
    const rejected = await transfer().completeImport(nhsNumber, { accept: false, reasonCode: '17' }, ctx, held);
    expect(rejected).toMatchObject({ status: 'rejected', reasonCode: '17' });
    expect(rejected.items.map((i) => i.sourceId)).toEqual(held.items.map((i) => i.sourceId));
    expect(rejected.items.every((i) => i.outcome === 'not-integrated')).toBe(true);
    await expect(adapter().findPatient(nhsNumber, { signal: signal(), correlationId: 'x' })).resolves.toBeNull();
    // Repeating the import in the decided conversation changes nothing.
    expect((await transfer().importRecord(nhsNumber, { ...delivery, mode: 'integrate' }, ctx)).status).toBe('rejected');
    await expect(adapter().findPatient(nhsNumber, { signal: signal(), correlationId: 'x' })).resolves.toBeNull();
  });

  it('streams a multi-megabyte attachment through to the document endpoint intact', async () => {
    const nhsNumber = '9990000026';
    const base = await deliveryFromP10001('9990000050', 'integrate');
    // The dissent patient's record, re-addressed to another NHS number, with one large document.
    const patient: fhir4.Patient = {
      ...base.record.patient,
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber }],
    };
    const document: fhir4.DocumentReference = {
      resourceType: 'DocumentReference',
      id: 'big-scan',
      status: 'current',
      subject: { reference: `Patient/${patient.id}` },
      date: '2024-05-01T10:00:00Z',
      description: 'Scanned hospital letter',
      content: [{ attachment: { contentType: 'application/pdf', title: 'letter.pdf' } }],
    };
    const size = 6 * 1024 * 1024 + 123;
    const source = generated('big-scan', size);
    const delivery: RecordDelivery = {
      ...base,
      record: { ...base.record, patient, resources: [...base.record.resources, document] },
      attachments: [source],
    };
    const result = await transfer().importRecord(nhsNumber, delivery, transferCtx());
    expect(result.status).toBe('integrated');
    expect(result.items).toContainEqual(
      expect.objectContaining({ sourceId: 'DocumentReference/big-scan', outcome: 'integrated' }),
    );

    const exported = await transfer().exportRecord(nhsNumber, transferCtx());
    expect(exported.attachments).toHaveLength(1);
    const served = await bytesOf(await exported.attachments[0]!.open());
    const sent = await bytesOf(await source.open());
    expect(served.byteLength).toBe(size);
    expect(createHash('sha256').update(served).digest('hex')).toBe(createHash('sha256').update(sent).digest('hex'));
  });

  it("keeps the sending practice's dissent and S-flag: the patient is then reported with them", async () => {
    const nhsNumber = '9990000018';
    const status = { dissent: true, sensitive: true };
    const delivery = { ...(await deliveryFromP10001(nhsNumber, 'integrate')), patientStatus: status };
    const result = await transfer().importRecord(nhsNumber, delivery, transferCtx());
    expect(result.status).toBe('integrated');
    const found = await adapter().findPatient(nhsNumber, { signal: signal(), correlationId: 'flags' });
    expect(found?.flags).toMatchObject(status);
  });
});
