import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccessModule, RateLimitGuard } from '@lloyd/access';
import { AuthGuard } from '@lloyd/auth';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthHttpModule } from './auth/auth-http.module.js';
import { FhirModule } from './fhir/fhir.module.js';
import { Gp2gpHttpModule } from './gp2gp/gp2gp-http.module.js';
import { FhirExceptionFilter } from './http/fhir-exception.filter.js';
import { OpsModule } from './ops/ops.module.js';

/**
 * The gateway: HTTP only. Every route needs a verified token unless it is marked `@Public()` (AuthGuard, deny by
 * default), then passes the per-organisation rate limit (RateLimitGuard); guards run in this order.
 */
@Module({
  imports: [AuthHttpModule, AccessModule, FhirModule, AuditModule, AdminModule, Gp2gpHttpModule, OpsModule],
  providers: [
    { provide: APP_GUARD, useExisting: AuthGuard },
    { provide: APP_GUARD, useExisting: RateLimitGuard },
    { provide: APP_FILTER, useClass: FhirExceptionFilter },
  ],
})
export class GatewayModule {}
