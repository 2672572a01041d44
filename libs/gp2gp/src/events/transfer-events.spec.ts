import { Gp2gpJob } from '../jobs/gp2gp-job.js';
import { createGp2gpHarness, FakeTransferSystem, sampleRecord, type Gp2gpHarness } from '../testing/index.js';
import type { TransferEvent } from './transfer-events.js';

const NHS = '9990000018';

describe('GP2GP progress events', () => {
  let h: Gp2gpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function collect(stream: AsyncGenerator<TransferEvent>): Promise<TransferEvent[]> {
    const out: TransferEvent[] = [];
    for await (const event of stream) out.push(event);
    return out;
  }

  it('replays the timeline, follows the transfer live to its end, and resumes after a given event', async () => {
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      autoIntegrate: ['P20002'],
      process: false,
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(
      { nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002' },
      h.caller,
    );
    const controller = new AbortController();
    const watching = collect(h.gp2gp.events.watch(transfer.id, controller.signal));
    for (const job of [Gp2gpJob.RequestExtract, Gp2gpJob.Translate, Gp2gpJob.Deliver, Gp2gpJob.Acknowledge]) {
      await h.gp2gp.runStep(job, transfer.id);
    }
    const events = await watching;
    const done = (await h.gp2gp.transfers.get(transfer.id))!;
    expect(events.map((e) => e.entry)).toEqual(done.timeline);
    expect(events.map((e) => e.seq)).toEqual(done.timeline.map((_, i) => i));
    expect(events.filter((e) => e.final).map((e) => e.entry.state)).toEqual(['completed']);

    const resumed = await collect(h.gp2gp.events.watch(transfer.id, controller.signal, 5));
    expect(resumed.map((e) => e.seq)).toEqual(done.timeline.map((_, i) => i).filter((i) => i > 5));
  });

  it('picks up changes made by another process by re-reading the store', async () => {
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
      process: false,
    });
    const { transfer } = await h.gp2gp.startTransfer.execute(
      { nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002' },
      h.caller,
    );
    const controller = new AbortController();
    const stream = h.gp2gp.events.watch(transfer.id, controller.signal);
    expect((await stream.next()).value).toMatchObject({ seq: 0, entry: { state: 'requested' } });
    // Written straight to the repository: no in-process notification, as from a worker elsewhere.
    await h.gp2gp.repository.update(transfer.id, (t) => ({
      ...t,
      state: 'failed',
      timeline: [...t.timeline, { at: t.createdAt, state: 'failed' }],
    }));
    expect((await stream.next()).value).toMatchObject({ seq: 1, final: true, entry: { state: 'failed' } });
    expect((await stream.next()).done).toBe(true);
    controller.abort();
  });
});
