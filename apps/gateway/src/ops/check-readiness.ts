import { Injectable } from '@nestjs/common';
import { SupplierCaller, SupplierDirectory, type BreakerState } from '@lloyd/federation';
import { JobQueue, KeyValueStore } from '@lloyd/store';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string; ms: number; breaker?: BreakerState }>;
}

/** Readiness: the store, the queue and every configured supplier system answer, each within its own deadline. */
@Injectable()
export class CheckReadiness {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly queue: JobQueue,
    private readonly directory: SupplierDirectory,
    private readonly suppliers: SupplierCaller,
  ) {}

  async execute(): Promise<ReadinessReport> {
    const probes: [string, () => Promise<void>][] = [
      ['store', () => this.kv.ping()],
      ['queue', () => this.queue.ping()],
      ...this.directory
        .all()
        .map(({ config }): [string, () => Promise<void>] => [
          `supplier:${config.ods}`,
          () => this.suppliers.probe(config.ods),
        ]),
    ];
    const results = await Promise.all(
      probes.map(async ([name, probe]) => {
        const started = performance.now();
        try {
          await probe();
          return [name, { ok: true, ms: Math.round(performance.now() - started) }] as const;
        } catch (err) {
          return [
            name,
            { ok: false, detail: (err as Error).message, ms: Math.round(performance.now() - started) },
          ] as const;
        }
      }),
    );
    const checks: ReadinessReport['checks'] = Object.fromEntries(results.map(([name, r]) => [name, r] as const));
    // The probe bypasses the breaker (it shows the system's real state); reads go through it, so show it too: a
    // system that answers again may still be refused fast until the breaker tries it.
    for (const { config } of this.directory.all()) {
      const check = checks[`supplier:${config.ods}`];
      if (check) check.breaker = this.suppliers.breakerState(config.ods);
    }
    return { ready: results.every(([, r]) => r.ok), checks };
  }
}
