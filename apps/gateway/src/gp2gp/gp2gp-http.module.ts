import { Module } from '@nestjs/common';
import { Gp2gpModule } from '@lloyd/gp2gp';
import { ReportsController } from './reports.controller.js';
import { TransfersController } from './transfers.controller.js';

/** The GP2GP HTTP API: transfers and management information, over the shared transfer broker. */
@Module({
  imports: [Gp2gpModule],
  controllers: [TransfersController, ReportsController],
})
export class Gp2gpHttpModule {}
