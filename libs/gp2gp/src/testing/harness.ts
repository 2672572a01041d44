import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditTrail } from '@lloyd/access';
import { ConfigPatientRegistry, TransferMarkers } from '@lloyd/federation';
import { MetricsService } from '@lloyd/observability';
import {
  FileBlobStore,
  InMemoryJobQueue,
  InMemoryKeyValueStore,
  type BlobStore,
  type JobQueue,
  type KeyValueStore,
} from '@lloyd/store';
import { Terminology } from '@lloyd/terminology';
import { AutoIntegrationPolicy } from '../endpoints/auto-integration.js';
import { TransferEndpoints } from '../endpoints/transfer-endpoints.js';
import type { DemographicsLookup } from '../endpoints/demographics.js';
import { Gp2gp } from '../gp2gp.js';
import type { Gp2gpJobPayload } from '../jobs/gp2gp-job.js';
import type { SpineTransport } from '../messaging/spine-transport.js';
import type { Transfer } from '../model/transfer.js';
import type { TransferState } from '../model/transfer-state.js';
import type { Gp2gpOptions } from '../options.js';
import type { TransferEndpoint } from '@lloyd/adapters-core';
import type { Gp2gpCaller } from '../usecases/caller.js';

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public nowMs = Date.parse('2026-03-02T09:00:00Z')) {}

  readonly now = (): number => this.nowMs;

  set(iso: string): void {
    this.nowMs = Date.parse(iso);
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }
}

export interface HarnessOptions {
  /** The practices' systems, by ODS code. */
  systems: Record<string, TransferEndpoint>;
  /** NHS number → ODS code of the registered practice. */
  patients: Record<string, string>;
  /** Practices that opted in to auto-integration. */
  autoIntegrate?: readonly string[];
  options?: Partial<Gp2gpOptions>;
  /** Builds the transport between the practices over the harness's blob store (default: in-process). */
  transport?: (blobs: BlobStore) => SpineTransport;
  clock?: FakeClock;
  kv?: KeyValueStore;
  blobs?: BlobStore;
  queue?: JobQueue;
  /** Register the job processors on the queue (default true). */
  process?: boolean;
  /** The sending practices' view of a patient (demographics, dissent, S-flag); none by default. */
  demographics?: DemographicsLookup;
}

/** A transfer broker over in-process stores, with fake systems, for tests. */
export interface Gp2gpHarness {
  gp2gp: Gp2gp;
  kv: KeyValueStore;
  blobs: BlobStore;
  queue: JobQueue;
  clock: FakeClock;
  markers: TransferMarkers;
  audit: AuditTrail;
  metrics: MetricsService;
  caller: Gp2gpCaller;
  /** Resolves once the transfer reaches one of `states` (polling the store); rejects after `timeoutMs`. */
  waitFor(id: string, states: readonly TransferState[], timeoutMs?: number): Promise<Transfer>;
  /** Resolves once `done` holds for the stored transfer; rejects after `timeoutMs`. */
  waitUntil(id: string, done: (t: Transfer) => boolean, what: string, timeoutMs?: number): Promise<Transfer>;
  close(): Promise<void>;
}

/** Registers every GP2GP step as a processor on `queue` (what the transfer worker does at bootstrap). */
export function processGp2gpJobs(gp2gp: Gp2gp, queue: JobQueue, concurrency = 2): void {
  for (const step of gp2gp.steps) {
    queue.process<Gp2gpJobPayload>(
      step.job,
      async (job) => {
        await gp2gp.handle(job);
      },
      { concurrency },
    );
  }
}

export async function createGp2gpHarness(options: HarnessOptions): Promise<Gp2gpHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'lloyd-gp2gp-'));
  const kv = options.kv ?? new InMemoryKeyValueStore();
  const blobs = options.blobs ?? new FileBlobStore(join(dir, 'blobs'));
  const queue = options.queue ?? new InMemoryJobQueue();
  const clock = options.clock ?? new FakeClock();
  const metrics = new MetricsService({ defaultMetrics: false });
  const audit = new AuditTrail(kv, metrics, clock.now);
  const markers = new TransferMarkers(kv);
  const auto = new Set(options.autoIntegrate ?? []);
  const gp2gp = new Gp2gp({
    kv,
    blobs,
    queue,
    metrics,
    registry: new ConfigPatientRegistry({ registry: { patients: options.patients } }),
    markers,
    endpoints: TransferEndpoints.of(options.systems),
    terminology: Terminology.sample(),
    audit,
    autoIntegration: new AutoIntegrationPolicy((ods) => Promise.resolve(auto.has(ods))),
    // Short retries: a failing step is retried for 100 ms (the fake clock stands still; the schedule's delays count).
    options: {
      stepBackoffMs: 10,
      stepRetryMaxDelayMs: 40,
      stepRetryForMs: 100,
      leaseTtlMs: 2000,
      eventPollMs: 50,
      ...options.options,
    },
    clock: clock.now,
    ...(options.transport ? { transport: options.transport(blobs) } : {}),
    ...(options.demographics ? { demographics: options.demographics } : {}),
  });
  if (options.process !== false) processGp2gpJobs(gp2gp, queue);
  const harness: Gp2gpHarness = {
    gp2gp,
    kv,
    blobs,
    queue,
    clock,
    markers,
    audit,
    metrics,
    caller: {
      who: { clientId: 'gp2gp-broker', organisation: 'X26' },
      correlationId: 'test-correlation',
      request: 'POST /gp2gp/transfers',
    },
    waitFor(id, states, timeoutMs) {
      return harness.waitUntil(id, (t) => states.includes(t.state), states.join('|'), timeoutMs);
    },
    async waitUntil(id, done, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const transfer = await gp2gp.transfers.get(id);
        if (transfer && done(transfer)) return transfer;
        if (Date.now() > deadline) {
          throw new Error(
            `Transfer ${id} (${transfer?.state ?? 'missing'}) did not become ${what}: ${JSON.stringify(transfer?.failure ?? transfer?.timeline)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      gp2gp.close();
      if (!options.queue) await queue.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
