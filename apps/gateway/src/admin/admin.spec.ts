import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditTrail } from '@lloyd/access';
import { loadConfig } from '@lloyd/config';
import { accessTestApp, bearer } from './testing/access-test-app.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');

function agreementBody(overrides: Record<string, unknown> = {}) {
  return {
    id: 'community-nursing',
    description: 'District nurses see medications',
    dataControllers: ['P10001', 'P20002'],
    consumer: { ods: 'RY9' },
    sections: ['medications'],
    validFrom: '2026-01-01',
    ...overrides,
  };
}

interface Outcome {
  resourceType: string;
  issue: {
    severity: string;
    code: string;
    details?: { coding?: { code?: string }[] };
    diagnostics?: string;
    expression?: string[];
  }[];
}

describe('admin API', () => {
  let app: NestFastifyApplication;
  let admin: string;

  beforeEach(async () => {
    app = await accessTestApp(loadConfig({ env: {} }), { clock: () => NOW });
    admin = await bearer(app, 'admin');
  });

  afterEach(async () => {
    await app.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, authorization = admin) =>
    app.inject({
      method,
      url,
      headers: { authorization },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  async function auditedChanges() {
    const { events } = await app.get(AuditTrail).search({});
    return events.map((e) => ({
      action: e.action,
      outcome: e.outcome,
      target: e.entity?.[0]?.what?.identifier?.value,
      by: e.agent.find((a) => a.requestor)?.who?.identifier?.value,
    }));
  }

  it.each([
    ['no token', undefined, 401],
    ['a clinical system', 'hospital-epr', 403],
    ['the auditor', 'auditor', 403],
  ] as const)('refuses %s', async (_name, client, status) => {
    const authorization = client ? await bearer(app, client) : '';
    const response = await app.inject({
      method: 'GET',
      url: '/admin/agreements',
      headers: authorization ? { authorization } : {},
    });
    expect(response.statusCode).toBe(status);
    expect(response.json<Outcome>().resourceType).toBe('OperationOutcome');
  });

  it('lists and reads agreements, with rate-limit headers', async () => {
    const list = await call('GET', '/admin/agreements');
    expect(list.statusCode).toBe(200);
    expect(list.json<{ agreements: { id: string }[] }>().agreements.map((a) => a.id)).toEqual([
      'demo-hospital-all',
      'demo-social-care',
    ]);
    expect(list.headers['x-rate-limit-limit']).toBe('1200');
    const one = await call('GET', '/admin/agreements/demo-social-care');
    expect(one.json()).toMatchObject({
      sections: ['allergies', 'medications', 'problems'],
      consumer: { ods: 'SC100' },
    });
    const missing = await call('GET', '/admin/agreements/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json<Outcome>().issue[0]?.diagnostics).toMatch(/GET \/admin\/agreements/);
  });

  it('creates an agreement (201, Location) and audits the change', async () => {
    const response = await call('POST', '/admin/agreements', agreementBody());
    expect(response.statusCode).toBe(201);
    expect(response.headers.location).toBe('/admin/agreements/community-nursing');
    expect(response.json()).toEqual({ ...agreementBody(), emergencyAccess: false });
    expect((await call('GET', '/admin/agreements/community-nursing')).statusCode).toBe(200);
    expect(await auditedChanges()).toEqual([{ action: 'C', outcome: '0', target: 'community-nursing', by: 'admin' }]);
  });

  it.each([
    [
      'an unknown section',
      agreementBody({ sections: ['medications', 'allergies', 'hobbies'] }),
      'agreement.sections[2]',
    ],
    ['an unknown practice', agreementBody({ dataControllers: ['P10001', 'P99999'] }), 'agreement.dataControllers[1]'],
    ['overlapping validity', agreementBody({ consumer: { ods: 'SC100' } }), 'agreement.validFrom'],
  ])('answers %s with 422 naming the field, and audits the refusal', async (_name, body, expression) => {
    const response = await call('POST', '/admin/agreements', body);
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(response.headers['x-rate-limit-remaining']).toBe('1199');
    const outcome = response.json<Outcome>();
    expect(outcome.issue[0]).toMatchObject({ code: 'invalid', details: { coding: [{ code: 'INVALID_RESOURCE' }] } });
    expect(outcome.issue[0]?.expression).toContain(expression);
    expect(await auditedChanges()).toEqual([{ action: 'C', outcome: '4', target: 'community-nursing', by: 'admin' }]);
  });

  it('refuses a body that is not JSON object with 422', async () => {
    const response = await call('POST', '/admin/agreements', ['not', 'an', 'object']);
    expect(response.statusCode).toBe(422);
  });

  it('replaces an agreement and ends one today, keeping it', async () => {
    const { id: _id, ...current } = (await call('GET', '/admin/agreements/demo-social-care')).json<
      Record<string, unknown>
    >();
    const updated = await call('PUT', '/admin/agreements/demo-social-care', { ...current, sections: ['allergies'] });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ id: 'demo-social-care', sections: ['allergies'] });

    const ended = await call('POST', '/admin/agreements/demo-social-care/$end');
    expect(ended.statusCode).toBe(200);
    expect(ended.json()).toMatchObject({ id: 'demo-social-care', validTo: '2026-03-02' });
    const again = await call('POST', '/admin/agreements/demo-social-care/$end');
    expect(again.json()).toMatchObject({ validTo: '2026-03-02' });
    expect((await call('GET', '/admin/agreements')).json<{ agreements: unknown[] }>().agreements).toHaveLength(2);
    expect(await auditedChanges()).toEqual([
      { action: 'U', outcome: '0', target: 'demo-social-care', by: 'admin' },
      { action: 'U', outcome: '0', target: 'demo-social-care', by: 'admin' },
    ]);
    expect((await call('POST', '/admin/agreements/nope/$end')).statusCode).toBe(404);
  });

  it('lists and changes practice settings, refusing unknown practices and sections', async () => {
    const list = await call('GET', '/admin/practices');
    expect(list.json<{ practices: { ods: string }[] }>().practices.map((p) => p.ods)).toEqual([
      'P10001',
      'P20002',
      'P30003',
      'P40004',
    ]);
    const changed = await call('PUT', '/admin/practices/P20002', { enabled: true, disabledSections: ['documents'] });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({
      ods: 'P20002',
      enabled: true,
      disabledSections: ['documents'],
      autoIntegrate: false,
    });

    const unknown = await call('PUT', '/admin/practices/P99999', { enabled: true });
    expect([unknown.statusCode, unknown.json<Outcome>().issue[0]?.expression]).toEqual([422, ['practice.ods']]);
    const badSection = await call('PUT', '/admin/practices/P20002', { disabledSections: ['hobbies'] });
    expect([badSection.statusCode, badSection.json<Outcome>().issue[0]?.expression]).toEqual([
      422,
      ['practice.disabledSections[0]'],
    ]);
    expect((await auditedChanges()).map((c) => [c.target, c.outcome])).toEqual([
      ['P20002', '4'],
      ['P99999', '4'],
      ['P20002', '0'],
    ]);
  });
});
