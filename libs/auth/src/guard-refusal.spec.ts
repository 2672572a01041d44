import { Catch, Controller, Get, Param, Req, type ArgumentsHost } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { PatientDataAccess, RequireScopeOnTypeParameter, RequireScopes, tokenOf } from './decorators.js';
import { guardRefusalOf, type GuardRefusal } from './guard-refusal.js';
import { guardedTestApp, TestOutcomeFilter, type GuardedTestApp } from './testing/nest.js';

@Controller('records')
@PatientDataAccess()
class RecordsController {
  @RequireScopes('read:Patient')
  @Get('patient')
  patient(@Req() request: FastifyRequest) {
    return { refusal: guardRefusalOf(request) ?? null };
  }

  @RequireScopeOnTypeParameter('search', 'type', ['Condition'])
  @Get(':type')
  search(@Param('type') type: string) {
    return { type };
  }
}

@Controller('ops')
class OpsController {
  @RequireScopes('system/gp2gp.write')
  @Get('transfers')
  transfers() {
    return { ok: true };
  }
}

/** Notes what the guard left on each request it refused, and whether its token was verified. */
@Catch()
class RefusalFilter extends TestOutcomeFilter {
  readonly refusals: { refusal: GuardRefusal | undefined; verified: boolean }[] = [];

  override catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    this.refusals.push({ refusal: guardRefusalOf(request), verified: tokenOf(request) !== undefined });
    super.catch(exception, host);
  }
}

describe('AuthGuard leaves its refusal on the request', () => {
  let app: NestFastifyApplication;
  let token: GuardedTestApp['token'];
  const filter = new RefusalFilter();

  const get = async (url: string, bearer?: string) => {
    const response = await app.inject({
      method: 'GET',
      url,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    return { status: response.statusCode, last: filter.refusals[filter.refusals.length - 1], body: response.body };
  };

  beforeAll(async () => {
    ({ app, token } = await guardedTestApp([RecordsController, OpsController], filter));
  });

  afterAll(async () => {
    await app.close();
  });

  it('names the failed check and whether the route reads patient records', async () => {
    expect(await get('/records/patient', await token({ scopes: ['system/Condition.rs'] }))).toMatchObject({
      status: 403,
      last: { refusal: { rule: 'insufficient-scope', patientData: true }, verified: true },
    });
    expect(await get('/records/patient', await token({ practitioner: undefined }))).toMatchObject({
      status: 400,
      last: { refusal: { rule: 'missing-claims', patientData: true }, verified: true },
    });
    expect(await get('/records/patient')).toMatchObject({
      status: 401,
      last: { refusal: { rule: 'unauthenticated', patientData: true }, verified: false },
    });
    expect(await get('/ops/transfers', await token())).toMatchObject({
      status: 403,
      last: { refusal: { rule: 'insufficient-scope', patientData: false }, verified: true },
    });
  });

  it('leaves nothing on a request it lets through, nor on one the route answers itself', async () => {
    const allowed = await get('/records/patient', await token());
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body)).toEqual({ refusal: null });
    // A type the route does not serve is the route's to answer: it reads no record, whatever the token.
    expect(await get('/records/Unknown')).toMatchObject({
      status: 401,
      last: { refusal: { rule: 'unauthenticated', patientData: false } },
    });
  });
});
