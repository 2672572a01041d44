import { recordSections } from '@lloyd/config';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { CODE_SYSTEMS, type CanonicalRecord, type RecordQuery } from '@lloyd/adapters-core';
import { FhirStu3Adapter } from '@lloyd/adapter-fhir-stu3';
import { XmlReadV2Adapter } from '@lloyd/adapter-xml-readv2';
import {
  allResources,
  assertValidR4,
  digestOf,
  generateBytes,
  idProblems,
  patientReferenceProblems,
  referenceProblems,
} from '@lloyd/adapters-core-testing';
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../../apps/supplier-sim/src/server.js';
import { JsonCtv3Adapter } from '../json-ctv3.adapter.js';
import { JsonCtv3Transfer } from './json-ctv3.transfer.js';
import type { AttachmentSource, RecordDelivery, TransferCallContext } from '@lloyd/adapters-core';

const ODS = 'P20002';
const ALL: RecordQuery = { sections: recordSections };

let sims: RunningSimulators;
const transfer = () => new JsonCtv3Transfer({ ods: ODS, baseUrl: sims.urls.P20002! });
const reader = () => new JsonCtv3Adapter({ ods: ODS, baseUrl: sims.urls.P20002! });
const ctx = (conversationId: string, counterpartOds = 'P10001'): TransferCallContext => ({
  signal: new AbortController().signal,
  correlationId: 'json-ctv3-transfer-int-spec',
  conversationId,
  counterpartOds,
});
const plainCtx = () => ({ signal: new AbortController().signal, correlationId: 'json-ctv3-transfer-int-spec' });

function countByType(resources: readonly fhir4.Resource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  return counts;
}

/** A P10001 patient's record as Lloyd would deliver it, with each document streamed from P10001. */
async function fromP10001(nhsNumber: string): Promise<{ record: CanonicalRecord; attachments: AttachmentSource[] }> {
  const xml = new XmlReadV2Adapter({ ods: 'P10001', baseUrl: sims.urls.P10001! });
  const record = await xml.getRecord(nhsNumber, ALL, plainCtx());
  if (!record) throw new Error(`P10001 has no ${nhsNumber}`);
  const attachments = record.resources
    .filter((r): r is fhir4.DocumentReference => r.resourceType === 'DocumentReference')
    .map((d) => ({
      id: d.id!,
      filename: `${d.id!}.pdf`,
      contentType: d.content[0]?.attachment.contentType ?? 'application/pdf',
      open: async () => {
        const response = await fetch(`${sims.urls.P10001!}/documents/${d.id!}`);
        return Readable.fromWeb(response.body!);
      },
    }));
  return { record, attachments };
}

function delivery(
  source: { record: CanonicalRecord; attachments: readonly AttachmentSource[] },
  mode: RecordDelivery['mode'],
  patientStatus = { dissent: false, sensitive: false },
): RecordDelivery {
  return { ...source, fromOds: 'P10001', mode, degradedCount: 0, missingAttachments: [], patientStatus };
}

beforeAll(async () => {
  sims = await startSimulators({ seed: 20261123, ports: { P10001: 0, P20002: 0 } });
});

afterAll(async () => {
  await sims?.close();
});

describe('JsonCtv3Transfer: sending', () => {
  it('exports the full-record demo patient as its canonical record, each document streamed on demand', async () => {
    const exported = await transfer().exportRecord('9990000026', ctx(randomUUID().toUpperCase(), 'P10001'));
    expect(exported.extract.format).toBe('canonical');
    if (exported.extract.format !== 'canonical') return;
    const expected = await reader().getRecord('9990000026', ALL, plainCtx());
    expect(countByType(exported.extract.record.resources)).toEqual(countByType(expected!.resources));
    const documents = exported.extract.record.resources.filter((r) => r.resourceType === 'DocumentReference');
    expect(documents.length).toBeGreaterThan(0);
    expect(exported.attachments.map((a) => a.id).sort()).toEqual(documents.map((d) => d.id).sort());
    for (const attachment of exported.attachments) {
      expect(attachment.filename).toMatch(/\.\w+$/);
      const first = await digestOf(await attachment.open());
      const again = await digestOf(await attachment.open());
      expect(first.bytes).toBe(attachment.length);
      expect(again.sha256).toBe(first.sha256);
    }
  });

  it('refuses a patient who is not registered here with reason 06, and leaves the sender unchanged', async () => {
    await expect(transfer().exportRecord('9990000018', ctx(randomUUID()))).rejects.toMatchObject({
      name: 'TransferRefusedError',
      reasonCode: '06',
    });
    await transfer().exportRecord('9990000026', ctx(randomUUID()));
    const found = await reader().findPatient('9990000026', plainCtx());
    expect(found?.flags.active).toBe(true);
  });
});

describe('JsonCtv3Transfer: receiving', () => {
  it('integrates a P10001 record: the patient is then served here with every item, degraded ones as text', async () => {
    const source = await fromP10001('9990000018');
    // P10001 codes in Read v2, which CTV3 includes, so its items file natively; one problem is made SNOMED CT only,
    // which has no place in a CTV3 system, so it is filed as text.
    const condition = source.record.resources.find((r): r is fhir4.Condition => r.resourceType === 'Condition')!;
    condition.code = {
      ...condition.code,
      coding: [{ system: CODE_SYSTEMS.snomed, code: '195967001', display: 'Asthma' }],
    };
    const conversationId = randomUUID().toUpperCase();
    const result = await transfer().importRecord('9990000018', delivery(source, 'integrate'), ctx(conversationId));

    expect(result.status).toBe('integrated');
    const outcomeOf = new Map(result.items.map((i) => [i.sourceId, i.outcome]));
    expect(outcomeOf.get(`Condition/${condition.id!}`)).toBe('degraded');
    const otherCondition = source.record.resources.find(
      (r): r is fhir4.Condition => r.resourceType === 'Condition' && r.id !== condition.id,
    )!;
    expect(outcomeOf.get(`Condition/${otherCondition.id!}`)).toBe('integrated');
    expect(result.items.filter((i) => i.outcome === 'degraded').map((i) => i.sourceId)).toEqual([
      `Condition/${condition.id!}`,
    ]);
    expect(result.items.filter((i) => i.outcome === 'degraded').every((i) => i.note)).toBe(true);
    for (const r of source.record.resources) expect(outcomeOf.has(`${r.resourceType}/${r.id!}`)).toBe(true);
    for (const a of source.attachments) expect(outcomeOf.get(a.id)).toBe('integrated');
    expect(result.items.some((i) => i.outcome === 'not-integrated')).toBe(false);

    const found = await reader().findPatient('9990000018', plainCtx());
    expect(found?.flags.active).toBe(true);
    expect(found?.patient.managingOrganization?.identifier?.value).toBe(ODS);
    expect(found?.patient.birthDate).toBe(source.record.patient.birthDate);
    expect(found?.patient.name?.[0]?.family).toBe(source.record.patient.name?.[0]?.family);

    const record = (await reader().getRecord('9990000018', ALL, plainCtx()))!;
    expect(countByType(record.resources)).toEqual(countByType(source.record.resources));
    expect(idProblems(record)).toEqual([]);
    expect(referenceProblems(record)).toEqual([]);
    expect(patientReferenceProblems(record)).toEqual([]);
    for (const resource of allResources(record)) await assertValidR4(resource);
    const readV2 = otherCondition.code!.coding!.find((c) => c.system === CODE_SYSTEMS.readv2)!;
    const filed = record.resources.find(
      (r): r is fhir4.Condition => r.resourceType === 'Condition' && r.id === otherCondition.id,
    );
    expect(filed?.code?.coding).toEqual([{ system: CODE_SYSTEMS.ctv3, code: readV2.code, display: readV2.display }]);
    const degraded = record.resources.find(
      (r): r is fhir4.Condition => r.resourceType === 'Condition' && r.id === condition.id,
    );
    expect(degraded?.code?.coding?.[0]).toMatchObject({ system: `${CODE_SYSTEMS.localPrefix}${ODS}`, code: 'TRFDEG' });
    expect(degraded?.code?.text).toBe(condition.code.text);

    // Documents are served from this system now, byte for byte.
    for (const a of source.attachments) {
      const response = await fetch(`${sims.urls.P20002!}/api/v2/documents/${a.id}`);
      expect(response.status).toBe(200);
      const here = await digestOf(Readable.fromWeb(response.body!));
      const there = await digestOf(await a.open());
      expect(here).toEqual(there);
    }

    // A repeated delivery answers the same and files nothing twice.
    const again = await transfer().importRecord('9990000018', delivery(source, 'integrate'), ctx(conversationId));
    expect(again).toEqual(result);
    const reread = (await reader().getRecord('9990000018', ALL, plainCtx()))!;
    expect(countByType(reread.resources)).toEqual(countByType(source.record.resources));
  });

  it('integrates a record from the FHIR STU3 system (P40004) with every item', async () => {
    const stu3 = new FhirStu3Adapter({ ods: 'P40004', baseUrl: sims.urls.P40004! });
    const record = (await stu3.getRecord('9990000042', ALL, plainCtx()))!;
    const attachments = record.resources
      .filter((r): r is fhir4.DocumentReference => r.resourceType === 'DocumentReference')
      .map((d) => ({
        id: d.id!,
        filename: `${d.id!}.pdf`,
        contentType: 'application/pdf',
        open: () => Promise.resolve(Readable.from(generateBytes(20_000, 'small-doc'))),
      }));
    const result = await transfer().importRecord(
      '9990000042',
      {
        record,
        attachments,
        fromOds: 'P40004',
        mode: 'integrate',
        degradedCount: 0,
        missingAttachments: [],
        patientStatus: { dissent: false, sensitive: false },
      },
      ctx(randomUUID().toUpperCase(), 'P40004'),
    );
    expect(result.status).toBe('integrated');
    expect(result.items.filter((i) => i.outcome === 'not-integrated')).toEqual([]);
    // The vendor keeps no Location or Specimen records: a consultation's place is a name, and a specimen's
    // description joins its report's comment.
    const { Location: locations, Specimen: specimens, ...clinical } = countByType(record.resources);
    expect(locations).toBeGreaterThan(0);
    const filed = (await reader().getRecord('9990000042', ALL, plainCtx()))!;
    expect(countByType(filed.resources)).toEqual(clinical);
    const conclusions = filed.resources
      .filter((r): r is fhir4.DiagnosticReport => r.resourceType === 'DiagnosticReport')
      .map((r) => r.conclusion ?? '');
    expect(conclusions.filter((c) => c.includes('Specimen:'))).toHaveLength(specimens ?? 0);
    expect(referenceProblems(filed)).toEqual([]);
  });

  it('holds a record until it is accepted, then files it; repeating the decision answers the same', async () => {
    const source = await fromP10001('9990000050');
    const conversationId = randomUUID().toUpperCase();
    const held = await transfer().importRecord('9990000050', delivery(source, 'hold'), ctx(conversationId));
    expect(held.status).toBe('awaiting-acceptance');
    expect(held.items.length).toBeGreaterThan(0);
    expect(await reader().findPatient('9990000050', plainCtx())).toBeNull();

    const accepted = await transfer().completeImport('9990000050', { accept: true }, ctx(conversationId), held);
    expect(accepted.status).toBe('integrated');
    expect(accepted.items).toEqual(held.items);
    const record = (await reader().getRecord('9990000050', ALL, plainCtx()))!;
    expect(countByType(record.resources)).toEqual(countByType(source.record.resources));
    expect(await transfer().completeImport('9990000050', { accept: true }, ctx(conversationId), held)).toEqual(
      accepted,
    );
  });

  it('holds a record and discards it when rejected, with the practice’s reason code', async () => {
    const source = await fromP10001('9990000077');
    const conversationId = randomUUID().toUpperCase();
    const held = await transfer().importRecord('9990000077', delivery(source, 'hold'), ctx(conversationId));
    expect(held.status).toBe('awaiting-acceptance');
    const rejected = await transfer().completeImport(
      '9990000077',
      { accept: false, reasonCode: '11' },
      ctx(conversationId),
      held,
    );
    expect(rejected).toMatchObject({ status: 'rejected', reasonCode: '11' });
    // A rejected record files nothing: every item of the held note is then not integrated.
    expect(rejected.items.map((i) => i.sourceId)).toEqual(held.items.map((i) => i.sourceId));
    expect(rejected.items.every((i) => i.outcome === 'not-integrated')).toBe(true);
    expect(await reader().findPatient('9990000077', plainCtx())).toBeNull();
    expect(
      await transfer().completeImport('9990000077', { accept: false, reasonCode: '11' }, ctx(conversationId), held),
    ).toMatchObject({ status: 'rejected', reasonCode: '11' });
    await expect(
      transfer().completeImport('9990000077', { accept: true }, ctx(conversationId), held),
    ).rejects.toMatchObject({
      name: 'SupplierProtocolError',
    });
  });

  it("keeps the sending practice's dissent and S-flag: the patient is then reported with them", async () => {
    const source = await fromP10001('9990000018');
    const status = { dissent: true, sensitive: true };
    const result = await transfer().importRecord(
      '9990000018',
      delivery(source, 'integrate', status),
      ctx(randomUUID().toUpperCase()),
    );
    expect(result.status).toBe('integrated');
    const found = await reader().findPatient('9990000018', plainCtx());
    expect(found?.flags).toMatchObject(status);
  });

  it('rejects a record of another patient with reason 28 and files nothing', async () => {
    const source = await fromP10001('9990000018');
    const result = await transfer().importRecord('9990000115', delivery(source, 'integrate'), ctx(randomUUID()));
    expect(result).toMatchObject({ status: 'rejected', reasonCode: '28' });
    expect(await reader().findPatient('9990000115', plainCtx())).toBeNull();
  });

  it('streams an attachment of several MB through, and sends it on again when the patient moves on', async () => {
    const source = await fromP10001('9990000107');
    const size = 6 * 1024 * 1024 + 123;
    const big: AttachmentSource = {
      id: 'scan-7f3a',
      filename: 'scanned-notes.pdf',
      contentType: 'application/pdf',
      length: size,
      open: () => Promise.resolve(Readable.from(generateBytes(size, 'large-doc'))),
    };
    const expected = await digestOf(await big.open());
    const result = await transfer().importRecord(
      '9990000107',
      delivery({ record: source.record, attachments: [...source.attachments, big] }, 'integrate'),
      ctx(randomUUID().toUpperCase()),
    );
    expect(result.status).toBe('integrated');
    expect(result.items.find((i) => i.sourceId === big.id)?.outcome).toBe('integrated');

    const exported = await transfer().exportRecord('9990000107', ctx(randomUUID(), 'P40004'));
    const outgoing = exported.attachments.find((a) => a.id === big.id);
    expect(outgoing).toMatchObject({ contentType: 'application/pdf', length: size });
    expect(await digestOf(await outgoing!.open())).toEqual(expected);
    expect(exported.attachments).toHaveLength(source.attachments.length + 1);
  });
});
