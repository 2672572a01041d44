import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OperationOutcomeError } from '@lloyd/fhir';
import {
  CurrentToken,
  PatientDataAccess,
  Public,
  RequireScopeOnTypeParameter,
  RequireScopes,
  RequireScopesFrom,
  type ScopedRequest,
} from './decorators.js';
import { guardedTestApp, TestOutcomeFilter, type GuardedTestApp } from './testing/nest.js';
import type { VerifiedToken } from './verified-token.js';

@Controller('test')
class DummyController {
  @Public()
  @Get('public')
  open() {
    return { open: true };
  }

  @Get('unmarked')
  unmarked(@CurrentToken() token: VerifiedToken) {
    return { client: token.clientId };
  }

  @RequireScopes('system/gp2gp.write')
  @Get('transfers')
  transfers() {
    return { ok: true };
  }

  @RequireScopes('read:Patient')
  @PatientDataAccess()
  @Get('patient')
  patient(@CurrentToken() token: VerifiedToken) {
    return { organisation: token.organisation, practitioner: token.practitioner, reason: token.reason };
  }

  @RequireScopeOnTypeParameter('search', 'type', ['Observation', 'Condition'])
  @PatientDataAccess()
  @Get('records/:type')
  search(@Param('type') type: string) {
    return { type };
  }
}

/** Demands read scope on each type the body lists, as the structured record does for its areas. */
const typesInBody = ({ body }: ScopedRequest) =>
  ((body as { types?: string[] } | undefined)?.types ?? []).map((t) => ({
    requirement: `read:${t}` as const,
    because: `types=${t}`,
    otherwise: 'ask for fewer types',
  }));

@Controller('records')
@PatientDataAccess()
class RecordsController {
  @RequireScopesFrom(typesInBody)
  @Post('bundle')
  bundle(@Body() body: unknown) {
    return body;
  }

  @RequireScopeOnTypeParameter('read', 'type', ['Condition'])
  @Get(':type/:id')
  read(@Param('type') type: string) {
    return { type };
  }
}

@Public()
@Controller('open')
class PublicController {
  @Get()
  hello() {
    return { hello: 'world' };
  }
}

describe('AuthGuard (in a Nest app)', () => {
  let app: NestFastifyApplication;
  let token: GuardedTestApp['token'];
  const filter = new TestOutcomeFilter();

  const get = (url: string, bearer?: string) =>
    app.inject({ method: 'GET', url, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

  const lastError = () => filter.seen[filter.seen.length - 1];

  beforeAll(async () => {
    ({ app, token } = await guardedTestApp([DummyController, RecordsController, PublicController], filter));
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets anyone reach a @Public route or controller', async () => {
    expect((await get('/test/public')).json()).toEqual({ open: true });
    expect((await get('/open')).statusCode).toBe(200);
  });

  it('denies an unmarked route without a token (401)', async () => {
    const response = await get('/test/unmarked');
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(lastError()).toBeInstanceOf(OperationOutcomeError);
    expect((lastError() as OperationOutcomeError).spineCode).toBe('INVALID_TOKEN');
    expect(response.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ diagnostics: expect.stringMatching(/missing bearer token/) as string }],
    });
  });

  it('denies an Authorization header that is not a bearer token (401)', async () => {
    const basic = await app.inject({
      method: 'GET',
      url: '/test/unmarked',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.statusCode).toBe(401);
    const empty = await app.inject({ method: 'GET', url: '/test/unmarked', headers: { authorization: 'Bearer ' } });
    expect(empty.statusCode).toBe(401);
  });

  it('denies a bad token (401) without echoing it', async () => {
    const bad = `${await token()}x`;
    const response = await get('/test/unmarked', bad);
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain(bad);
  });

  it('lets a valid token through an unmarked route and exposes it via @CurrentToken', async () => {
    const response = await get('/test/unmarked', await token());
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ client: 'hospital-epr' });
  });

  it('refuses a token without the required scope (403)', async () => {
    const response = await get('/test/transfers', await token());
    expect(response.statusCode).toBe(403);
    expect((lastError() as OperationOutcomeError).spineCode).toBe('INSUFFICIENT_SCOPE');
    const allowed = await get(
      '/test/transfers',
      await token({ clientId: 'gp2gp-broker', organisation: 'X26', scopes: ['system/gp2gp.write'] }),
    );
    expect(allowed.statusCode).toBe(200);
  });

  it('refuses patient data access without a practitioner (400)', async () => {
    const response = await get('/test/patient', await token({ practitioner: undefined }));
    expect(response.statusCode).toBe(400);
    expect((lastError() as OperationOutcomeError).spineCode).toBe('BAD_REQUEST');
    expect(response.json()).toMatchObject({
      issue: [{ diagnostics: expect.stringMatching(/requesting_practitioner/) as string }],
    });
  });

  it('refuses emergency access without reason_text (400)', async () => {
    const response = await get('/test/patient', await token({ reason: 'emergency' }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ issue: [{ diagnostics: expect.stringMatching(/reason_text/) as string }] });
  });

  it('checks the scope before the patient claims (403 over 400)', async () => {
    const response = await get(
      '/test/patient',
      await token({ scopes: ['system/gp2gp.read'], practitioner: undefined }),
    );
    expect(response.statusCode).toBe(403);
  });

  it('checks a scope on the type a route parameter names, before the patient claims (403 over 400)', async () => {
    const auditor = await token({ scopes: ['system/AuditEvent.rs'], practitioner: undefined });
    const refused = await get('/test/records/Observation', auditor);
    expect(refused.statusCode).toBe(403);
    expect((lastError() as OperationOutcomeError).spineCode).toBe('INSUFFICIENT_SCOPE');
    expect(refused.json()).toMatchObject({
      issue: [{ diagnostics: expect.stringMatching(/search:Observation/) as string }],
    });
    const onlyObservations = await token({ scopes: ['system/Observation.rs'] });
    expect((await get('/test/records/Observation', onlyObservations)).statusCode).toBe(200);
    expect((await get('/test/records/Condition', onlyObservations)).statusCode).toBe(403);
    // A type the route does not serve is left to the route (which answers 404 for it), restricted types included.
    expect((await get('/test/records/AuditEvent', onlyObservations)).json()).toEqual({ type: 'AuditEvent' });
  });

  it('checks the scopes a request demands (from its body) before the patient claims, naming what to ask for', async () => {
    const post = async (bearer: string, types: string[]) =>
      app.inject({
        method: 'POST',
        url: '/records/bundle',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        payload: { types },
      });
    const narrow = await token({ scopes: ['system/Patient.r', 'system/Condition.rs'], practitioner: undefined });
    const refused = await post(narrow, ['Patient', 'Condition', 'MedicationRequest', 'Encounter']);
    expect(refused.statusCode).toBe(403);
    expect((lastError() as OperationOutcomeError).spineCode).toBe('INSUFFICIENT_SCOPE');
    const text = refused.json<{ issue: { diagnostics: string }[] }>().issue[0]!.diagnostics;
    expect(text).toContain(
      'read:MedicationRequest (for types=MedicationRequest), read:Encounter (for types=Encounter)',
    );
    expect(text).toContain('Ask for system/MedicationRequest.r system/Encounter.r (or the user/ forms)');
    expect(text).toContain('or ask for fewer types');
    expect(text).not.toContain('read:Patient');
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="system/MedicationRequest.r system/Encounter.r"',
    );
    // What the token covers passes the scope check, and only then are the patient claims checked.
    expect((await post(narrow, ['Patient', 'Condition'])).statusCode).toBe(400);
    const full = await token({ scopes: ['system/Patient.r', 'system/Condition.rs'] });
    expect((await post(full, ['Patient', 'Condition'])).statusCode).toBe(201);
  });

  it('grants nothing on patient records for patient/ scopes, and says why (403)', async () => {
    for (const practitioner of ['G1234567', undefined]) {
      const patientScoped = await token({ scopes: ['patient/*.rs'], practitioner });
      const response = await get('/test/patient', patientScoped);
      expect(response.statusCode).toBe(403);
      expect((lastError() as OperationOutcomeError).spineCode).toBe('INSUFFICIENT_SCOPE');
      expect(response.json()).toMatchObject({
        issue: [
          {
            diagnostics: expect.stringMatching(
              /Patient-context scopes \(patient\/…\) are not supported.*Use system\/ or user\/ scopes/,
            ) as string,
          },
        ],
      });
    }
    expect((await get('/test/patient', await token({ scopes: ['user/Patient.r'] }))).statusCode).toBe(200);
  });

  it('leaves a type its route does not serve to the route, without asking for patient claims', async () => {
    const auditor = await token({ scopes: ['system/AuditEvent.read'], practitioner: undefined });
    expect((await get('/records/Foo/1', auditor)).json()).toEqual({ type: 'Foo' });
    expect((await get('/records/AuditEvent/1', auditor)).json()).toEqual({ type: 'AuditEvent' });
    // A served type still needs its scope first, then the claims.
    expect((await get('/records/Condition/1', auditor)).statusCode).toBe(403);
    expect((await get('/records/Condition/1', await token({ practitioner: undefined }))).statusCode).toBe(400);
  });

  it('allows patient data access with scope, practitioner and reason (200)', async () => {
    const response = await get('/test/patient', await token());
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ organisation: 'RX1', practitioner: 'G1234567', reason: 'directcare' });
  });
});
