// Nest helpers for libs/auth specs: the in-memory store as the global KeyValueStore and a minimal FHIR error filter
// (the gateway's real exception filter is not part of this lib).
import { Catch, Global, Module, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { OperationOutcomeError } from '@lloyd/fhir';
import { InMemoryKeyValueStore, KeyValueStore } from '@lloyd/store';
import type { FastifyReply } from 'fastify';

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
