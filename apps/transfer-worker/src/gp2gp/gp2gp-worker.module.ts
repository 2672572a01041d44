import { Module } from '@nestjs/common';
import { Gp2gpModule } from '@lloyd/gp2gp';
import { Gp2gpProcessor } from './gp2gp.processor.js';

/**
 * The transfer worker's GP2GP processors, registered on the JobQueue at bootstrap. Any number of worker processes
 * may run them against one Redis: leases and compare-and-set keep each step to one worker at a time.
 */
@Module({
  imports: [Gp2gpModule],
  providers: [Gp2gpProcessor],
})
export class Gp2gpWorkerModule {}
