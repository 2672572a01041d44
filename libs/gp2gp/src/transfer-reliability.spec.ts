import { SupplierTimeoutError, SupplierUnavailableError } from '@lloyd/adapters-core';
import { OperationOutcomeError } from '@lloyd/fhir';
import { InMemoryJobQueue, type JobOptions } from '@lloyd/store';
import { Gp2gpJob, jobFor } from './jobs/gp2gp-job.js';
import { InProcessSpineTransport, type FragmentMessage } from './messaging/spine-transport.js';
import { newTransfer, type Transfer } from './model/transfer.js';
import { moveTo, note } from './model/transitions.js';
import { OutOfOrderMessageError } from './sender/answer-continue.js';
import { transferBlobs } from './store/transfer-keys.js';
import {
  createGp2gpHarness,
  FakeTransferSystem,
  generatedAttachment,
  sampleRecord,
  type Gp2gpHarness,
} from './testing/index.js';
import type { IntegrationResult, RecordDelivery, TransferCallContext } from '@lloyd/adapters-core';

const NHS = '9990000018';
const DAY = 24 * 3600 * 1000;
const START = { nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002' };

/** An in-process queue that records what is enqueued and can lose the next enqueue (a crash right before it). */
class RecordingQueue extends InMemoryJobQueue {
  readonly added: string[] = [];
  failNextAdd = false;

  override add<T extends object>(name: string, data: T, options?: JobOptions): Promise<string> {
    if (this.failNextAdd) {
      this.failNextAdd = false;
      return Promise.reject(new Error('worker killed before enqueueing'));
    }
    this.added.push(name);
    return super.add(name, data, options);
  }
}

/** The Spine losing fragments: those listed never reach the receiving side. */
class LossySpine extends InProcessSpineTransport {
  readonly lost = new Set<number>();

  override deliverFragment(message: FragmentMessage): Promise<void> {
    return this.lost.has(message.index) ? Promise.resolve() : super.deliverFragment(message);
  }
}

function expectOutcome(error: unknown, status: number, expression: string): void {
  expect(error).toBeInstanceOf(OperationOutcomeError);
  const outcome = error as OperationOutcomeError;
  expect(outcome.status).toBe(status);
  expect(outcome.outcome.issue[0]?.expression).toEqual([expression]);
}

describe('GP2GP transfer reliability', () => {
  let h: Gp2gpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Drives a transfer by hand, running every step twice (as after a crash and a redelivery). */
  async function driveTwice(id: string): Promise<Transfer> {
    for (let guard = 0; guard < 20; guard++) {
      const t = (await h!.gp2gp.transfers.get(id))!;
      const job = jobFor(t);
      if (!job) return t;
      const first = await h!.gp2gp.runStep(job, id);
      const second = await h!.gp2gp.runStep(job, id);
      expect([first, second]).toEqual(['advanced', 'moot']);
    }
    throw new Error('the transfer did not finish');
  }

  it('enqueues the next step again for an open transfer that stopped moving (a lost job), and only then', async () => {
    const queue = new RecordingQueue();
    h = await createGp2gpHarness({
      systems: { P10001: new FakeTransferSystem(), P20002: new FakeTransferSystem() },
      patients: { [NHS]: 'P10001' },
      queue,
      process: false,
      options: { resumeStalledAfterMs: 10 * 60_000 },
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    h.clock.advance(10 * 60_000 - 1);
    expect(await h.gp2gp.resumeStalled.execute()).toEqual([]);
    h.clock.advance(1);
    expect(await h.gp2gp.resumeStalled.execute()).toEqual([transfer.id]);
    expect(await h.gp2gp.resumeStalled.execute()).toEqual([transfer.id]);
    // One resumed job per version of the transfer, however often the safety net runs.
    expect((await queue.counts()).waiting).toBe(2);
    expect(queue.added).toEqual([Gp2gpJob.RequestExtract, Gp2gpJob.RequestExtract, Gp2gpJob.RequestExtract]);

    // A start that crashed before claiming the patient's open slot left an orphan: it is dropped, not run.
    const orphan = newTransfer({
      id: 'ORPHAN',
      nhsNumber: NHS,
      fromOds: 'P10001',
      toOds: 'P20002',
      at: new Date(h.clock.now()),
    });
    await h.gp2gp.repository.create(orphan);
    h.clock.advance(10 * 60_000);
    expect(await h.gp2gp.resumeStalled.execute()).toEqual([transfer.id]);
    expect(await h.gp2gp.transfers.get('ORPHAN')).toBeNull();
    await queue.close();
  });

  it('gives the same result when every step runs twice, with nothing exported, delivered or recorded twice', async () => {
    const sender = FakeTransferSystem.sendingCanonical(
      (nhs) => sampleRecord(nhs, 'P10001', { documents: ['a.pdf'] }),
      () => [generatedAttachment('D1', 'a.pdf', 300_000)],
    );
    const receiver = new FakeTransferSystem();
    h = await createGp2gpHarness({
      systems: { P10001: sender, P20002: receiver },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
      process: false,
      options: { fragmentBytes: 100_000 },
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    const done = await driveTwice(transfer.id);
    expect(done.state).toBe('completed');
    expect(sender.exportCalls).toBe(1);
    expect(receiver.importCalls).toBe(1);
    expect(receiver.imports.size).toBe(1);
    const states = done.timeline.filter((e) => !e.note).map((e) => e.state);
    expect(new Set(states).size).toBe(states.length);
    expect(done.fragmentsReceived).toBe(3);
  });

  it('repairs a crash between writing a state and enqueueing the next step: the redelivered job enqueues it', async () => {
    const queue = new RecordingQueue();
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      queue,
      process: false,
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    expect(queue.added).toEqual([Gp2gpJob.RequestExtract]);
    queue.failNextAdd = true;
    await expect(h.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id)).rejects.toThrow('worker killed');
    // The state was written before the enqueue that was lost.
    expect((await h.gp2gp.transfers.get(transfer.id))!.state).toBe('extract-received');
    expect(await h.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id)).toBe('moot');
    expect(queue.added).toEqual([Gp2gpJob.RequestExtract, Gp2gpJob.TimeoutCheck, Gp2gpJob.Translate]);
    await queue.close();
  });

  it('retries a delivery whose answer was lost, without integrating anything twice', async () => {
    class LosesFirstAnswer extends FakeTransferSystem {
      override async importRecord(
        nhs: string,
        delivery: RecordDelivery,
        ctx: TransferCallContext,
      ): Promise<IntegrationResult> {
        const result = await super.importRecord(nhs, delivery, ctx);
        if (this.importCalls === 1)
          throw new SupplierUnavailableError({ ods: 'P20002', format: 'fake', detail: 'connection reset' });
        return result;
      }
    }
    const receiver = new LosesFirstAnswer();
    h = await createGp2gpHarness({
      systems: { P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')), P20002: receiver },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    const done = await h.waitFor(transfer.id, ['completed', 'failed']);
    expect(done.state).toBe('completed');
    expect(receiver.importCalls).toBe(2);
    expect(receiver.imports.size).toBe(1);
    expect(done.timeline.filter((e) => e.state === 'delivered' && !e.note)).toHaveLength(1);
  });

  it("retries a failing step on its backoff schedule, noting each retry, then fails with the step's reason code", async () => {
    class Down extends FakeTransferSystem {
      override importRecord(): Promise<IntegrationResult> {
        this.importCalls++;
        return Promise.reject(
          new SupplierUnavailableError({ ods: 'P20002', format: 'fake', detail: 'connection refused' }),
        );
      }
    }
    const receiver = new Down();
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: receiver,
      },
      patients: { [NHS]: 'P10001' },
      options: { stepBackoffMs: 10, stepRetryMaxDelayMs: 40, stepRetryForMs: 150 },
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    const done = await h.waitUntil(transfer.id, (t) => t.settled, 'settled');
    expect(done.failure).toMatchObject({ code: '11', step: Gp2gpJob.Deliver });
    expect(done.failure?.reason).toContain('connection refused');
    // Delays 10, 20, 40, 40, 40 ms: the schedule reaches 150 ms with the fifth retry, and the sixth try ends it.
    const retries = done.timeline.filter((e) => e.note?.startsWith(`Step ${Gp2gpJob.Deliver} failed`));
    expect(retries).toHaveLength(5);
    expect(retries[0]?.note).toMatch(/connection refused.*; retry 1 at \d{4}-\d\d-\d\dT[\d:.]+Z, retrying until /);
    expect(receiver.importCalls).toBe(6);
    expect(done.failure?.reason).toContain('(6 tries)');
    // The meaning of the code and transfer advice, not the record view's (a 502, the supplier's timeoutMs).
    expect(done.failure?.reason).toMatch(/^GP2GP reason 11 \(failed to successfully integrate the EHR extract\): /);
    expect(done.failure?.reason).toContain('request the transfer again');
    expect(done.failure?.reason).not.toContain('502');
    expect(await h.markers.isInTransit('P20002', NHS)).toBe(false);
  });

  it('names gp2gp.supplierCallTimeoutMs when a transfer call timed out, not the supplier’s timeoutMs', async () => {
    class Slow extends FakeTransferSystem {
      override importRecord(): Promise<IntegrationResult> {
        return Promise.reject(
          new SupplierTimeoutError({ ods: 'P20002', format: 'fake', detail: 'the call was aborted' }),
        );
      }
    }
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new Slow(),
      },
      patients: { [NHS]: 'P10001' },
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    const done = await h.waitUntil(transfer.id, (t) => t.settled, 'settled');
    expect(done.failure?.code).toBe('11');
    expect(done.failure?.reason).toContain('did not answer in time: the call was aborted');
    expect(done.failure?.reason).toContain('raise gp2gp.supplierCallTimeoutMs');
    expect(done.failure?.reason).not.toContain("raise this supplier's timeoutMs");
  });

  it('rides out a brief outage: the step is tried again until the system answers, and the transfer completes', async () => {
    class BrieflyDown extends FakeTransferSystem {
      failures = 0;
      override async importRecord(
        nhs: string,
        delivery: RecordDelivery,
        ctx: TransferCallContext,
      ): Promise<IntegrationResult> {
        if (this.failures++ < 4)
          throw new SupplierUnavailableError({ ods: 'P20002', format: 'fake', detail: 'HTTP 503', status: 503 });
        return super.importRecord(nhs, delivery, ctx);
      }
    }
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new BrieflyDown(),
      },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
      // Fewer tries than the outage lasts would once have failed it: the retry period is what counts now.
      options: { stepAttempts: 2, stepRetryForMs: 60_000 },
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    const done = await h.waitFor(transfer.id, ['completed', 'failed']);
    expect(done.state).toBe('completed');
    expect(done.timeline.filter((e) => e.note?.includes('; retry '))).toHaveLength(4);
    expect(done.retry).toBeUndefined();
  });

  it('shows a retrying step, its next try and when retrying stops, on the transfer', async () => {
    class Down extends FakeTransferSystem {
      override importRecord(): Promise<IntegrationResult> {
        return Promise.reject(new SupplierUnavailableError({ ods: 'P20002', format: 'fake', detail: 'HTTP 502' }));
      }
    }
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new Down(),
      },
      patients: { [NHS]: 'P10001' },
      options: { stepBackoffMs: 60_000, stepRetryMaxDelayMs: 300_000, stepRetryForMs: 4 * 3600_000 },
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    await h.waitUntil(transfer.id, (t) => t.retry !== undefined, 'retrying');
    const view = await h.gp2gp.getTransfer.execute(transfer.id, h.caller);
    const now = h.clock.now();
    expect(view.state).toBe('delivered');
    expect(view.retry).toEqual({
      step: Gp2gpJob.Deliver,
      retry: 1,
      since: new Date(now).toISOString(),
      nextAttemptAt: new Date(now + 60_000).toISOString(),
      until: new Date(now + 4 * 3600_000).toISOString(),
      lastError: 'Supplier system of practice P20002 (fake) is unavailable: HTTP 502',
    });
    expect(view.timeline.at(-1)?.note).toContain(`retry 1 at ${new Date(now + 60_000).toISOString()}`);
  });

  it('lets exactly one of two workers racing on the same step run it; the other finds it done', async () => {
    const sender = FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001'));
    h = await createGp2gpHarness({
      systems: { P10001: sender, P20002: new FakeTransferSystem() },
      patients: { [NHS]: 'P10001' },
      process: false,
      options: { leaseTtlMs: 3000 },
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    const results = await Promise.all([
      h.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id),
      h.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id),
    ]);
    expect(results.sort()).toEqual(['advanced', 'moot']);
    expect(sender.exportCalls).toBe(1);
    const after = (await h.gp2gp.transfers.get(transfer.id))!;
    expect(after.state).toBe('extract-received');
    expect(after.timeline.map((e) => e.state)).toEqual(['requested', 'extract-requested', 'extract-received']);
  });

  it('compare-and-set: of concurrent writers deciding on the same state exactly one wins; the others re-read and lose', async () => {
    h = await createGp2gpHarness({ systems: {}, patients: {}, process: false });
    const t = newTransfer({ id: 'T-RACE', nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002', at: new Date() });
    await h.gp2gp.repository.create(t);
    const move = () =>
      h!.gp2gp.repository.update(t.id, (c) =>
        c.state === 'requested' ? moveTo(c, 'extract-requested', new Date()) : null,
      );
    const results = await Promise.all(Array.from({ length: 8 }, move));
    expect(results.filter((r) => r?.changed)).toHaveLength(1);
    // Writers that do not conflict in meaning all land, each after re-reading.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => h!.gp2gp.repository.update(t.id, (c) => note(c, `n${i}`, new Date()))),
    );
    const final = (await h.gp2gp.repository.get(t.id))!;
    expect(final.timeline.filter((e) => e.note)).toHaveLength(8);
    expect(final.version).toBe(1 + 1 + 8);
    expect((await h.gp2gp.repository.list({ state: 'extract-requested' })).map((x) => x.id)).toEqual(['T-RACE']);
    expect(await h.gp2gp.repository.list({ state: 'requested' })).toEqual([]);
  });

  it('returns the open transfer when the same transfer is asked for again, even concurrently', async () => {
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      process: false,
    });
    const started = await Promise.all(
      Array.from({ length: 5 }, () => h!.gp2gp.startTransfer.execute(START, h!.caller)),
    );
    expect(new Set(started.map((s) => s.transfer.id)).size).toBe(1);
    expect(started.filter((s) => s.created)).toHaveLength(1);
    const again = await h.gp2gp.startTransfer.execute(START, h.caller);
    expect(again).toMatchObject({ created: false, transfer: { id: started[0]!.transfer.id } });
    expect(await h.gp2gp.repository.list({ toOds: 'P20002' })).toHaveLength(1);
  });

  it('validates a start request and says which field is wrong', async () => {
    h = await createGp2gpHarness({
      systems: { P10001: new FakeTransferSystem(), P20002: new FakeTransferSystem() },
      patients: { [NHS]: 'P10001', '9990000026': 'P20002' },
      process: false,
    });
    const attempt = (body: unknown) =>
      h!.gp2gp.startTransfer.execute(body, h!.caller).then(
        () => undefined,
        (e: unknown) => e,
      );
    expectOutcome(await attempt({ ...START, nhsNumber: '9990000019' }), 422, 'nhsNumber');
    expectOutcome(await attempt({ ...START, nhsNumber: undefined }), 422, 'nhsNumber');
    expectOutcome(await attempt({ ...START, fromOds: 'Q99999' }), 422, 'fromOds');
    expectOutcome(await attempt({ ...START, toOds: 'P10001' }), 422, 'toOds');
    expectOutcome(await attempt({ ...START, nhsNumber: '9990000026' }), 422, 'fromOds');
    expectOutcome(await attempt({ ...START, nhsNumber: '9990000034' }), 422, 'nhsNumber');
    expect(await h.gp2gp.repository.list()).toEqual([]);
  });

  it('refuses a second, different extract for a conversation with reason 12 and drops an exact duplicate', async () => {
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      process: false,
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    await h.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id);
    const received = (await h.gp2gp.transfers.get(transfer.id))!;
    const arrival = {
      messageId: received.messageIds.extract!,
      requestAckId: 'X',
      extractBytes: 1,
      largeMessage: false,
      notCarried: [],
      attachments: [],
    };

    expect((await h.gp2gp.receiveExtract.execute(transfer.id, arrival)).receipt).toBe('duplicate');
    const refused = await h.gp2gp.receiveExtract.execute(transfer.id, { ...arrival, messageId: 'OTHER-EXTRACT' });
    expect(refused.receipt).toBe('refused');
    expect(refused.transfer).toMatchObject({ state: 'extract-received', duplicateExtracts: 1 });
    const nack = (await h.blobs.stat(transferBlobs.duplicateNack(transfer.id, 'OTHER-EXTRACT')))!;
    expect(nack.bytes).toBeGreaterThan(0);
    expect((await h.gp2gp.receiveExtract.execute('NO-SUCH-CONVERSATION', arrival)).receipt).toBe('unrequested');
  });

  it('treats a continue that arrives before the extract was sent as out of order', async () => {
    h = await createGp2gpHarness({ systems: {}, patients: {}, process: false });
    const t = newTransfer({ id: 'T-EARLY', nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002', at: new Date() });
    await expect(h.gp2gp.answerContinue.execute({ ...t, state: 'extract-requested' })).rejects.toBeInstanceOf(
      OutOfOrderMessageError,
    );
  });

  it('reports a missing attachment with reason 31 when its fragments do not arrive before the large-message timeout', async () => {
    let spine: LossySpine | undefined;
    h = await createGp2gpHarness({
      transport: (blobs) => (spine = new LossySpine(blobs)),
      systems: {
        P10001: FakeTransferSystem.sendingCanonical(
          (nhs) => sampleRecord(nhs, 'P10001', { documents: ['a.pdf', 'b.pdf'] }),
          () => [generatedAttachment('D1', 'a.pdf', 1000), generatedAttachment('D2', 'b.pdf', 250_000)],
        ),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      process: false,
      options: { fragmentBytes: 100_000 },
    });
    spine!.lost.add(2);

    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    await h.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id);
    await h.gp2gp.runStep(Gp2gpJob.ReceiveFragments, transfer.id);
    const waiting = (await h.gp2gp.transfers.get(transfer.id))!;
    expect(waiting.state).toBe('fragments-pending');
    expect(waiting.fragmentsReceived).toBe(3);
    expect(waiting.attachments.map((a) => a.received)).toEqual([true, false]);
    expect(waiting.timeline.at(-1)?.note).toContain('b.pdf');

    // Before the deadline nothing happens; after it the transfer fails with 31, naming the attachment.
    const deadline = Date.parse(waiting.deadlines.largeMessage!);
    expect(deadline - h.clock.now()).toBe(4 * 3600_000 + 10 * 60_000 + 4 * 7 * 3600_000);
    h.clock.set(new Date(deadline).toISOString());
    await h.gp2gp.runStep(Gp2gpJob.TimeoutCheck, transfer.id);
    expect((await h.gp2gp.transfers.get(transfer.id))!.state).toBe('fragments-pending');
    h.clock.advance(1);
    expect(await h.gp2gp.runStep(Gp2gpJob.TimeoutCheck, transfer.id)).toBe('failed');
    const failed = (await h.gp2gp.transfers.get(transfer.id))!;
    expect(failed.failure?.code).toBe('31');
    expect(failed.failure?.reason).toMatch(/Missing attachment: b\.pdf/);
    await h.gp2gp.runStep(Gp2gpJob.Acknowledge, transfer.id);
    const settled = (await h.gp2gp.transfers.get(transfer.id))!;
    expect(settled.settled).toBe(true);
    expect(await h.markers.isInTransit('P20002', NHS)).toBe(false);
  });

  it('completes a large message once a late fragment arrives before the timeout', async () => {
    let spine: LossySpine | undefined;
    h = await createGp2gpHarness({
      transport: (blobs) => (spine = new LossySpine(blobs)),
      systems: {
        P10001: FakeTransferSystem.sendingCanonical(
          (nhs) => sampleRecord(nhs, 'P10001', { documents: ['a.pdf'] }),
          () => [generatedAttachment('D1', 'a.pdf', 250_000)],
        ),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
      process: false,
      options: { fragmentBytes: 100_000 },
    });
    spine!.lost.add(0);
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    await h.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id);
    await h.gp2gp.runStep(Gp2gpJob.ReceiveFragments, transfer.id);
    expect((await h.gp2gp.transfers.get(transfer.id))!.state).toBe('fragments-pending');
    spine!.lost.clear();
    expect(await h.gp2gp.runStep(Gp2gpJob.ReceiveFragments, transfer.id)).toBe('advanced');
    expect((await h.gp2gp.transfers.get(transfer.id))!.state).toBe('reassembled');
  });

  it('fails a large message stuck for another reason with 25 at the overall timeout', async () => {
    h = await createGp2gpHarness({ systems: {}, patients: {}, process: false });
    const at = new Date(h.clock.now());
    let t = newTransfer({ id: 'T-STUCK', nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002', at });
    t = moveTo(moveTo(moveTo(t, 'extract-requested', at), 'extract-received', at), 'fragments-pending', at, {
      largeMessage: true,
      deadlines: { largeMessage: new Date(at.getTime() + 1000).toISOString() },
    });
    await h.gp2gp.repository.create(t);
    h.clock.advance(1001);
    expect(await h.gp2gp.runStep(Gp2gpJob.TimeoutCheck, t.id)).toBe('failed');
    expect((await h.gp2gp.transfers.get(t.id))!.failure?.code).toBe('25');
  });

  it('flags the paper fallback for a record not integrated 8×24 h after the extract arrived, but not at exactly 8×24 h', async () => {
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      process: false,
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(START, h.caller);
    await h.gp2gp.runStep(Gp2gpJob.RequestExtract, transfer.id);
    const arrived = h.clock.now();
    await h.gp2gp.runStep(Gp2gpJob.Translate, transfer.id);
    await h.gp2gp.runStep(Gp2gpJob.Deliver, transfer.id);
    expect((await h.gp2gp.transfers.get(transfer.id))!.state).toBe('awaiting-acceptance');

    h.clock.set(new Date(arrived + 8 * DAY).toISOString());
    await h.gp2gp.runStep(Gp2gpJob.TimeoutCheck, transfer.id);
    expect((await h.gp2gp.transfers.get(transfer.id))!.paperFallback).toBe(false);
    h.clock.advance(60_000);
    await h.gp2gp.runStep(Gp2gpJob.TimeoutCheck, transfer.id);
    const flagged = (await h.gp2gp.transfers.get(transfer.id))!;
    expect(flagged.paperFallback).toBe(true);
    expect(flagged.state).toBe('awaiting-acceptance');
    expect(flagged.timeline.at(-1)?.note).toContain('paper');
    // Still integrable, late.
    expect((await h.gp2gp.acceptTransfer.execute(transfer.id, h.caller)).state).toBe('integrated');
  });
});
