import { OperationOutcomeError } from '@lloyd/fhir';
import { transferBlobs } from './store/transfer-keys.js';
import { createGp2gpHarness, FakeTransferSystem, readAll, sampleRecord, type Gp2gpHarness } from './testing/index.js';

const NHS = '9990000018';
const DONE = ['completed', 'failed', 'awaiting-acceptance'] as const;

/** The error a call rejected with, as an OperationOutcomeError. */
async function outcomeOf(call: Promise<unknown>): Promise<OperationOutcomeError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OperationOutcomeError);
  return error as OperationOutcomeError;
}

const diagnostics = (error: OperationOutcomeError) => error.outcome.issue[0]?.diagnostics ?? '';

describe('GP2GP transfers: one open transfer per patient, and decisions the receiving system agrees with', () => {
  let h: Gp2gpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** P10001 sends; P20002 and P30003 receive and hold records for review. */
  async function harness(receivers: Record<string, FakeTransferSystem> = {}) {
    h = await createGp2gpHarness({
      systems: {
        P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
        P20002: receivers['P20002'] ?? new FakeTransferSystem(),
        P30003: receivers['P30003'] ?? new FakeTransferSystem(),
      },
      patients: { [NHS]: 'P10001' },
    });
    return h;
  }

  const start = (fromOds: string, toOds: string) =>
    h!.gp2gp.startTransfer.execute({ nhsNumber: NHS, fromOds, toOds }, h!.caller);

  it('refuses a second transfer of a patient while one is open (409 naming it); the same request returns it', async () => {
    await harness();
    const first = await start('P10001', 'P20002');
    expect(first.created).toBe(true);
    await h!.waitFor(first.transfer.id, DONE);

    const refused = await outcomeOf(start('P10001', 'P30003'));
    expect(refused.status).toBe(409);
    expect(diagnostics(refused)).toContain(first.transfer.id);
    expect(diagnostics(refused)).toContain('from P10001 to P20002');
    expect(diagnostics(refused)).toContain(`/gp2gp/transfers/${first.transfer.id}/accept`);

    expect(await start('P10001', 'P20002')).toMatchObject({ created: false, transfer: { id: first.transfer.id } });
    expect(await h!.gp2gp.repository.list({ toOds: 'P30003' })).toEqual([]);
  });

  it('finds a transfer by its id in any case (a UUID), for reading, watching, the note and decisions', async () => {
    await harness();
    const { transfer } = await start('P10001', 'P20002');
    await h!.waitFor(transfer.id, ['awaiting-acceptance']);
    const lower = transfer.id.toLowerCase();
    expect(lower).not.toBe(transfer.id);
    expect((await h!.gp2gp.getTransfer.execute(lower, h!.caller)).id).toBe(transfer.id);
    expect((await h!.gp2gp.getIntegrationNote.execute(lower, h!.caller)).status).toBe('awaiting-acceptance');
    const watch = new AbortController();
    const events = await h!.gp2gp.watchTransfer.execute(lower, h!.caller, watch.signal);
    expect((await events.next()).value).toMatchObject({ transferId: transfer.id, seq: 0 });
    watch.abort();
    expect((await h!.gp2gp.acceptTransfer.execute(lower, h!.caller)).state).toBe('integrated');
  });

  it('matches a repeated request on patient, sending and receiving practice together', async () => {
    await harness();
    const open = await start('P10001', 'P20002');
    await h!.waitFor(open.transfer.id, DONE);
    // The registry has moved the patient meanwhile (say, a registration recorded elsewhere).
    await h!.gp2gp.registry.recordMove(NHS, 'P30003');
    const refused = await outcomeOf(start('P30003', 'P20002'));
    expect(refused.status).toBe(409);
    expect(diagnostics(refused)).toContain(open.transfer.id);
  });

  it('fails a transfer whose patient the registry has placed elsewhere meanwhile, and moves nothing', async () => {
    await harness();
    const { transfer } = await start('P10001', 'P20002');
    await h!.waitFor(transfer.id, DONE);
    await h!.gp2gp.registry.recordMove(NHS, 'P30003');

    await h!.gp2gp.acceptTransfer.execute(transfer.id, h!.caller);
    const done = await h!.waitUntil(transfer.id, (t) => t.state === 'failed' && t.settled, 'failed and settled');
    expect(done.failure).toMatchObject({ code: '06' });
    expect(done.failure?.reason).toContain('no longer places patient');
    expect(await h!.gp2gp.registry.practiceFor(NHS)).toBe('P30003');
    expect(await h!.markers.isInTransit('P20002', NHS)).toBe(false);
    const ack = (await readAll(await h!.blobs.get(transferBlobs.finalAck(transfer.id)))).toString('utf8');
    expect(ack).toContain('typeCode="AE"');
    // The patient's slot is free again: a transfer from where the patient now is can start.
    expect((await start('P30003', 'P20002')).created).toBe(true);
  });

  it('completes a transfer the practice had already filed in its own system, telling the rejecting caller (409)', async () => {
    const receiver = new FakeTransferSystem();
    await harness({ P20002: receiver });
    const { transfer } = await start('P10001', 'P20002');
    await h!.waitFor(transfer.id, DONE);
    receiver.fileAtPractice(transfer.id);

    const refused = await outcomeOf(h!.gp2gp.rejectTransfer.execute(transfer.id, { reasonCode: '11' }, h!.caller));
    expect(refused.status).toBe(409);
    expect(diagnostics(refused)).toContain('had already integrated');
    const done = await h!.waitFor(transfer.id, ['completed', 'failed']);
    expect(done.state).toBe('completed');
    expect(done.rejection).toBeUndefined();
    expect(await h!.gp2gp.registry.practiceFor(NHS)).toBe('P20002');
    const ack = (await readAll(await h!.blobs.get(transferBlobs.finalAck(transfer.id)))).toString('utf8');
    expect(ack).toContain('typeCode="AA"');
  });

  it('takes racing decisions one at a time: one wins, the other is told it came too late', async () => {
    const receiver = new FakeTransferSystem({ decisionDelayMs: 50 });
    await harness({ P20002: receiver });
    const { transfer } = await start('P10001', 'P20002');
    await h!.waitFor(transfer.id, DONE);

    const [accepted, rejected] = await Promise.allSettled([
      h!.gp2gp.acceptTransfer.execute(transfer.id, h!.caller),
      h!.gp2gp.rejectTransfer.execute(transfer.id, { reasonCode: '11' }, h!.caller),
    ]);
    expect([accepted.status, rejected.status].sort()).toEqual(['fulfilled', 'rejected']);
    const loser = (accepted.status === 'rejected' ? accepted : rejected) as PromiseRejectedResult;
    expect((loser.reason as OperationOutcomeError).status).toBe(409);

    const done = await h!.waitFor(transfer.id, ['completed', 'failed']);
    const filed = receiver.imports.get(transfer.id)!.status === 'integrated';
    expect(done.rejection === undefined).toBe(filed);
    expect(await h!.gp2gp.registry.practiceFor(NHS)).toBe(filed ? 'P20002' : 'P10001');
    expect(receiver.completeCalls).toBe(1);
  });
});
