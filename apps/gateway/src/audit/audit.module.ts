import { Module } from '@nestjs/common';
import { AccessModule } from '@lloyd/access';
import { AuditEventController } from './audit-event.controller.js';
import { AuditVerifyController } from './audit-verify.controller.js';
import { SearchAuditEvents } from './usecases/search-audit-events.js';
import { VerifyAuditChain } from './usecases/verify-audit-chain.js';

/** The audit trail over HTTP: FHIR search of AuditEvents and the hash-chain check. */
@Module({
  imports: [AccessModule],
  controllers: [AuditEventController, AuditVerifyController],
  providers: [SearchAuditEvents, VerifyAuditChain],
})
export class AuditModule {}
