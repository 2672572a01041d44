import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { LloydConfig } from '@lloyd/config';
import { createLogger, type AppLogger } from './logger.js';
import { MetricsService } from './metrics.service.js';
import { PinoNestLogger } from './pino-nest-logger.js';

/** Injection token for the application's pino logger ({@link AppLogger}). */
export const LOGGER = Symbol('LOGGER');

export interface ObservabilityModuleOptions {
  /** A logger the entry point already made (to log before Nest starts); otherwise one is created from config. */
  logger?: AppLogger;
}

/**
 * Provides, everywhere: {@link MetricsService}, the pino logger under {@link LOGGER}, and {@link PinoNestLogger} for
 * `app.useLogger(app.get(PinoNestLogger))`. Tracing is not started here: it must start before anything else loads
 * (see `startTracing` and the gateway's `otel.ts` preload).
 */
@Global()
@Module({})
export class ObservabilityModule implements OnApplicationShutdown {
  constructor(@Inject(LOGGER) private readonly logger: AppLogger) {}

  static forRoot(config: LloydConfig, options: ObservabilityModuleOptions = {}): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      providers: [
        MetricsService,
        { provide: LOGGER, useFactory: (): AppLogger => options.logger ?? createLogger(config) },
        { provide: PinoNestLogger, useFactory: (logger: AppLogger) => new PinoNestLogger(logger), inject: [LOGGER] },
      ],
      exports: [MetricsService, LOGGER, PinoNestLogger],
    };
  }

  onApplicationShutdown(): void {
    // Lines still buffered in an asynchronous destination would otherwise be lost when the process exits.
    this.logger.flush();
  }
}
