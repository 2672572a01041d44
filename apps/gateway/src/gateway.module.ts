import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthGuard } from '@lloyd/auth';
import { AuthHttpModule } from './auth/auth-http.module.js';
import { FhirModule } from './fhir/fhir.module.js';
import { FhirExceptionFilter } from './http/fhir-exception.filter.js';
import { OpsModule } from './ops/ops.module.js';

/** The gateway: HTTP only. Every route needs a verified token unless it is marked `@Public()`. */
@Module({
  imports: [AuthHttpModule, FhirModule, OpsModule],
  providers: [
    { provide: APP_GUARD, useExisting: AuthGuard },
    { provide: APP_FILTER, useClass: FhirExceptionFilter },
  ],
})
export class GatewayModule {}
