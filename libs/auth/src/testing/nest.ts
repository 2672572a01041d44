// Nest helpers for libs/auth specs: the in-memory store as the global KeyValueStore and a minimal FHIR error filter
// (the gateway's real exception filter is not part of this lib).
import { Catch, Global, Module, type ArgumentsHost, type ExceptionFilter, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@lloyd/config';
import { OperationOutcomeError } from '@lloyd/fhir';
import { InMemoryKeyValueStore, KeyValueStore } from '@lloyd/store';
import type { FastifyReply } from 'fastify';
import { AuthGuard } from '../auth.guard.js';
import { AuthModule } from '../auth.module.js';
import { EmbeddedIssuer, type TokenGrant } from '../embedded-issuer.js';

@Global()
@Module({
  providers: [{ provide: KeyValueStore, useFactory: () => new InMemoryKeyValueStore() }],
  exports: [KeyValueStore],
})
export class TestStoreModule {}

/** Writes an OperationOutcomeError as FHIR JSON with its status and headers; anything else becomes a bare 500. */
@Catch()
export class TestOutcomeFilter implements ExceptionFilter {
  readonly seen: unknown[] = [];

  catch(exception: unknown, host: ArgumentsHost): void {
    this.seen.push(exception);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof OperationOutcomeError) {
      void reply
        .status(exception.status)
        .headers(exception.headers)
        .type('application/fhir+json')
        .send(exception.outcome);
      return;
    }
    void reply.status(500).send({ error: String(exception) });
  }
}

/** A Nest app with the AuthGuard on every route of `controllers`, and tokens from its embedded issuer. */
export interface GuardedTestApp {
  app: NestFastifyApplication;
  /** An access token for hospital-epr (RX1, `system/*.rs`, practitioner G1234567), with `grant` changed. */
  token(grant?: Partial<TokenGrant>): Promise<string>;
}

export async function guardedTestApp(controllers: Type[], filter: ExceptionFilter): Promise<GuardedTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadConfig({ env: {} })), TestStoreModule, AuthModule],
    controllers,
    providers: [{ provide: APP_GUARD, useExisting: AuthGuard }],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  app.useGlobalFilters(filter);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const issuer = app.get(EmbeddedIssuer);
  const token = async (grant: Partial<TokenGrant> = {}) =>
    (
      await issuer.issueToken({
        clientId: 'hospital-epr',
        organisation: 'RX1',
        scopes: ['system/*.rs'],
        practitioner: 'G1234567',
        ...grant,
      })
    ).accessToken;
  return { app, token };
}
