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
          useFactory: (directory: SupplierDirectory) => new SupplierCaller(directory, config.resilience),
          inject: [SupplierDirectory],
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
