import { type OperationOutcomeError } from '@lloyd/fhir';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { newTransfer, type Transfer } from '../model/transfer.js';
import type { TransferState } from '../model/transfer-state.js';
import { fail, moveTo } from '../model/transitions.js';
import { TransferRepository } from '../store/transfer-repository.js';
import { FakeClock } from '../testing/harness.js';
import { BuildIntegrationReport } from './integration-report.js';
import { renderIntegrationReportCsv } from './render-csv.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A transfer requested at `requested` that went through `path` (state, ISO time) in order. */
function transfer(
  id: string,
  toOds: string,
  requested: string,
  path: [TransferState, string][],
  patch: Partial<Transfer> = {},
): Transfer {
  let t = newTransfer({ id, nhsNumber: '9990000018', fromOds: 'P10001', toOds, at: new Date(requested) });
  for (const [state, at] of path) {
    t =
      state === 'failed'
        ? fail(t, patch.failure?.code ?? '99', 'failed', new Date(at))
        : moveTo(t, state, new Date(at));
  }
  return { ...t, ...patch };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The normal path up to integration, the extract arriving at `received` and integration `after` ms later. */
function integrated(id: string, toOds: string, received: string, after: number): Transfer {
  const r = Date.parse(received);
  return transfer(id, toOds, iso(r - 60_000), [
    ['extract-requested', iso(r - 30_000)],
    ['extract-received', received],
    ['translated', iso(r + 1000)],
    ['delivered', iso(r + 2000)],
    ['awaiting-acceptance', iso(r + 3000)],
    ['integrated', iso(r + after)],
    ['acknowledged', iso(r + after + 1000)],
    ['completed', iso(r + after + 2000)],
  ]);
}

describe('GP2GP integration report (management information)', () => {
  let repository: TransferRepository;
  let clock: FakeClock;
  let report: BuildIntegrationReport;

  beforeEach(() => {
    repository = new TransferRepository(new InMemoryKeyValueStore());
    clock = new FakeClock(Date.parse('2026-05-01T12:00:00Z'));
    report = new BuildIntegrationReport(repository, clock.now);
  });

  async function store(...transfers: Transfer[]): Promise<void> {
    for (const t of transfers) await repository.create(t);
  }

  it('bands integration times by exact 24-hour days, across the change to summer time', async () => {
    // Received on 25 March (GMT); the clocks go forward on 29 March. 8×24 h later is 2 April 12:00Z.
    const received = '2026-03-25T12:00:00Z';
    await store(
      integrated('A', 'P20002', received, 3 * DAY),
      integrated('B', 'P20002', received, 3 * DAY + 1000),
      integrated('C', 'P20002', received, 8 * DAY),
      integrated('D', 'P20002', received, 8 * DAY + 60_000),
      integrated('E', 'P20002', received, HOUR),
    );
    const result = await report.execute({ from: '2026-03-25', to: '2026-03-25' });
    expect(result.practices).toHaveLength(1);
    expect(result.practices[0]).toMatchObject({
      ods: 'P20002',
      transfers: 5,
      integratedWithin3Days: 2,
      integratedWithin8Days: 2,
      notIntegratedWithin8Days: 1,
      technicalFailures: 0,
      inProgress: 0,
      medianSecondsToIntegrate: (3 * DAY + 1000) / 1000,
    });
  });

  it('counts transfers by the London calendar day they were requested on (GMT and BST)', async () => {
    const received = (t: string) =>
      [
        ['extract-requested', t],
        ['extract-received', t],
      ] as [TransferState, string][];
    await store(
      // 23:30 GMT on 28 March is still 28 March in London.
      transfer('GMT-LATE', 'P20002', '2026-03-28T23:30:00Z', received('2026-03-28T23:31:00Z')),
      // 23:30 UTC on 29 March is 00:30 BST on 30 March in London.
      transfer('BST-LATE', 'P20002', '2026-03-29T23:30:00Z', received('2026-03-29T23:31:00Z')),
      // 23:00 UTC on 24 October is midnight BST: 25 October in London.
      transfer('OCT', 'P20002', '2026-10-24T23:00:00Z', received('2026-10-24T23:01:00Z')),
    );
    const ids = async (from: string, to: string) =>
      (await repository.requestedBetween(from, to)).map((t) => t.id).sort();
    expect(await ids('2026-03-28', '2026-03-28')).toEqual(['GMT-LATE']);
    expect(await ids('2026-03-29', '2026-03-29')).toEqual([]);
    expect(await ids('2026-03-30', '2026-03-30')).toEqual(['BST-LATE']);
    expect(await ids('2026-10-24', '2026-10-24')).toEqual([]);
    expect(await ids('2026-10-25', '2026-10-25')).toEqual(['OCT']);
    expect((await report.execute({ from: '2026-03-28', to: '2026-03-30' })).total.transfers).toBe(2);
  });

  it('classifies failures by reason code, in-progress and overdue transfers, per receiving practice', async () => {
    clock.set('2026-04-20T12:00:00Z');
    const day = '2026-04-10T09:00:00Z';
    await store(
      transfer('F1', 'P20002', day, [['failed', '2026-04-10T10:00:00Z']], {
        failure: { code: '31', reason: 'missing' },
      }),
      transfer('F2', 'P20002', day, [['failed', '2026-04-10T10:00:00Z']], {
        failure: { code: '31', reason: 'missing' },
      }),
      transfer(
        'R1',
        'P20002',
        day,
        [
          ['extract-requested', day],
          ['extract-received', day],
          ['translated', day],
          ['delivered', day],
          ['rejected', '2026-04-11T09:00:00Z'],
          ['acknowledged', '2026-04-11T09:00:01Z'],
          ['completed', '2026-04-11T09:00:02Z'],
        ],
        { rejection: { code: '17', reason: 'wrong patient' } },
      ),
      // Extract arrived 2 days ago, awaiting acceptance: in progress.
      transfer('W1', 'P40004', '2026-04-18T11:00:00Z', [
        ['extract-requested', '2026-04-18T11:00:00Z'],
        ['extract-received', '2026-04-18T12:00:00Z'],
        ['translated', '2026-04-18T12:00:01Z'],
        ['delivered', '2026-04-18T12:00:02Z'],
        ['awaiting-acceptance', '2026-04-18T12:00:03Z'],
      ]),
      // Extract arrived 9 days ago and still not integrated: the paper fallback.
      transfer('W2', 'P40004', '2026-04-11T11:00:00Z', [
        ['extract-requested', '2026-04-11T11:00:00Z'],
        ['extract-received', '2026-04-11T12:00:00Z'],
        ['translated', '2026-04-11T12:00:01Z'],
        ['delivered', '2026-04-11T12:00:02Z'],
        ['awaiting-acceptance', '2026-04-11T12:00:03Z'],
      ]),
    );
    const result = await report.execute({ from: '2026-04-01', to: '2026-04-30' });
    expect(result.practices.map((p) => p.ods)).toEqual(['P20002', 'P40004']);
    expect(result.practices[0]).toMatchObject({
      transfers: 3,
      technicalFailures: 3,
      technicalFailuresByReason: { '17': 1, '31': 2 },
      inProgress: 0,
      medianSecondsToIntegrate: null,
    });
    expect(result.practices[1]).toMatchObject({
      transfers: 2,
      inProgress: 1,
      notIntegratedWithin8Days: 1,
      technicalFailures: 0,
    });
    expect(result.total).toMatchObject({
      transfers: 5,
      technicalFailures: 3,
      inProgress: 1,
      notIntegratedWithin8Days: 1,
    });

    const csv = renderIntegrationReportCsv(result).split('\r\n');
    expect(csv[0]).toBe(
      'ods,transfers,integratedWithin3Days,integratedWithin8Days,notIntegratedWithin8Days,technicalFailures,technicalFailuresByReason,inProgress,medianSecondsToIntegrate',
    );
    expect(csv[1]).toBe('P20002,3,0,0,0,3,17=1;31=2,0,');
    expect(csv[2]).toBe('P40004,2,0,0,1,0,,1,');
    expect(csv[3]).toBe('TOTAL,5,0,0,1,3,17=1;31=2,1,');
    expect(csv[4]).toBe('');
  });

  it('refuses a bad period with 422 naming the parameter', async () => {
    const refused = (query: unknown) =>
      report.execute(query).then(
        () => undefined,
        (e: unknown) => e as OperationOutcomeError,
      );
    expect((await refused({ from: '2026-02-30', to: '2026-03-01' }))?.outcome.issue[0]?.expression).toEqual(['from']);
    expect((await refused({ from: '2026-03-02', to: '2026-03-01' }))?.outcome.issue[0]?.expression).toEqual(['to']);
    expect((await refused({ to: '2026-03-01' }))?.status).toBe(422);
  });
});
