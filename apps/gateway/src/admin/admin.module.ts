import { Module } from '@nestjs/common';
import { AccessModule } from '@lloyd/access';
import { AgreementsController } from './agreements.controller.js';
import { PracticesController } from './practices.controller.js';
import { CreateAgreement } from './usecases/create-agreement.js';
import { EndAgreement } from './usecases/end-agreement.js';
import { PutPracticeSettings } from './usecases/put-practice-settings.js';
import { UpdateAgreement } from './usecases/update-agreement.js';

/** The admin API for sharing agreements and practice settings (`system/admin.write`). */
@Module({
  imports: [AccessModule],
  controllers: [AgreementsController, PracticesController],
  providers: [CreateAgreement, UpdateAgreement, EndAgreement, PutPracticeSettings],
})
export class AdminModule {}
