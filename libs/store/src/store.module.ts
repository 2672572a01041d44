import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { LloydConfig } from '@lloyd/config';
import { createStores, type Stores } from './create-stores.js';
import { BlobStore, JobQueue, KeyValueStore } from './ports.js';

const STORES = Symbol('LLOYD_STORES');

/**
 * Closes the stores last: Nest closes the HTTP server after the modules' destroy hooks and before the shutdown hooks,
 * so requests still in flight when a shutdown begins finish (and write their audit events) on open connections.
 */
@Injectable()
class StoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(STORES) private readonly stores: Stores) {}

  onApplicationShutdown(): Promise<void> {
    return this.stores.close();
  }
}

/**
 * Provides {@link KeyValueStore}, {@link BlobStore} and {@link JobQueue} (the abstract classes are the tokens)
 * everywhere, chosen by `config.store.redisUrl` (see {@link createStores}), and closes them on shutdown.
 */
@Global()
@Module({})
export class StoreModule {
  static forRoot(config: LloydConfig): DynamicModule {
    return {
      module: StoreModule,
      global: true,
      providers: [
        { provide: STORES, useFactory: () => createStores(config) },
        { provide: KeyValueStore, useFactory: (stores: Stores) => stores.kv, inject: [STORES] },
        { provide: BlobStore, useFactory: (stores: Stores) => stores.blobs, inject: [STORES] },
        { provide: JobQueue, useFactory: (stores: Stores) => stores.queue, inject: [STORES] },
        StoreLifecycle,
      ],
      exports: [KeyValueStore, BlobStore, JobQueue],
    };
  }
}
