import { Module } from '@nestjs/common';
import { CheckReadiness } from './check-readiness.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';

@Module({ controllers: [HealthController, MetricsController], providers: [CheckReadiness] })
export class OpsModule {}
