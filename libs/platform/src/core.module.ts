import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ConfigModule, type LloydConfig } from '@lloyd/config';
import { FederationModule } from '@lloyd/federation';
import { ObservabilityModule } from '@lloyd/observability';
import { StoreModule } from '@lloyd/store';

/**
 * The process-wide providers every Lloyd entry point shares: configuration, logging and metrics, the store and queue,
 * and supplier routing. Imported once at the root, so the gateway and the worker mounted in one process (npm start)
 * share one in-process store and queue.
 */
@Module({})
export class CoreModule {
  static forRoot(config: LloydConfig, options: { logger?: Logger } = {}): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot(config, options.logger ? { logger: options.logger } : {}),
        StoreModule.forRoot(config),
        FederationModule.forRoot(config),
      ],
      exports: [ConfigModule, ObservabilityModule, StoreModule, FederationModule],
    };
  }
}
