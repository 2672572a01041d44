import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { LloydConfig } from '@lloyd/config';
import { ConfigPatientRegistry, PatientRegistry } from './patient-registry.js';
import { SupplierCaller } from './supplier-caller.js';
import { StorePatientRegistry } from './store-patient-registry.js';
import { SupplierDirectory } from './supplier-directory.js';
import { TransferMarkers } from './transfer-markers.js';
import { KeyValueStore } from '@lloyd/store';

/** Routing from NHS number to the registered practice's supplier system. */
@Global()
@Module({})
export class FederationModule {
  static forRoot(config: LloydConfig): DynamicModule {
    const directory = new SupplierDirectory(config.suppliers);
    return {
      module: FederationModule,
      providers: [
        // GP2GP moves (kept in the store) are read before the configured registry, on every replica.
        {
          provide: PatientRegistry,
          useFactory: (kv: KeyValueStore) => new StorePatientRegistry(new ConfigPatientRegistry(config), kv),
          inject: [KeyValueStore],
        },
        { provide: SupplierDirectory, useValue: directory },
        { provide: SupplierCaller, useValue: new SupplierCaller(directory, config.resilience) },
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
