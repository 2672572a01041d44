import {
  CLINICAL_TYPES,
  CODE_SYSTEMS,
  TransferRefusedError,
  type AttachmentSource,
  type CanonicalRecord,
  type RecordDelivery,
  type TransferCallContext,
} from '@lloyd/adapters-core';
import {
  digestOf,
  generatedAttachment,
  idProblems,
  patientReferenceProblems,
  r4Errors,
  referenceProblems,
} from '@lloyd/adapters-core-testing';
import { JsonCtv3Adapter } from '@lloyd/adapter-json-ctv3';
import { XmlReadV2Adapter } from '@lloyd/adapter-xml-readv2';
import { recordSections } from '@lloyd/config';
import { Terminology } from '@lloyd/terminology';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
import { FhirStu3Adapter, FhirStu3Transfer } from './index.js';

const FULL_P40004 = '9990000042';
const FULL_P10001 = '9990000018';
const ALL = { sections: recordSections };

let sims: RunningSimulators;
let conversation = 0;

beforeAll(async () => {
  sims = await startSimulators({
    seed: 42,
    ports: { P10001: 0, P20002: 0, P40004: 0 },
    extraPatients: 2,
    largeRecord: { consultations: 5, attachments: 1, attachmentBytes: 5_000 },
  });
});

afterAll(async () => {
  await sims?.close();
});

const ctx = (conversationId: string, signal = new AbortController().signal): TransferCallContext => ({
  signal,
  correlationId: 'transfer-int-spec',
  conversationId,
  counterpartOds: 'P10001',
});
const newConversation = () => `9C5F1C0A-0000-4000-8000-${String(++conversation).padStart(12, '0')}`;
const transfer = () => new FhirStu3Transfer({ ods: 'P40004', baseUrl: sims.urls.P40004! });
const stu3 = () => new FhirStu3Adapter({ ods: 'P40004', baseUrl: sims.urls.P40004! });

const generated = (id: string, bytes: number, contentType = 'application/pdf') =>
  generatedAttachment(id, `${id}.pdf`, bytes, contentType);
const digest = async (source: AttachmentSource) => digestOf(await source.open());

/** The record of another system's patient, as Lloyd delivers it: read from P10001 (Read v2), SNOMED CT added. */
async function deliveryFromP10001(
  nhsNumber: string,
  mode: RecordDelivery['mode'],
  attachments: (record: CanonicalRecord) => AttachmentSource[] = () => [],
): Promise<RecordDelivery> {
  const xml = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: sims.urls.P10001! });
  const read = await xml.getRecord(nhsNumber, ALL, ctx('read'));
  if (!read) throw new Error(`P10001 has no ${nhsNumber}`);
  // One item coded only in the sending practice's local scheme: no SNOMED CT map exists for it.
  const localItem: fhir4.Observation = {
    resourceType: 'Observation',
    id: 'local-only-1',
    status: 'final',
    subject: { reference: `Patient/${read.patient.id!}` },
    code: {
      coding: [{ system: `${CODE_SYSTEMS.localPrefix}P10001`, code: 'EMISNQHO123', display: 'Home oxygen review' }],
      text: 'Home oxygen review (local)',
    },
    effectiveDateTime: '2024-02-03',
  };
  const { record, degraded } = Terminology.sample().normaliseRecord({
    ...read,
    resources: [...read.resources, localItem],
  });
  return {
    record,
    attachments: attachments(record),
    fromOds: 'P10001',
    mode,
    degradedCount: degraded,
    missingAttachments: [],
    patientStatus: { dissent: false, sensitive: false },
  };
}

/** P10001's generated patients beyond the demo ones: records no other test transfers. */
function extraPatients(): string[] {
  const demo = ['9990000018', '9990000050', '9990000077', '9990000107'];
  return sims.dataset
    .patientsOf('P10001')
    .map((p) => p.demographics.nhsNumber)
    .filter((n) => !demo.includes(n));
}

function countByType(record: CanonicalRecord): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of record.resources) {
    if ((CLINICAL_TYPES as readonly string[]).includes(r.resourceType))
      counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  }
  return counts;
}

const hasSnomed = (concept: fhir4.CodeableConcept | undefined) =>
  concept?.coding?.some((c) => c.system === CODE_SYSTEMS.snomed) ?? false;

function mainConcept(r: fhir4.Resource): fhir4.CodeableConcept | undefined {
  const any = r as unknown as Record<string, fhir4.CodeableConcept | fhir4.CodeableConcept[] | undefined>;
  const value = any['code'] ?? any['vaccineCode'] ?? any['medicationCodeableConcept'];
  return Array.isArray(value) ? value[0] : value;
}

describe('FhirStu3Transfer: sending (P40004 exports)', () => {
  it('exports the full demo record in canonical form, with every document as a streamed attachment', async () => {
    const exported = await transfer().exportRecord(FULL_P40004, ctx(newConversation()));
    expect(exported.extract.format).toBe('canonical');
    if (exported.extract.format !== 'canonical') return;
    const { record } = exported.extract;
    expect(record.patient.identifier).toEqual(
      expect.arrayContaining([expect.objectContaining({ value: FULL_P40004 })]),
    );
    const counts = countByType(record);
    for (const type of ['AllergyIntolerance', 'Condition', 'MedicationRequest', 'Encounter', 'Immunization'])
      expect(counts[type]).toBeGreaterThan(0);

    const documents = record.resources.filter((r) => r.resourceType === 'DocumentReference');
    expect(documents.length).toBeGreaterThan(0);
    expect(exported.attachments.map((a) => a.id).sort()).toEqual(documents.map((d) => d.id).sort());
    const patient = sims.dataset.findPatient('P40004', FULL_P40004)!;
    for (const attachment of exported.attachments) {
      const expected = patient.record.documents.find((d) => d.id === attachment.id)!;
      const { bytes } = await digest(attachment);
      expect(bytes).toBe(expected.size);
      expect(attachment.length).toBe(expected.size);
      // Opening twice gives the content again (a retried step re-reads it).
      expect((await digest(attachment)).bytes).toBe(expected.size);
    }
  });

  it('refuses a patient not registered at the practice with reason 06', async () => {
    await expect(transfer().exportRecord(FULL_P10001, ctx(newConversation()))).rejects.toEqual(
      expect.objectContaining({ name: TransferRefusedError.name, reasonCode: '06' }),
    );
  });
});

describe('FhirStu3Transfer: receiving (P40004 imports)', () => {
  it('integrates another system’s full record: every item readable afterwards through the adapter', async () => {
    const delivery = await deliveryFromP10001(FULL_P10001, 'integrate', (record) =>
      record.resources
        .filter((r) => r.resourceType === 'DocumentReference')
        .map((d) => generated(d.id!, 20_000 + d.id!.length)),
    );
    expect(await stu3().findPatient(FULL_P10001, ctx('before'))).toBeNull();

    const conversationId = newConversation();
    const result = await transfer().importRecord(FULL_P10001, delivery, ctx(conversationId));
    expect(result.status).toBe('integrated');

    // One outcome per clinical item; degraded exactly where no SNOMED CT code arrived.
    const clinical = delivery.record.resources.filter((r) =>
      (CLINICAL_TYPES as readonly string[]).includes(r.resourceType),
    );
    const outcomes = new Map(result.items.map((i) => [i.sourceId, i]));
    for (const r of clinical) {
      const outcome = outcomes.get(`${r.resourceType}/${r.id!}`);
      expect(outcome).toBeDefined();
      const concept = mainConcept(r);
      const expected = concept && !hasSnomed(concept) ? 'degraded' : 'integrated';
      expect([r.resourceType, r.id, outcome?.outcome]).toEqual([r.resourceType, r.id, expected]);
    }
    for (const a of delivery.attachments) expect(outcomes.get(a.id)?.outcome).toBe('integrated');

    const found = await stu3().findPatient(FULL_P10001, ctx('after'));
    expect(found).not.toBeNull();
    const read = await stu3().getRecord(FULL_P10001, ALL, ctx('after'));
    expect(read).not.toBeNull();
    expect(read!.practice.identifier).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'P40004' })]));
    expect(countByType(read!)).toEqual(countByType(delivery.record));
    for (const resource of [read!.patient, ...read!.resources]) expect(await r4Errors(resource)).toEqual([]);
    expect([...idProblems(read!), ...patientReferenceProblems(read!), ...referenceProblems(read!)]).toEqual([]);

    // Items with no SNOMED CT code come back with the transfer-degraded code and their original text.
    const degraded = result.items.filter((i) => i.outcome === 'degraded');
    expect(degraded.map((i) => i.sourceId)).toEqual(['Observation/local-only-1']);
    expect(delivery.degradedCount).toBe(1);
    for (const item of degraded) {
      const [type, id] = item.sourceId.split('/');
      const original = delivery.record.resources.find((r) => r.resourceType === type && r.id === id)!;
      const back = read!.resources.find((r) => r.resourceType === type && r.id === id)!;
      const concept = mainConcept(back);
      expect(concept?.text).toBe(mainConcept(original)?.text);
      expect(concept?.coding?.some((c) => c.system === CODE_SYSTEMS.snomed && c.code?.startsWith('1964'))).toBe(true);
    }

    // The documents are served by the new practice, with the content that was uploaded.
    const exported = await transfer().exportRecord(FULL_P10001, ctx(newConversation()));
    expect(exported.attachments).toHaveLength(delivery.attachments.length);
    for (const a of exported.attachments) {
      const doc = read!.resources.find((r) => r.resourceType === 'DocumentReference' && r.id === a.id);
      expect(doc).toBeDefined();
      const sent = delivery.attachments.find((d) => d.id === a.id)!;
      expect(await digest(a)).toEqual(await digest(sent));
    }

    // A repeated delivery of the same conversation answers the same and files nothing twice.
    const again = await transfer().importRecord(FULL_P10001, delivery, ctx(conversationId));
    expect(again).toEqual(result);
    const reread = await stu3().getRecord(FULL_P10001, ALL, ctx('again'));
    expect(countByType(reread!)).toEqual(countByType(delivery.record));
  });

  it('integrates a CTV3 system’s full record (P20002) with every item', async () => {
    const json = new JsonCtv3Adapter({ ods: 'P20002', baseUrl: sims.urls.P20002! });
    const read = await json.getRecord('9990000026', ALL, ctx('read'));
    const { record, degraded } = Terminology.sample().normaliseRecord(read!);
    const delivery: RecordDelivery = {
      record,
      attachments: [],
      fromOds: 'P20002',
      mode: 'integrate',
      degradedCount: degraded,
      missingAttachments: [],
      patientStatus: { dissent: false, sensitive: false },
    };
    const result = await transfer().importRecord('9990000026', delivery, ctx(newConversation()));
    expect(result.status).toBe('integrated');
    const back = await stu3().getRecord('9990000026', ALL, ctx('after'));
    expect(countByType(back!)).toEqual(countByType(record));
    expect(Object.keys(countByType(record)).length).toBeGreaterThan(5);
  });

  it('holds a record until accepted, then files it; a repeated decision answers the same', async () => {
    const nhsNumber = extraPatients()[0]!;
    const base = await deliveryFromP10001(nhsNumber, 'hold');
    const subject = { reference: `Patient/${base.record.patient.id!}` };
    // A referral travels as an STU3 ReferralRequest; a flag has no STU3 resource here, so it is never sent.
    const referral: fhir4.ServiceRequest = {
      resourceType: 'ServiceRequest',
      id: 'held-referral-1',
      status: 'active',
      intent: 'order',
      subject,
      code: { text: 'Referral to cardiology' },
      authoredOn: '2024-03-01',
    };
    const flag: fhir4.Flag = {
      resourceType: 'Flag',
      id: 'held-flag-1',
      status: 'active',
      subject,
      code: { text: 'x' },
    };
    const delivery = { ...base, record: { ...base.record, resources: [...base.record.resources, referral, flag] } };
    const conversationId = newConversation();
    const held = await transfer().importRecord(nhsNumber, delivery, ctx(conversationId));
    expect(held.status).toBe('awaiting-acceptance');
    expect(held.items).toContainEqual(expect.objectContaining({ sourceId: 'ServiceRequest/held-referral-1' }));
    expect(held.items).toContainEqual(
      expect.objectContaining({ sourceId: 'Flag/held-flag-1', outcome: 'not-integrated' }),
    );
    expect(await stu3().findPatient(nhsNumber, ctx('held'))).toBeNull();

    const accepted = await transfer().completeImport(nhsNumber, { accept: true }, ctx(conversationId), held);
    expect(accepted.status).toBe('integrated');
    expect(accepted.items).toEqual(held.items);
    const read = await stu3().getRecord(nhsNumber, ALL, ctx('accepted'));
    expect(countByType(read!)).toEqual(countByType(delivery.record));
    expect(await transfer().completeImport(nhsNumber, { accept: true }, ctx(conversationId), held)).toEqual(accepted);
  });

  it('holds a record and discards it when rejected', async () => {
    const nhsNumber = extraPatients()[1]!;
    const delivery = await deliveryFromP10001(nhsNumber, 'hold', () => [generated('letter-1', 10_000)]);
    const conversationId = newConversation();
    const held = await transfer().importRecord(nhsNumber, delivery, ctx(conversationId));
    expect(held.status).toBe('awaiting-acceptance');
    const rejected = await transfer().completeImport(
      nhsNumber,
      { accept: false, reasonCode: '28' },
      ctx(conversationId),
      held,
    );
    expect(rejected).toEqual(expect.objectContaining({ status: 'rejected', reasonCode: '28' }));
    expect(rejected.items.every((i) => i.outcome === 'not-integrated')).toBe(true);
    expect(rejected.items.map((i) => i.sourceId)).toEqual(held.items.map((i) => i.sourceId));
    expect(await stu3().findPatient(nhsNumber, ctx('rejected'))).toBeNull();
    expect(
      await transfer().completeImport(nhsNumber, { accept: false, reasonCode: '28' }, ctx(conversationId), held),
    ).toEqual(rejected);
  });

  it('streams an attachment of several MB through, beyond GP Connect’s 5 MB document limit', async () => {
    const delivery = await deliveryFromP10001(FULL_P10001, 'integrate', () => [
      generated('big-scan', 12 * 1024 * 1024),
    ]);
    const result = await transfer().importRecord(FULL_P10001, delivery, ctx(newConversation()));
    expect(result.status).toBe('integrated');
    expect(result.items.find((i) => i.sourceId === 'big-scan')?.outcome).toBe('integrated');

    const exported = await transfer().exportRecord(FULL_P10001, ctx(newConversation()));
    const big = exported.attachments.find((a) => a.filename === 'big-scan.pdf');
    expect(big).toBeDefined();
    expect(await digest(big!)).toEqual(await digest(delivery.attachments[0]!));
  });

  it("keeps the sending practice's dissent and S-flag: the patient is then reported with them", async () => {
    const delivery = await deliveryFromP10001(FULL_P10001, 'integrate');
    const status = { dissent: true, sensitive: true };
    const result = await transfer().importRecord(
      FULL_P10001,
      { ...delivery, patientStatus: status },
      ctx(newConversation()),
    );
    expect(result.status).toBe('integrated');
    expect((await stu3().findPatient(FULL_P10001, ctx('flags')))?.flags).toMatchObject(status);
  });

  it('rejects a record about another patient with reason 28 and files nothing', async () => {
    const delivery = await deliveryFromP10001(FULL_P10001, 'integrate');
    const result = await transfer().importRecord('9990000093', delivery, ctx(newConversation()));
    expect(result).toEqual(expect.objectContaining({ status: 'rejected', reasonCode: '28' }));
    expect(await stu3().findPatient('9990000093', ctx('wrong'))).toBeNull();
  });
});
