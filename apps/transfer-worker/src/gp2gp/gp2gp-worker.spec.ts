import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@lloyd/config';
import { ConfigPatientRegistry, PatientRegistry, SupplierDirectory, TransferMarkers } from '@lloyd/federation';
import { FakeTransferSystem, Gp2gp, Gp2gpJob, GP2GP_OPTIONS, sampleRecord, TransferEndpoints } from '@lloyd/gp2gp';
import { ObservabilityModule } from '@lloyd/observability';
import {
  BlobStore,
  FileBlobStore,
  InMemoryJobQueue,
  InMemoryKeyValueStore,
  JobQueue,
  KeyValueStore,
  type JobHandler,
} from '@lloyd/store';
import { Gp2gpWorkerModule } from './gp2gp-worker.module.js';

const NHS = '9990000018';

/** An in-process queue that remembers which job names have a processor. */
class WatchedQueue extends InMemoryJobQueue {
  readonly processed: string[] = [];

  override process<T extends object>(name: string, handler: JobHandler<T>, options?: { concurrency?: number }): void {
    this.processed.push(name);
    super.process(name, handler, options);
  }
}

describe('Gp2gpWorkerModule', () => {
  let app: INestApplicationContext;
  let dir: string;
  let queue: WatchedQueue;
  const receiver = new FakeTransferSystem();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lloyd-worker-gp2gp-'));
    queue = new WatchedQueue();
    const config = loadConfig({ env: {} });
    const quiet = { ...config, observability: { ...config.observability, logLevel: 'silent' as const } };
    const kv = new InMemoryKeyValueStore();

    @Global()
    @Module({
      providers: [
        { provide: KeyValueStore, useValue: kv },
        { provide: BlobStore, useValue: new FileBlobStore(join(dir, 'blobs')) },
        { provide: JobQueue, useValue: queue },
        {
          provide: PatientRegistry,
          useValue: new ConfigPatientRegistry({ registry: { patients: { [NHS]: 'P10001' } } }),
        },
        { provide: SupplierDirectory, useValue: new SupplierDirectory([]) },
        { provide: TransferMarkers, useValue: new TransferMarkers(kv) },
        { provide: GP2GP_OPTIONS, useValue: { stepBackoffMs: 10 } },
      ],
      exports: [KeyValueStore, BlobStore, JobQueue, PatientRegistry, SupplierDirectory, TransferMarkers, GP2GP_OPTIONS],
    })
    class TestInfraModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(quiet), ObservabilityModule.forRoot(quiet), TestInfraModule, Gp2gpWorkerModule],
    })
      .overrideProvider(TransferEndpoints)
      .useValue(
        TransferEndpoints.of({
          P10001: FakeTransferSystem.sendingCanonical((nhs) => sampleRecord(nhs, 'P10001')),
          P20002: receiver,
        }),
      )
      .compile();
    app = await moduleRef.init();
  });

  afterEach(async () => {
    await app.close();
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers a processor for every GP2GP job at bootstrap', () => {
    expect(queue.processed.sort()).toEqual(Object.values(Gp2gpJob).sort());
  });

  it('runs a transfer from its first job to a record held for acceptance', async () => {
    const gp2gp = app.get(Gp2gp);
    const caller = { who: { clientId: 'gp2gp-broker', organisation: 'X26' }, correlationId: 'c1', request: 'test' };
    const { transfer } = await gp2gp.startTransfer.execute(
      { nhsNumber: NHS, fromOds: 'P10001', toOds: 'P20002' },
      caller,
    );
    let state = transfer.state;
    for (let i = 0; i < 500 && state !== 'awaiting-acceptance' && state !== 'failed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      state = (await gp2gp.transfers.get(transfer.id))!.state;
    }
    expect(state).toBe('awaiting-acceptance');
    expect(receiver.imports.get(transfer.id)?.delivery.mode).toBe('hold');
  });
});
