import { Module } from '@nestjs/common';
import { HealthPingProcessor } from './health-ping.processor.js';

/** The transfer worker's job processors. Mounted alone by the worker entry point, or beside the gateway by npm start. */
@Module({ providers: [HealthPingProcessor] })
export class WorkerModule {}
