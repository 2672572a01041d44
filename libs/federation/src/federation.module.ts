import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { LloydConfig } from '@lloyd/config';
import { ConfigPatientRegistry, PatientRegistry } from './patient-registry.js';
import { SupplierCaller } from './supplier-caller.js';
import { StorePatientRegistry } from './store-patient-registry.js';
import { SupplierDirectory } from './supplier-directory.js';
import { TransferMarkers } from './transfer-markers.js';
import { KeyValueStore } from '@lloyd/store';
import { MetricsService } from '@lloyd/observability';

/** Routing from NHS number to the registered practice's supplier system. */
@Global()
@Module({})
export class FederationModule {
  static forRoot(config: LloydConfig): DynamicModule {
    return {
      module: FederationModule,
      providers: [
        // GP2GP moves (kept in the store) are read before the configured registry, on every replica.
        {
          provide: PatientRegistry,
          useFactory: (kv: KeyValueStore) => new StorePatientRegistry(new ConfigPatientRegistry(config), kv),
          inject: [KeyValueStore],
        },
        {
          provide: SupplierDirectory,
          useFactory: (metrics: MetricsService) => {
            const reads = metrics.counter(
              'lloyd_supplier_conditional_reads_total',
              'Reads of supplier answers that can be revalidated, by practice and outcome: not-modified (304, the ' +
                'held answer reused), changed (a new version), full (nothing held to validate).',
              ['ods', 'outcome'],
            );
            return new SupplierDirectory(config.suppliers, (ods, outcome) => reads.inc({ ods, outcome }));
          },
          inject: [MetricsService],
        },
        {
          provide: SupplierCaller,
          useFactory: (directory: SupplierDirectory, metrics: MetricsService) => {
            const calls = metrics.counter(
              'lloyd_supplier_calls_total',
              'Calls to supplier systems (retries included in one call), by practice and outcome: ok, timeout, ' +
                'unavailable, protocol (an answer Lloyd cannot understand), breaker-open, bulkhead-full.',
              ['ods', 'outcome'],
            );
            const breaker = metrics.gauge(
              'lloyd_supplier_breaker_state',
              "Each supplier system's circuit breaker: 0 closed, 1 half-open (trying again), 2 open (failing fast).",
              ['ods'],
            );
            const level = { closed: 0, 'half-open': 1, open: 2, isolated: 2 } as const;
            for (const supplier of config.suppliers) breaker.set({ ods: supplier.ods }, 0);
            return new SupplierCaller(directory, config.resilience, {
              called: (ods, outcome) => calls.inc({ ods, outcome }),
              breakerChanged: (ods, state) => breaker.set({ ods }, level[state]),
            });
          },
          inject: [SupplierDirectory, MetricsService],
        },
        {
          provide: TransferMarkers,
          useFactory: (kv: KeyValueStore) => new TransferMarkers(kv),
          inject: [KeyValueStore],
        },
      ],
      exports: [PatientRegistry, SupplierDirectory, SupplierCaller, TransferMarkers],
    };
  }
}
