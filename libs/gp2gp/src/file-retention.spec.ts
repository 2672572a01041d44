import { OperationOutcomeError } from '@lloyd/fhir';
import { InMemoryJobQueue, type JobOptions } from '@lloyd/store';
import { Gp2gpJob } from './jobs/gp2gp-job.js';
import type { Transfer } from './model/transfer.js';
import { transferFileKeys } from './steps/remove-transfer-files.js';
import { transferBlobs } from './store/transfer-keys.js';
import {
  createGp2gpHarness,
  FakeTransferSystem,
  generatedAttachment,
  sampleRecord,
  type Gp2gpHarness,
} from './testing/index.js';

const NHS = '9990000018';
const OTHER_NHS = '9990000026';
const START = { nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002' };
const HOUR = 3_600_000;
const RETENTION = 48 * HOUR;

/** Remembers what was enqueued, with its options (the removal's delay and key). */
class RecordingQueue extends InMemoryJobQueue {
  readonly added: { name: string; options: JobOptions | undefined }[] = [];

  override add<T extends object>(name: string, data: T, options?: JobOptions): Promise<string> {
    this.added.push({ name, options });
    return super.add(name, data, options);
  }
}

/** A sender with a document big enough to travel as a large message (several fragments). */
const largeSender = () =>
  FakeTransferSystem.sendingCanonical(
    (nhs) => sampleRecord(nhs, 'P10001', { documents: ['letter.pdf'] }),
    () => [generatedAttachment('D1', 'letter.pdf', 300_000)],
  );

async function present(h: Gp2gpHarness, keys: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const key of keys) if (await h.blobs.stat(key)) found.push(key);
  return found;
}

describe('GP2GP file retention: an ended transfer keeps its record, its files go after gp2gp.fileRetentionMs', () => {
  let h: Gp2gpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function completed(queue?: RecordingQueue): Promise<Transfer> {
    h = await createGp2gpHarness({
      systems: { P10001: largeSender(), P20002: new FakeTransferSystem() },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
      options: { fileRetentionMs: RETENTION, fragmentBytes: 100_000 },
      ...(queue ? { queue } : {}),
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    return h.waitFor(transfer.id, ['completed', 'failed']);
  }

  it('deletes the extracts, fragments and translated record once the retention has passed, and only then', async () => {
    const done = await completed();
    expect(done.state).toBe('completed');
    expect(done.settledAt).toBe(new Date(h!.clock.now()).toISOString());
    const files = transferFileKeys(done);
    const before = await present(h!, files);
    // Both sides' extracts, the translated record and every fragment were stored.
    expect(before).toEqual(
      expect.arrayContaining([
        transferBlobs.senderExtract(done.id),
        transferBlobs.inboundCore(done.id),
        transferBlobs.translated(done.id),
        transferBlobs.fragment(done.id, 0, 0),
        transferBlobs.inboundFragment(done.id, done.fragmentCount - 1),
      ]),
    );
    expect(done.fragmentCount).toBeGreaterThan(1);

    h!.clock.advance(RETENTION - 1);
    expect(await h!.gp2gp.runStep(Gp2gpJob.RemoveFiles, done.id)).toBe('moot');
    expect(await present(h!, files)).toEqual(before);

    h!.clock.advance(1);
    expect(await h!.gp2gp.runStep(Gp2gpJob.RemoveFiles, done.id)).toBe('advanced');
    expect(await present(h!, files)).toEqual([]);
    expect(await h!.gp2gp.runStep(Gp2gpJob.RemoveFiles, done.id)).toBe('moot');

    const after = (await h!.gp2gp.transfers.get(done.id))!;
    expect(after.filesRemovedAt).toBe(new Date(h!.clock.now()).toISOString());
    expect(after.timeline.at(-1)).toEqual({
      at: after.filesRemovedAt,
      state: 'completed',
      note: expect.stringMatching(/^Files removed 2 d after the transfer ended \(\d+ bytes\)$/) as unknown,
    });
    // The record of the transfer stays: its view, its integration note, and the MI report's count.
    const view = await h!.gp2gp.getTransfer.execute(done.id, h!.caller);
    expect(view).toMatchObject({ state: 'completed', outcome: 'integrated', filesRemovedAt: after.filesRemovedAt });
    expect(view.sizes).toEqual(done.sizes);
    const note = await h!.gp2gp.getIntegrationNote.execute(done.id, h!.caller);
    expect(note.status).toBe('integrated');
    expect(note.items.length).toBeGreaterThan(0);
    const report = await h!.gp2gp.integrationReport.execute({ from: '2026-03-01', to: '2026-03-31' });
    expect(report.total.integratedWithin3Days).toBe(1);

    const metrics = (await h!.metrics.metrics()).text;
    expect(metrics).toContain('lloyd_gp2gp_transfer_files_removed_total 1');
    const freed = /lloyd_gp2gp_transfer_files_removed_bytes_total (\d+)/.exec(metrics)?.[1];
    expect(Number(freed)).toBeGreaterThan(300_000);
  });

  it('schedules the deletion when the transfer is settled, delayed by the retention period', async () => {
    const queue = new RecordingQueue();
    const done = await completed(queue);
    const removal = queue.added.filter((a) => a.name === String(Gp2gpJob.RemoveFiles));
    expect(removal).toEqual([
      {
        name: Gp2gpJob.RemoveFiles,
        options: expect.objectContaining({
          delayMs: RETENTION,
          jobId: `${done.id}:${Gp2gpJob.RemoveFiles}:${Date.parse(done.settledAt!) + RETENTION}`,
        }) as unknown,
      },
    ]);
    await queue.close();
  });

  it('deletes the files of a failed transfer too, after the retention', async () => {
    h = await createGp2gpHarness({
      systems: {
        // The sending system answers with another patient's record: reason 28.
        P10001: FakeTransferSystem.sendingCanonical(() => sampleRecord(OTHER_NHS, 'P10001')),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      options: { fileRetentionMs: RETENTION },
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    const failed = await h.waitUntil(transfer.id, (t) => t.state === 'failed' && t.settled, 'failed and settled');
    expect(failed.failure?.code).toBe('28');
    expect(await present(h, [transferBlobs.senderExtract(failed.id)])).toHaveLength(1);
    h.clock.advance(RETENTION);
    expect(await h.gp2gp.runStep(Gp2gpJob.RemoveFiles, failed.id)).toBe('advanced');
    expect(await present(h, transferFileKeys(failed))).toEqual([]);
    expect((await h.gp2gp.transfers.get(failed.id))?.failure?.code).toBe('28');
  });

  it('has the safety net delete the files of a transfer whose deletion job was lost (or that ended before)', async () => {
    const done = await completed();
    h!.clock.advance(RETENTION + h!.gp2gp.options.resumeStalledAfterMs - 1);
    expect(await h!.gp2gp.resumeStalled.execute()).toEqual([]);
    h!.clock.advance(1);
    expect(await h!.gp2gp.resumeStalled.execute()).toEqual([done.id]);
    const after = await h!.waitUntil(done.id, (t) => t.filesRemovedAt !== undefined, 'files removed');
    expect(await present(h!, transferFileKeys(after))).toEqual([]);
    expect(await h!.gp2gp.resumeStalled.execute()).toEqual([]);
  });

  it('answers 410, not 500, for an integration note that is gone with the files', async () => {
    const done = await completed();
    h!.clock.advance(RETENTION);
    await h!.gp2gp.runStep(Gp2gpJob.RemoveFiles, done.id);
    await h!.blobs.delete(transferBlobs.integrationNote(done.id));
    const error = await h!.gp2gp.getIntegrationNote.execute(done.id, h!.caller).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationOutcomeError);
    expect((error as OperationOutcomeError).status).toBe(410);
    expect((error as OperationOutcomeError).message).toMatch(/files were removed at .* after the retention period/);
  });
});
