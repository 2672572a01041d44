// Builds a small gateway for specs: the auth controllers behind the global AuthGuard, the in-memory store and a
// minimal FHIR error filter. Nest 12's FastifyAdapter parses application/x-www-form-urlencoded bodies itself.
import { Catch, Global, Module, type ArgumentsHost, type ExceptionFilter, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AuthGuard, AuthModule } from '@lloyd/auth';
import { ConfigModule, type LloydConfig } from '@lloyd/config';
import { OperationOutcomeError } from '@lloyd/fhir';
import { InMemoryKeyValueStore, KeyValueStore } from '@lloyd/store';
import type { FastifyReply } from 'fastify';
import { AuthHttpModule } from '../auth-http.module.js';

@Global()
@Module({
  providers: [{ provide: KeyValueStore, useFactory: () => new InMemoryKeyValueStore() }],
  exports: [KeyValueStore],
})
class TestStoreModule {}

@Catch()
class TestOutcomeFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof OperationOutcomeError) {
      void reply
        .status(exception.status)
        .headers(exception.headers)
        .type('application/fhir+json')
        .send(exception.outcome);
      return;
    }
    const status = (exception as { getStatus?: () => number }).getStatus?.() ?? 500;
    void reply.status(status).send({ error: String(exception) });
  }
}

/** A ready (not listening) Nest app with the auth HTTP module; call `app.listen(0, '127.0.0.1')` for real HTTP. */
export async function authTestApp(config: LloydConfig, controllers: Type[] = []): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), TestStoreModule, AuthModule, AuthHttpModule],
    controllers,
    providers: [{ provide: APP_GUARD, useExisting: AuthGuard }],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  app.useGlobalFilters(new TestOutcomeFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
