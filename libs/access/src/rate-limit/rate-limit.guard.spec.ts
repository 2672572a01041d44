import { Catch, Controller, Get, Global, Module, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AuthGuard, AuthModule, EmbeddedIssuer, Public } from '@lloyd/auth';
import { ConfigModule } from '@lloyd/config';
import { OperationOutcomeError } from '@lloyd/fhir';
import { MetricsService } from '@lloyd/observability';
import { InMemoryKeyValueStore, KeyValueStore } from '@lloyd/store';
import type { FastifyReply } from 'fastify';
import { ACCESS_CLOCK } from '../clock.js';
import { limitedConfig, TestClock } from '../testing/fixtures.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimiter } from './rate-limiter.js';

@Controller('probe')
class ProbeController {
  @Get()
  get() {
    return { ok: true };
  }

  @Get('public')
  @Public()
  open() {
    return { ok: true };
  }
}

@Global()
@Module({
  providers: [
    { provide: KeyValueStore, useFactory: () => new InMemoryKeyValueStore() },
    { provide: MetricsService, useFactory: () => new MetricsService({ defaultMetrics: false }) },
  ],
  exports: [KeyValueStore, MetricsService],
})
class TestInfraModule {}

@Catch(OperationOutcomeError)
class OutcomeFilter implements ExceptionFilter {
  catch(error: OperationOutcomeError, host: ArgumentsHost): void {
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(error.status)
      .headers(error.headers)
      .type('application/fhir+json')
      .send(error.outcome);
  }
}

describe('RateLimitGuard', () => {
  let app: NestFastifyApplication;
  let clock: TestClock;

  beforeEach(async () => {
    clock = new TestClock(Date.parse('2026-03-02T10:00:15Z'));
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(limitedConfig()), TestInfraModule, AuthModule],
      controllers: [ProbeController],
      providers: [
        { provide: ACCESS_CLOCK, useValue: clock.now },
        RateLimiter,
        RateLimitGuard,
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useExisting: RateLimitGuard },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new OutcomeFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterEach(async () => {
    await app.close();
  });

  async function bearer(clientId: string, organisation: string): Promise<string> {
    const { accessToken } = await app
      .get(EmbeddedIssuer)
      .issueToken({ clientId, organisation, scopes: ['system/*.rs'] });
    return `Bearer ${accessToken}`;
  }

  const get = (url: string, authorization?: string) =>
    app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

  it('sets X-Rate-Limit-* on every authenticated response and answers 429 with Retry-After past the limit', async () => {
    const rx1 = await bearer('hospital-epr', 'RX1');
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await get('/probe', rx1));
    expect(
      responses.map((r) => [
        r.statusCode,
        r.headers['x-rate-limit-limit'],
        r.headers['x-rate-limit-remaining'],
        r.headers['x-rate-limit-reset'],
      ]),
    ).toEqual([
      [200, '3', '2', '45'],
      [200, '3', '1', '45'],
      [200, '3', '0', '45'],
      [429, '3', '0', '45'],
    ]);
    const refused = responses[3]!;
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(refused.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'throttled', details: { coding: [{ code: 'TOO_MANY_REQUESTS' }] } }],
    });
    expect(refused.json<fhir4.OperationOutcome>().issue[0]?.diagnostics).toMatch(
      /RX1 has used its limit of 3 requests per 60 s\. Try again in 45 s/,
    );
  });

  it('limits per consumer organisation, not per client, and lets a new window in', async () => {
    const sc100 = await bearer('social-care', 'SC100');
    expect((await get('/probe', sc100)).statusCode).toBe(200);
    expect((await get('/probe', sc100)).statusCode).toBe(429);
    expect((await get('/probe', await bearer('another-client', 'SC100'))).statusCode).toBe(429);
    expect((await get('/probe', await bearer('hospital-epr', 'RX1'))).statusCode).toBe(200);
    clock.advance(45_000);
    const next = await get('/probe', sc100);
    expect([next.statusCode, next.headers['x-rate-limit-reset']]).toEqual([200, '60']);
  });

  it('does not count public routes or requests the auth guard refused', async () => {
    for (let i = 0; i < 5; i++) {
      const open = await get('/probe/public');
      expect(open.statusCode).toBe(200);
      expect(open.headers['x-rate-limit-limit']).toBeUndefined();
    }
    const anonymous = await get('/probe');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['x-rate-limit-limit']).toBeUndefined();
    expect((await get('/probe', await bearer('hospital-epr', 'RX1'))).headers['x-rate-limit-remaining']).toBe('2');
  });
});
