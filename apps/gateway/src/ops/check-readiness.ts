import { Injectable } from '@nestjs/common';
import { SupplierCaller, SupplierDirectory, type BreakerState } from '@lloyd/federation';
import { isStoreFull, JobQueue, KeyValueStore, STORE_FULL_ADVICE, SystemJob } from '@lloyd/store';

/** A key each readiness probe writes (and lets expire), to show the store still takes writes. */
const WRITE_PROBE_KEY = 'health:write-probe';

/** How long the store or the queue may take to answer a readiness probe before it counts as not answering. */
export const OWN_PROBE_DEADLINE_MS = 2000;

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
  ms: number;
  breaker?: BreakerState;
}

export interface ReadinessReport {
  /** Lloyd's own dependencies (the store and the queue) answer: this replica can take traffic. */
  ready: boolean;
  /**
   * Ready, but some supplier systems do not answer (reads of their practices fail, 502/504, until they do), or no
   * transfer worker takes jobs (transfers wait).
   */
  degraded: boolean;
  checks: Record<string, ReadinessCheck>;
}

/**
 * Readiness of this replica. It is ready when its own dependencies, the store and the queue, each answer within
 * {@link OWN_PROBE_DEADLINE_MS}: those are what every request needs, and another replica cannot do better without
 * them. The supplier systems are probed and reported too (with their breakers), but a supplier that is down makes
 * the report `degraded`, not unready: every replica reaches the same systems, so taking replicas out of the load
 * balancer would only turn one practice's outage into an outage for every practice.
 */
@Injectable()
export class CheckReadiness {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly queue: JobQueue,
    private readonly directory: SupplierDirectory,
    private readonly suppliers: SupplierCaller,
  ) {}

  async execute(): Promise<ReadinessReport> {
    const own: [string, Probe][] = [
      ['store', () => withinDeadline(this.storeTakesWrites(), OWN_PROBE_DEADLINE_MS)],
      ['queue', () => withinDeadline(this.queue.ping(), OWN_PROBE_DEADLINE_MS)],
    ];
    // Supplier probes have their own deadline: the supplier's configured timeout.
    const suppliers = this.directory
      .all()
      .map(({ config }): [string, Probe] => [`supplier:${config.ods}`, () => this.suppliers.probe(config.ods)]);
    // Transfers need a worker taking jobs; without one they wait, but reads are unaffected: degraded, not unready.
    const workers: [string, Probe][] = [['workers', () => this.someoneConsumes()]];
    const [ownResults, supplierResults, workerResults] = await Promise.all([run(own), run(suppliers), run(workers)]);
    const checks: ReadinessReport['checks'] = Object.fromEntries([...ownResults, ...workerResults, ...supplierResults]);
    // The probe bypasses the breaker (it shows the system's real state); reads go through it, so show it too: a
    // system that answers again may still be refused fast until the breaker tries it.
    for (const { config } of this.directory.all()) {
      const check = checks[`supplier:${config.ods}`];
      if (check) check.breaker = this.suppliers.breakerState(config.ods);
    }
    return {
      ready: ownResults.every(([, r]) => r.ok),
      degraded: [...supplierResults, ...workerResults].some(([, r]) => !r.ok),
      checks,
    };
  }

  /**
   * The store answers and still takes writes: a Redis at its `maxmemory` (with `noeviction`) answers PING but refuses
   * every write, and so every request that audits, counts a rate limit or moves a transfer.
   */
  private async storeTakesWrites(): Promise<void> {
    await this.kv.ping();
    try {
      await this.kv.set(WRITE_PROBE_KEY, new Date().toISOString(), { ttlSeconds: 60 });
    } catch (err) {
      if (isStoreFull(err)) throw new Error(STORE_FULL_ADVICE, { cause: err });
      throw err;
    }
  }

  /** Every worker handles the health ping, so its consumers are the workers running. */
  private async someoneConsumes(): Promise<string> {
    const count = await withinDeadline(this.queue.consumers(SystemJob.HealthPing), OWN_PROBE_DEADLINE_MS);
    if (count === 0) {
      throw new Error(
        'no transfer worker is taking jobs, so GP2GP transfers wait until one runs: start one (npm run start:worker, with the same REDIS_URL)',
      );
    }
    return `${count} worker${count === 1 ? '' : 's'} taking jobs`;
  }
}

/** A probe resolves when what it checks answers, with a detail worth showing (such as a count) or nothing. */
type Probe = () => Promise<string | void>;

async function run(probes: readonly [string, Probe][]): Promise<[string, ReadinessCheck][]> {
  return Promise.all(
    probes.map(async ([name, probe]): Promise<[string, ReadinessCheck]> => {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      try {
        const detail = await probe();
        return [name, { ok: true, ms: ms(), ...(detail ? { detail } : {}) }];
      } catch (err) {
        return [name, { ok: false, detail: (err as Error).message, ms: ms() }];
      }
    }),
  );
}

function withinDeadline<T>(probe: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([probe, late]).finally(() => clearTimeout(timer));
}
