import { type BlobStore } from '@lloyd/store';
import { buildEhrExtract } from '@lloyd/hl7v3';
import { Terminology } from '@lloyd/terminology';
import { createHash } from 'node:crypto';
import {
  createGp2gpHarness,
  FakeTransferSystem,
  generateBytes,
  generatedAttachment,
  readAll,
  sampleRecord,
  type Gp2gpHarness,
} from './testing/index.js';
import { transferBlobs } from './store/transfer-keys.js';

const NHS = '9990000018';
const OTHER_NHS = '9990000026';
const DONE = ['completed', 'failed', 'awaiting-acceptance'] as const;

async function text(blobs: BlobStore, key: string): Promise<string> {
  return (await readAll(await blobs.get(key))).toString('utf8');
}

function sha256Of(bytes: number, seed: string): string {
  const hash = createHash('sha256');
  for (const chunk of generateBytes(bytes, seed)) hash.update(chunk);
  return hash.digest('hex');
}

/** A system that sends its sample record for any patient. */
const sendingSample = (ods: string) => FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, ods));

/** Starts the transfer of the test patient from one practice to another, as the harness's caller. */
async function startTransfer(harness: Gp2gpHarness, fromOds: string, toOds: string) {
  return (await harness.gp2gp.startTransfer.execute({ nhsNumber: NHS, fromOds, toOds }, harness.caller)).transfer;
}

describe('GP2GP transfer: whole flow over in-process store and queue', () => {
  let h: Gp2gpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('moves a canonical record into a practice that auto-integrates, acknowledges, moves the registry and clears the marker', async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    const sender = sendingSample('P10001');
    h = await createGp2gpHarness({
      systems: { P10001: sender, P20002: receiver },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
    });
    const { transfer, created } = await h.gp2gp.startTransfer.execute(
      { nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002' },
      h.caller,
    );
    expect(created).toBe(true);
    expect(await h.markers.isInTransit('P20002', NHS)).toBe(true);

    const done = await h.waitFor(transfer.id, DONE);
    expect(done.state).toBe('completed');
    expect(done.timeline.map((e) => e.state)).toEqual([
      'requested',
      'extract-requested',
      'extract-received',
      'translated',
      'delivered',
      'integrated',
      'acknowledged',
      'completed',
    ]);
    expect(done.largeMessage).toBe(false);
    expect(done.sizes.extractBytes).toBeGreaterThan(1000);
    // GP2GP carries a problem as the observation that names it plus a linkset: 3 items become 4 resources.
    expect(done.itemCount).toBe(4);
    expect(done.degradedCount).toBe(0);
    expect(done.autoIntegrate).toBe(true);
    expect(done.integration).toEqual({ integrated: 4, degraded: 0, notIntegrated: 0 });

    // Held first, then accepted at once: the receiving system's answer showed every item filed as coded.
    const imported = receiver.imports.get(transfer.conversationId)!;
    expect(imported.delivery.mode).toBe('hold');
    expect(receiver.completeCalls).toBe(1);
    const snomed = imported.delivery.record.resources.map(
      (r) => ((r as fhir4.Condition).code?.coding ?? []).find((c) => c.system === 'http://snomed.info/sct')?.code,
    );
    expect(snomed).toEqual(expect.arrayContaining(['195967001', '293586001']));

    expect(await h.gp2gp.registry.practiceFor(NHS)).toBe('P20002');
    expect(await h.markers.isInTransit('P20002', NHS)).toBe(false);
    const ack = await text(h.blobs, transferBlobs.finalAck(transfer.id));
    expect(ack).toContain('MCCI_IN010000UK13');
    expect(ack).toContain('typeCode="AA"');
    expect(ack).toContain(done.messageIds.extract);
    expect(await text(h.blobs, transferBlobs.ehrRequest(transfer.id))).toContain('RCMR_IN010000UK05');

    const { text: metrics } = await h.metrics.metrics();
    expect(metrics).toContain('lloyd_gp2gp_transfers_total{state="completed"} 1');
    expect(metrics).toContain('lloyd_gp2gp_transfer_duration_seconds_count{outcome="integrated"} 1');
    const audited = await h.audit.search({ patient: NHS });
    expect(audited.events.map((e) => e.subtype?.[0]?.code)).toEqual(['operation']);
  });

  it('holds a record for acceptance where auto-integration is off, then integrates it on accept', async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    h = await createGp2gpHarness({
      systems: { P10001: sendingSample('P10001'), P20002: receiver },
      patients: { [NHS]: 'P10001' },
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const held = await h.waitFor(transfer.id, DONE);
    expect(held.state).toBe('awaiting-acceptance');
    expect(receiver.imports.get(transfer.id)!.delivery.mode).toBe('hold');
    expect(await h.markers.isInTransit('P20002', NHS)).toBe(true);

    const view = await h.gp2gp.acceptTransfer.execute(transfer.id, h.caller);
    expect(view.state).toBe('integrated');
    const done = await h.waitFor(transfer.id, ['completed']);
    expect(done.rejection).toBeUndefined();
    expect(receiver.completeCalls).toBe(1);
    expect(await h.gp2gp.registry.practiceFor(NHS)).toBe('P20002');
  });

  it('does not auto-integrate a record with degraded codes, and a rejection sends AE with the reason code', async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001', { degraded: true })),
        P20002: receiver,
      },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const held = await h.waitFor(transfer.id, DONE);
    expect(held.state).toBe('awaiting-acceptance');
    expect(held.degradedCount).toBe(1);
    expect(held.autoIntegrate).toBe(false);

    await h.gp2gp.rejectTransfer.execute(transfer.id, { reasonCode: '17' }, h.caller);
    const done = await h.waitFor(transfer.id, ['completed']);
    expect(done.rejection?.code).toBe('17');
    expect(done.timeline.map((e) => e.state)).toContain('rejected');
    const ack = await text(h.blobs, transferBlobs.finalAck(transfer.id));
    expect(ack).toContain('typeCode="AE"');
    expect(ack).toContain('code="17"');
    // The patient stays routed to the old practice: the record was not integrated.
    expect(await h.gp2gp.registry.practiceFor(NHS)).toBe('P10001');
    expect(await h.markers.isInTransit('P20002', NHS)).toBe(false);
  });

  it('says what the extract it built could not carry, and does not auto-integrate such a record', async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    const withFlag = (nhs: string) => {
      const record = sampleRecord(nhs, 'P10001');
      // GP2GP has no statement for a Flag: it cannot travel, and the transfer must say so.
      const flag: fhir4.Flag = {
        resourceType: 'Flag',
        id: 'flag-1',
        status: 'active',
        code: { text: 'Violent patient marker' },
        subject: { reference: `Patient/${record.patient.id ?? ''}` },
      };
      return { ...record, resources: [...record.resources, flag] };
    };
    h = await createGp2gpHarness({
      systems: { P10001: FakeTransferSystem.sendingCanonical(withFlag), P20002: receiver },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const held = await h.waitFor(transfer.id, DONE);
    expect(held.notCarried).toEqual(['Flag/flag-1: unsupported-type']);
    expect(held.autoIntegrate).toBe(false);
    expect(held.state).toBe('awaiting-acceptance');
    const view = await h.gp2gp.getTransfer.execute(transfer.id, h.caller);
    expect(view.notCarried).toEqual(['Flag/flag-1: unsupported-type']);
  });

  it('ends with a negative acknowledgement when the receiving system rejects the record on delivery', async () => {
    const receiver = new FakeTransferSystem({ receive: 'reject', rejectCode: '13' });
    h = await createGp2gpHarness({
      systems: { P10001: sendingSample('P10001'), P20002: receiver },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const done = await h.waitFor(transfer.id, DONE);
    expect(done.state).toBe('completed');
    expect(done.rejection?.code).toBe('13');
    expect(done.timeline.map((e) => e.state)).toEqual(
      expect.arrayContaining(['delivered', 'rejected', 'acknowledged']),
    );
    expect(await text(h.blobs, transferBlobs.finalAck(transfer.id))).toContain('code="13"');
    expect(await h.gp2gp.registry.practiceFor(NHS)).toBe('P10001');
  });

  it('holds for review a record the receiving system degraded, even where auto-integration is on', async () => {
    // Nothing is degraded in translation, but this system cannot hold Observations as coded.
    const receiver = new FakeTransferSystem({ degrades: (r) => r.resourceType === 'Observation' });
    h = await createGp2gpHarness({
      systems: { P10001: sendingSample('P10001'), P20002: receiver },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const held = await h.waitFor(transfer.id, DONE);
    expect(held).toMatchObject({
      state: 'awaiting-acceptance',
      degradedCount: 0,
      autoIntegrate: false,
      integration: { integrated: 2, degraded: 2, notIntegrated: 0 },
    });
    expect(held.timeline.at(-1)?.note).toContain('Not integrated automatically');
    expect(receiver.completeCalls).toBe(0);
    expect(receiver.imports.get(transfer.id)!.status).toBe('awaiting-acceptance');
    expect(await h.gp2gp.registry.practiceFor(NHS)).toBe('P10001');
  });

  it("carries the sending practice's dissent and S-flag to the receiving system with the record", async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    const asked: string[] = [];
    h = await createGp2gpHarness({
      systems: { P10001: sendingSample('P10001'), P20002: receiver },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
      demographics: (nhs, ods) => {
        asked.push(`${ods}/${nhs}`);
        const patient = sampleRecord(nhs, ods).patient;
        return Promise.resolve({ patient, flags: { dissent: true, sensitive: true } });
      },
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const done = await h.waitFor(transfer.id, DONE);
    expect(done.state).toBe('completed');
    expect(asked).toEqual([`P10001/${NHS}`]);
    expect(done.patientStatus).toEqual({ dissent: true, sensitive: true });
    expect(receiver.imports.get(transfer.id)!.delivery.patientStatus).toEqual({ dissent: true, sensitive: true });
  });

  it('fails with reason 06, delivering nothing, when the sending practice no longer knows the patient', async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    h = await createGp2gpHarness({
      systems: { P10001: sendingSample('P10001'), P20002: receiver },
      patients: { [NHS]: 'P10001' },
      demographics: () => Promise.resolve(null),
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const done = await h.waitFor(transfer.id, DONE);
    expect(done.failure).toMatchObject({ code: '06', step: 'gp2gp.translate' });
    expect(receiver.importCalls).toBe(0);
  });

  it("transfers a GP2GP-native sender's own HL7 V3 extract", async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    const xml = (nhs: string) =>
      buildEhrExtract(Terminology.sample().normaliseRecord(sampleRecord(nhs, 'P30003')).record, {
        messageId: 'A1B2C3D4-0000-4000-8000-000000000001',
        fromAsid: '200000000001',
        toAsid: '200000000002',
        toOds: 'P40004',
      });
    h = await createGp2gpHarness({
      systems: { P30003: FakeTransferSystem.sendingHl7(xml), P40004: receiver },
      patients: { [NHS]: 'P30003' },
      autoIntegrate: ['P40004'],
    });
    const transfer = await startTransfer(h, 'P30003', 'P40004');
    const done = await h.waitFor(transfer.id, DONE);
    expect(done.state).toBe('completed');
    expect(done.itemCount).toBe(4);
    expect(
      receiver.imports
        .get(transfer.id)!
        .delivery.record.resources.map((r) => r.resourceType)
        .sort(),
    ).toEqual(['AllergyIntolerance', 'Condition', 'Observation', 'Observation']);
  });

  it("fails with reason 28 when the extract is another patient's", async () => {
    const xml = () =>
      buildEhrExtract(sampleRecord(OTHER_NHS, 'P30003'), {
        messageId: 'A1B2C3D4-0000-4000-8000-000000000002',
        fromAsid: '200000000001',
        toAsid: '200000000002',
        toOds: 'P40004',
      });
    const receiver = new FakeTransferSystem();
    h = await createGp2gpHarness({
      systems: { P30003: FakeTransferSystem.sendingHl7(xml), P40004: receiver },
      patients: { [NHS]: 'P30003' },
    });
    const transfer = await startTransfer(h, 'P30003', 'P40004');
    const done = await h.waitFor(transfer.id, DONE);
    expect(done.state).toBe('failed');
    expect(done.failure?.code).toBe('28');
    expect(receiver.importCalls).toBe(0);
    await h.waitUntil(transfer.id, (t) => t.settled, 'settled');
    expect(await text(h.blobs, transferBlobs.finalAck(transfer.id))).toContain('code="28"');
  });

  it("fails with the sender's reason code when the sender refuses the request", async () => {
    h = await createGp2gpHarness({
      systems: { P10001: new FakeTransferSystem(), P20002: new FakeTransferSystem() },
      patients: { [NHS]: 'P10001' },
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const done = await h.waitFor(transfer.id, DONE);
    expect(done.failure).toMatchObject({ code: '06', step: 'gp2gp.request-extract' });
    // The code's meaning, what the system said (once), and what to do next.
    expect(done.failure?.reason).toBe(
      'GP2GP reason 06 (patient not at surgery): The sending practice P10001 refused the EHR request ' +
        `(patient ${NHS} is not at this surgery). Check the NHS number and, on PDS, which practice the patient was ` +
        'registered at; request the transfer from the practice that holds the record.',
    );
    // Settled: nothing to acknowledge (no extract came), the in-transit marker is gone.
    const settled = await h.waitUntil(transfer.id, (t) => t.settled, 'settled');
    expect(settled.messageIds.finalAck).toBeUndefined();
    expect(await h.markers.isInTransit('P20002', NHS)).toBe(false);
  });

  it('sends a record with attachments as a large message: fragments, continue, reassembly, every byte delivered', async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    const files = ['letter-1.pdf', 'scan-2.pdf'];
    const sizes = [3 * 1024 * 1024 + 17, 700_000];
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical(
          (nhs) => sampleRecord(nhs, 'P10001', { documents: files }),
          () => files.map((f, i) => generatedAttachment(`D${i + 1}`, f, sizes[i]!)),
        ),
        P20002: receiver,
      },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
      options: { fragmentBytes: 512 * 1024 },
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const done = await h.waitFor(transfer.id, DONE);
    expect(done.state).toBe('completed');
    expect(done.largeMessage).toBe(true);
    expect(done.timeline.map((e) => e.state)).toEqual(
      expect.arrayContaining(['extract-received', 'fragments-pending', 'reassembled', 'translated']),
    );
    expect(done.fragmentCount).toBe(7 + 2);
    expect(done.fragmentsReceived).toBe(9);
    expect(done.messageIds.fragmentAcks).toHaveLength(9);
    expect(done.sizes.attachmentBytes).toBe(sizes[0]! + sizes[1]!);
    const received = receiver.imports.get(transfer.id)!.attachments;
    expect(received).toEqual([
      { id: 'D1', bytes: sizes[0], sha256: sha256Of(sizes[0]!, 'D1') },
      { id: 'D2', bytes: sizes[1], sha256: sha256Of(sizes[1]!, 'D2') },
    ]);
    expect(await text(h.blobs, transferBlobs.continue(transfer.id))).toContain('Continue Acknowledgement');
  });

  it('sends an extract over the size limit compressed, as a skeleton attachment, and parses it after reassembly', async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    h = await createGp2gpHarness({
      systems: { P10001: sendingSample('P10001'), P20002: receiver },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
      options: { largeMessageThresholdBytes: 2000, fragmentBytes: 1024 },
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const done = await h.waitFor(transfer.id, DONE);
    expect(done.state).toBe('completed');
    expect(done.largeMessage).toBe(true);
    expect(done.attachments.filter((a) => a.skeleton)).toHaveLength(1);
    expect(done.itemCount).toBe(4);
    expect(receiver.imports.get(transfer.id)!.attachments).toEqual([]);
  });

  it('sends a placeholder for a document the sender cannot produce, and does not auto-integrate', async () => {
    const receiver = new FakeTransferSystem({ receive: 'integrate' });
    const broken = {
      id: 'D1',
      filename: 'lost.pdf',
      contentType: 'application/pdf',
      open: () => Promise.reject(new Error('file missing on disk')),
    };
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical(
          (nhs) => sampleRecord(nhs, 'P10001', { documents: ['lost.pdf'] }),
          () => [broken],
        ),
        P20002: receiver,
      },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
    });
    const transfer = await startTransfer(h, 'P10001', 'P20002');
    const held = await h.waitFor(transfer.id, DONE);
    expect(held.state).toBe('awaiting-acceptance');
    expect(held.attachments[0]).toMatchObject({ absent: true, filename: 'AbsentAttachment_lost.pdf.txt' });
    expect(receiver.imports.get(transfer.id)!.delivery.missingAttachments).toEqual(['D1']);
    const placeholder = await readAll(h.gp2gp.fragments.read(1, (p) => transferBlobs.fragment(transfer.id, 0, p)));
    expect(placeholder.toString()).toContain('file missing on disk');
  });
});
