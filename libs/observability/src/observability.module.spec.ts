import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { configSchema } from '@lloyd/config';
import { createLogger, type AppLogger } from './logger.js';
import { MetricsService } from './metrics.service.js';
import { LOGGER, ObservabilityModule } from './observability.module.js';
import { PinoNestLogger } from './pino-nest-logger.js';
import { LineCapture } from './testing/capture.js';

@Injectable()
class UsesObservability {
  constructor(
    readonly metrics: MetricsService,
    @Inject(LOGGER) readonly logger: AppLogger,
  ) {}
}

// A feature module that does not import ObservabilityModule: the providers reach it because the module is global.
@Module({ providers: [UsesObservability], exports: [UsesObservability] })
class FeatureModule {}

describe('ObservabilityModule', () => {
  const config = configSchema.parse({ observability: { logLevel: 'info', serviceName: 'lloyd-module-test' } });

  it('provides the metrics service, the logger and the Nest logger to every module', async () => {
    const out = new LineCapture();
    const moduleRef = await Test.createTestingModule({
      imports: [ObservabilityModule.forRoot(config, { logger: createLogger(config, out) }), FeatureModule],
    }).compile();
    const app = await moduleRef.init();

    const feature = app.get(UsesObservability);
    feature.logger.info('from a feature');
    app.get(PinoNestLogger).log('from Nest', 'Bootstrap');
    feature.metrics.counter('feature_events_total', 'Events.').inc();

    expect(feature.metrics).toBe(app.get(MetricsService));
    expect(out.lines.map((l) => [l['msg'], l['service'], l['context']])).toEqual([
      ['from a feature', 'lloyd-module-test', undefined],
      ['from Nest', 'lloyd-module-test', 'Bootstrap'],
    ]);
    expect((await app.get(MetricsService).metrics()).text).toContain('feature_events_total 1');
    await app.close();
  });

  it('gives each application its own metrics registry', async () => {
    const silent = configSchema.parse({ observability: { logLevel: 'silent' } });
    const build = () => Test.createTestingModule({ imports: [ObservabilityModule.forRoot(silent)] }).compile();
    const [one, two] = await Promise.all([build(), build()]);

    one.get(MetricsService).observeHttp('GET', '/fhir/metadata', 200, 0.001);

    expect(one.get(MetricsService)).not.toBe(two.get(MetricsService));
    expect((await two.get(MetricsService).metrics()).text).not.toContain('route="/fhir/metadata"');
    await Promise.all([one.close(), two.close()]);
  });
});
