import { Module } from '@nestjs/common';
import { Gp2gpWorkerModule } from './gp2gp/gp2gp-worker.module.js';
import { HealthPingProcessor } from './health-ping.processor.js';

/** The transfer worker's job processors. Mounted alone by the worker entry point, or beside the gateway by npm start. */
@Module({ imports: [Gp2gpWorkerModule], providers: [HealthPingProcessor] })
export class WorkerModule {}
