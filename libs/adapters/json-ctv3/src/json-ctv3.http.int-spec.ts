import { randomUUID } from 'node:crypto';
import { recordSections } from '@lloyd/config';
import { fileRecordWithout, startRecordingProxy, type RecordingProxy } from '@lloyd/adapters-core-testing';
// Tests may start the simulators; library source never imports apps.
// eslint-disable-next-line no-restricted-imports -- tests drive the real simulator over HTTP
import { startSimulators, type RunningSimulators } from '../../../../apps/supplier-sim/src/server.js';
import { JsonCtv3Adapter } from './json-ctv3.adapter.js';
import { JsonCtv3Transfer } from './transfer/json-ctv3.transfer.js';

const PATIENT = '9990000026';
const call = () => ({ signal: AbortSignal.timeout(30_000), correlationId: randomUUID() });

let sims: RunningSimulators;
let proxy: RecordingProxy;

beforeAll(async () => {
  sims = await startSimulators({ seed: 42, ports: { P20002: 0 } });
  proxy = await startRecordingProxy(sims.urls.P20002!);
});

afterAll(async () => {
  await proxy?.close();
  await sims?.close();
});

beforeEach(() => {
  proxy.seen.length = 0;
});

const journalStatuses = () => proxy.seen.filter((s) => s.path.includes('/journal')).map((s) => s.status);

describe('JsonCtv3Adapter conditional reads of a paged journal', () => {
  it('revalidates the search and every page, and reuses the mapped record only when all answer 304', async () => {
    // Small pages, so the journal spans several and each is revalidated on its own.
    const adapter = new JsonCtv3Adapter({ ods: 'P20002', baseUrl: proxy.url, cacheBytes: 4_000_000, pageSize: 5 });
    const first = await adapter.getRecord(PATIENT, { sections: recordSections }, call());
    const pages = journalStatuses().length;
    expect(pages).toBeGreaterThan(1);
    expect(journalStatuses()).toEqual(Array<number>(pages).fill(200));

    proxy.seen.length = 0;
    const second = await adapter.getRecord(PATIENT, { sections: recordSections }, call());
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(journalStatuses()).toEqual(Array<number>(pages).fill(304));
    expect(proxy.seen.every((s) => s.status !== 304 || s.ifNoneMatch !== undefined)).toBe(true);
  });

  it('maps afresh once the practice files a changed record', async () => {
    const adapter = new JsonCtv3Adapter({ ods: 'P20002', baseUrl: proxy.url, cacheBytes: 4_000_000 });
    const before = (await adapter.getRecord(PATIENT, { sections: recordSections }, call()))!;
    const conditions = (r: typeof before) => r.resources.filter((x) => x.resourceType === 'Condition').length;

    await fileRecordWithout(
      new JsonCtv3Adapter({ ods: 'P20002', baseUrl: sims.urls.P20002! }),
      new JsonCtv3Transfer({ ods: 'P20002', baseUrl: sims.urls.P20002! }),
      PATIENT,
      'Condition',
      'P10001',
    );

    const after = (await adapter.getRecord(PATIENT, { sections: recordSections }, call()))!;
    expect(after).not.toBe(before);
    expect(conditions(after)).toBe(conditions(before) - 1);
  });
});
