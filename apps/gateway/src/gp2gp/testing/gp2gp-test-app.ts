// A small gateway for specs of the GP2GP HTTP surface: auth, access (audit), the GP2GP module with fake supplier
// systems, the global guards in production order and the real FHIR exception filter, over in-process stores.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AccessModule, RateLimitGuard } from '@lloyd/access';
import { AuthGuard, EmbeddedIssuer } from '@lloyd/auth';
import { ConfigModule, type LloydConfig } from '@lloyd/config';
import { ConfigPatientRegistry, PatientRegistry, SupplierDirectory, TransferMarkers } from '@lloyd/federation';
import { GP2GP_CLOCK, GP2GP_OPTIONS, TransferEndpoints, type Gp2gpClock, type Gp2gpOptions } from '@lloyd/gp2gp';
import type { TransferEndpoint } from '@lloyd/adapters-core';
import { ObservabilityModule } from '@lloyd/observability';
import {
  BlobStore,
  FileBlobStore,
  InMemoryJobQueue,
  InMemoryKeyValueStore,
  JobQueue,
  KeyValueStore,
} from '@lloyd/store';
import { AuthHttpModule } from '../../auth/auth-http.module.js';
import { FhirExceptionFilter } from '../../http/fhir-exception.filter.js';
import { RouteTable } from '../../http/route-table.js';
import { Gp2gpWorkerModule } from '../../../../transfer-worker/src/gp2gp/gp2gp-worker.module.js';
import { Gp2gpHttpModule } from '../gp2gp-http.module.js';

export interface Gp2gpTestAppOptions {
  systems: Record<string, TransferEndpoint>;
  /** NHS number → registered practice. */
  patients: Record<string, string>;
  clock?: Gp2gpClock;
  options?: Partial<Gp2gpOptions>;
  /** Also mount the worker's processors (the all-in-one process), so transfers run to their end. */
  worker?: boolean;
}

/** Dev clients' tokens as the embedded issuer would grant them. */
export const GP2GP_CLIENTS = {
  broker: { clientId: 'gp2gp-broker', organisation: 'X26', scopes: ['system/gp2gp.write', 'system/gp2gp.read'] },
  reader: { clientId: 'gp2gp-reader', organisation: 'X26', scopes: ['system/gp2gp.read'] },
  'hospital-epr': { clientId: 'hospital-epr', organisation: 'RX1', scopes: ['system/*.rs'] },
} as const;

/** A ready (not listening) app and what to close after. */
export async function gp2gpTestApp(
  config: LloydConfig,
  options: Gp2gpTestAppOptions,
): Promise<{ app: NestFastifyApplication; close: () => Promise<void> }> {
  const quiet: LloydConfig = { ...config, observability: { ...config.observability, logLevel: 'silent' } };
  const dir = await mkdtemp(join(tmpdir(), 'lloyd-gp2gp-http-'));
  const kv = new InMemoryKeyValueStore();
  const queue = new InMemoryJobQueue();

  @Global()
  @Module({
    providers: [
      { provide: KeyValueStore, useValue: kv },
      { provide: BlobStore, useValue: new FileBlobStore(join(dir, 'blobs')) },
      { provide: JobQueue, useValue: queue },
      { provide: PatientRegistry, useValue: new ConfigPatientRegistry({ registry: { patients: options.patients } }) },
      { provide: SupplierDirectory, useValue: new SupplierDirectory([]) },
      { provide: TransferMarkers, useValue: new TransferMarkers(kv) },
      { provide: GP2GP_OPTIONS, useValue: { stepBackoffMs: 10, eventPollMs: 50, ...options.options } },
      ...(options.clock ? [{ provide: GP2GP_CLOCK, useValue: options.clock }] : []),
      RouteTable,
    ],
    exports: [
      KeyValueStore,
      BlobStore,
      JobQueue,
      PatientRegistry,
      SupplierDirectory,
      TransferMarkers,
      GP2GP_OPTIONS,
      RouteTable,
      ...(options.clock ? [GP2GP_CLOCK] : []),
    ],
  })
  class TestInfraModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(quiet),
      ObservabilityModule.forRoot(quiet),
      TestInfraModule,
      AuthHttpModule,
      AccessModule,
      Gp2gpHttpModule,
      ...(options.worker ? [Gp2gpWorkerModule] : []),
    ],
    providers: [
      { provide: APP_GUARD, useExisting: AuthGuard },
      { provide: APP_GUARD, useExisting: RateLimitGuard },
      { provide: APP_FILTER, useClass: FhirExceptionFilter },
    ],
  })
    .overrideProvider(TransferEndpoints)
    .useValue(TransferEndpoints.of(options.systems))
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    close: async () => {
      await app.close();
      await queue.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `Bearer <token>` for a test client, issued by the app's embedded issuer. */
export async function gp2gpBearer(app: NestFastifyApplication, client: keyof typeof GP2GP_CLIENTS): Promise<string> {
  const grant = GP2GP_CLIENTS[client];
  const { accessToken } = await app.get(EmbeddedIssuer).issueToken({ ...grant, scopes: [...grant.scopes] });
  return `Bearer ${accessToken}`;
}
