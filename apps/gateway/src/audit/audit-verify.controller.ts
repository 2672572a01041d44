import { Controller, Get, Header } from '@nestjs/common';
import { RequireScopes } from '@lloyd/auth';
import { VerifyAuditChain } from './usecases/verify-audit-chain.js';

/**
 * `GET /admin/audit/$verify` (scope `system/AuditEvent.read`): the tamper check of `npm run audit:verify`, made by
 * the running gateway, so it also works with the in-process store of `npm start`. Always 200; `ok` says the verdict.
 */
@Controller('admin/audit')
@RequireScopes('system/AuditEvent.read')
export class AuditVerifyController {
  constructor(private readonly verifyAuditChain: VerifyAuditChain) {}

  @Get('$verify')
  @Header('cache-control', 'no-store')
  verify() {
    return this.verifyAuditChain.execute();
  }
}
