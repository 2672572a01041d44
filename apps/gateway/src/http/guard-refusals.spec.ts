import type { FastifyRequest } from 'fastify';
import pino from 'pino';
import { AuditTrail } from '@lloyd/access';
import { VERIFIED_TOKEN, type GuardRefusal, type VerifiedToken } from '@lloyd/auth';
import { OperationOutcomeError, outcomes } from '@lloyd/fhir';
import { MetricsService } from '@lloyd/observability';
import { InMemoryKeyValueStore, type ClaimOutcome } from '@lloyd/store';
import { GuardRefusals } from './guard-refusals.js';

const token: VerifiedToken = {
  issuer: 'urn:lloyd:embedded-issuer',
  subject: 'hospital-epr',
  clientId: 'hospital-epr',
  organisation: 'RX1',
  practitioner: 'G1234567',
  reason: 'directcare',
  scopes: ['system/Condition.rs'],
  jti: 'jti-1',
  expiresAt: 0,
  claims: {},
};

class BrokenStore extends InMemoryKeyValueStore {
  override claim(): Promise<ClaimOutcome> {
    return Promise.reject(new Error('connection lost'));
  }
}

function refusedRequest(verified: boolean): FastifyRequest {
  return {
    id: 'req-1',
    method: 'GET',
    routeOptions: { url: '/fhir/Patient' },
    params: {},
    query: { identifier: 'https://fhir.nhs.uk/Id/nhs-number|9990000018' },
    body: undefined,
    ...(verified ? { [VERIFIED_TOKEN]: token } : {}),
  } as unknown as FastifyRequest;
}

describe('GuardRefusals', () => {
  let metrics: MetricsService;
  let store: InMemoryKeyValueStore;
  let refusals: GuardRefusals;
  const scope = outcomes.insufficientScope('search:Patient');

  const setUp = (kv: InMemoryKeyValueStore) => {
    store = kv;
    metrics = new MetricsService({ defaultMetrics: false });
    refusals = new GuardRefusals(new AuditTrail(kv, metrics), metrics, pino({ level: 'silent' }));
  };
  const events = async () => (await new AuditTrail(store, metrics).search({})).events;
  const counted = async (rule: string) =>
    (await metrics.registry.getSingleMetric('lloyd_auth_refusals_total')?.get())?.values.find(
      (v) => v.labels['rule'] === rule && v.labels['route'] === '/fhir/Patient',
    )?.value;

  beforeEach(() => setUp(new InMemoryKeyValueStore()));

  it('audits a patient-data refusal after the token was verified, then answers the refusal', async () => {
    const refusal: GuardRefusal = { rule: 'insufficient-scope', patientData: true };
    expect(await refusals.settle(refusedRequest(true), refusal, scope)).toBe(scope);
    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(event?.outcome).toBe('4');
    expect(event?.outcomeDesc).toMatch(/^denied by insufficient-scope: /);
    expect(await counted('insufficient-scope')).toBe(1);
  });

  it.each([
    ['a 401, whose token identifies no one', { rule: 'unauthenticated', patientData: true }, false],
    ['a route that reads no record', { rule: 'insufficient-scope', patientData: false }, true],
  ] as const)('counts but does not audit %s', async (_case, refusal, verified) => {
    const error = refusal.rule === 'unauthenticated' ? outcomes.unauthenticated('missing bearer token') : scope;
    expect(await refusals.settle(refusedRequest(verified), refusal, error)).toBe(error);
    expect(await events()).toEqual([]);
    expect(await counted(refusal.rule)).toBe(1);
  });

  it('answers 500 instead of the refusal when its audit event cannot be written (fail closed)', async () => {
    setUp(new BrokenStore());
    const answer = await refusals.settle(refusedRequest(true), { rule: 'missing-claims', patientData: true }, scope);
    expect(answer).toBeInstanceOf(OperationOutcomeError);
    expect(answer.status).toBe(500);
    expect(answer.message).toMatch(/audit trail could not be written.*req-1/);
  });
});
