// A small gateway for specs of the admin and audit HTTP surfaces: auth, the access module, both feature modules, the
// global guards in production order, and the gateway's real FHIR exception filter, over an in-memory store.
import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ACCESS_CLOCK, AccessModule, RateLimitGuard, type AccessClock } from '@lloyd/access';
import { AuthGuard, EmbeddedIssuer } from '@lloyd/auth';
import { ConfigModule, type LloydConfig } from '@lloyd/config';
import { ObservabilityModule } from '@lloyd/observability';
import { InMemoryKeyValueStore, KeyValueStore } from '@lloyd/store';
import { AuthHttpModule } from '../../auth/auth-http.module.js';
import { AuditModule } from '../../audit/audit.module.js';
import { FhirExceptionFilter } from '../../http/fhir-exception.filter.js';
import { RouteTable } from '../../http/route-table.js';
import { AdminModule } from '../admin.module.js';

export interface AccessTestAppOptions {
  /** The access lib's clock (agreement dates, audit `recorded`, rate-limit windows); defaults to the wall clock. */
  clock?: AccessClock;
  store?: KeyValueStore;
}

/** Dev clients' tokens as the embedded issuer would grant them. */
export const CLIENTS = {
  admin: { clientId: 'admin', organisation: 'X26', scopes: ['system/admin.write'] },
  auditor: { clientId: 'auditor', organisation: 'X26', scopes: ['system/AuditEvent.read'] },
  'hospital-epr': { clientId: 'hospital-epr', organisation: 'RX1', scopes: ['system/*.rs'] },
} as const;

/** A ready (not listening) app; `app.listen(0, '127.0.0.1')` for real HTTP. */
export async function accessTestApp(
  config: LloydConfig,
  options: AccessTestAppOptions = {},
): Promise<NestFastifyApplication> {
  const quiet: LloydConfig = { ...config, observability: { ...config.observability, logLevel: 'silent' } };
  const store = options.store ?? new InMemoryKeyValueStore();

  @Global()
  @Module({
    providers: [
      { provide: KeyValueStore, useValue: store },
      ...(options.clock ? [{ provide: ACCESS_CLOCK, useValue: options.clock }] : []),
      RouteTable,
    ],
    exports: [KeyValueStore, RouteTable, ...(options.clock ? [ACCESS_CLOCK] : [])],
  })
  class TestInfraModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(quiet),
      ObservabilityModule.forRoot(quiet),
      TestInfraModule,
      AuthHttpModule,
      AccessModule,
      AdminModule,
      AuditModule,
    ],
    providers: [
      { provide: APP_GUARD, useExisting: AuthGuard },
      { provide: APP_GUARD, useExisting: RateLimitGuard },
      { provide: APP_FILTER, useClass: FhirExceptionFilter },
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** `Bearer <token>` for a dev client, issued by the app's embedded issuer. */
export async function bearer(app: NestFastifyApplication, client: keyof typeof CLIENTS): Promise<string> {
  const { accessToken } = await app
    .get(EmbeddedIssuer)
    .issueToken({ ...CLIENTS[client], scopes: [...CLIENTS[client].scopes] });
  return `Bearer ${accessToken}`;
}
