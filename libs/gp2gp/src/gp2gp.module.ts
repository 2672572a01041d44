import { Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { AccessModule, AccessPolicyStore, AuditTrail } from '@lloyd/access';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { PatientRegistry, SupplierCaller, SupplierDirectory, TransferMarkers } from '@lloyd/federation';
import { LOGGER, MetricsService, type AppLogger } from '@lloyd/observability';
import { BlobStore, JobQueue, KeyValueStore } from '@lloyd/store';
import { Terminology, TerminologyModule } from '@lloyd/terminology';
import { AutoIntegrationPolicy } from './endpoints/auto-integration.js';
import { TransferEndpoints } from './endpoints/transfer-endpoints.js';
import { Gp2gp } from './gp2gp.js';
import { InProcessSpineTransport, SpineTransport } from './messaging/spine-transport.js';
import { GP2GP_CLOCK, GP2GP_OPTIONS, type Gp2gpClock, type Gp2gpOptions } from './options.js';
import { isTransferEndpoint } from '@lloyd/adapters-core';

/** Closes live progress streams when the application shuts down. */
@Injectable()
class Gp2gpLifecycle implements OnModuleDestroy {
  constructor(private readonly gp2gp: Gp2gp) {}

  onModuleDestroy(): void {
    this.gp2gp.close();
  }
}

/** Tunables from config key `gp2gp` (see {@link Gp2gpOptions}); `GP2GP_OPTIONS`, when provided, overrides them. */
export function configuredOptions(config: LloydConfig): Partial<Gp2gpOptions> {
  return Object.fromEntries(Object.entries(config.gp2gp).filter(([, value]) => value !== undefined));
}

/** The practices' transfer endpoints: the configured supplier adapters that implement `TransferEndpoint`. */
export function endpointsFromDirectory(directory: SupplierDirectory): TransferEndpoints {
  return new TransferEndpoints((ods) => {
    const supplier = directory.get(ods);
    if (!supplier) return { known: false };
    return {
      known: true,
      endpoint: supplier.transfer ?? (isTransferEndpoint(supplier.adapter) ? supplier.adapter : undefined),
    };
  });
}

/**
 * The GP2GP transfer broker ({@link Gp2gp}) for the gateway's controllers and the worker's processors; static, so
 * both mounted in one process share one instance. Needs the globals of `CoreModule` (config, store and queue,
 * metrics, logger, federation). Optional: `GP2GP_OPTIONS` and `GP2GP_CLOCK`; tests may override
 * {@link TransferEndpoints} and {@link SpineTransport}.
 */
@Module({
  imports: [AccessModule, TerminologyModule],
  providers: [
    { provide: TransferEndpoints, useFactory: endpointsFromDirectory, inject: [SupplierDirectory] },
    {
      provide: SpineTransport,
      useFactory: (blobs: BlobStore) => new InProcessSpineTransport(blobs),
      inject: [BlobStore],
    },
    {
      provide: Gp2gp,
      useFactory: (
        kv: KeyValueStore,
        blobs: BlobStore,
        queue: JobQueue,
        metrics: MetricsService,
        registry: PatientRegistry,
        markers: TransferMarkers,
        endpoints: TransferEndpoints,
        terminology: Terminology,
        audit: AuditTrail,
        policy: AccessPolicyStore,
        transport: SpineTransport,
        config: LloydConfig,
        suppliers: SupplierCaller | undefined,
        options?: Partial<Gp2gpOptions>,
        clock?: Gp2gpClock,
        logger?: AppLogger,
      ) =>
        new Gp2gp({
          kv,
          blobs,
          queue,
          metrics,
          registry,
          markers,
          endpoints,
          terminology,
          audit,
          autoIntegration: new AutoIntegrationPolicy(async (ods) =>
            (await policy.snapshot()).practices.some((p) => p.ods === ods && p.autoIntegrate),
          ),
          transport,
          ...(suppliers && {
            demographics: (nhsNumber: string, ods: string) =>
              suppliers.call(ods, (adapter, ctx) => adapter.findPatient(nhsNumber, ctx)),
          }),
          options: { ...configuredOptions(config), ...options },
          ...(clock ? { clock } : {}),
          ...(logger ? { logger } : {}),
        }),
      inject: [
        KeyValueStore,
        BlobStore,
        JobQueue,
        MetricsService,
        PatientRegistry,
        TransferMarkers,
        TransferEndpoints,
        Terminology,
        AuditTrail,
        AccessPolicyStore,
        SpineTransport,
        LLOYD_CONFIG,
        { token: SupplierCaller, optional: true },
        { token: GP2GP_OPTIONS, optional: true },
        { token: GP2GP_CLOCK, optional: true },
        { token: LOGGER, optional: true },
      ],
    },
    Gp2gpLifecycle,
  ],
  exports: [Gp2gp, TransferEndpoints],
})
export class Gp2gpModule {}
