import type { VerifiedToken } from '@lloyd/auth';
import { outcomes } from '@lloyd/fhir';
import { guardRefusalEntry, namedNhsNumber, type RefusedRequest } from './guard-refusal-entry.js';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

const token: VerifiedToken = {
  issuer: 'urn:lloyd:embedded-issuer',
  subject: 'hospital-epr',
  clientId: 'hospital-epr',
  organisation: 'RX1',
  practitioner: 'G1234567',
  reason: 'emergency',
  reasonText: 'Unconscious in A&E',
  scopes: ['system/Condition.rs'],
  jti: 'jti-1',
  expiresAt: 0,
  claims: {},
};

const request = (overrides: Partial<RefusedRequest> = {}): RefusedRequest => ({
  method: 'GET',
  route: '/fhir/Patient',
  params: {},
  query: {},
  body: undefined,
  correlationId: 'req-1',
  ...overrides,
});

const parameters = (...parameter: object[]) => ({ resourceType: 'Parameters', parameter });

describe('guardRefusalEntry', () => {
  const error = outcomes.insufficientScope('search:Patient');

  it('records who asked, the request as method and route, the rule and the error', () => {
    expect(
      guardRefusalEntry(request({ query: { identifier: `${NHS}|9990000018` } }), token, 'insufficient-scope', error),
    ).toEqual({
      kind: 'patient-access',
      who: {
        clientId: 'hospital-epr',
        organisation: 'RX1',
        practitioner: 'G1234567',
        reason: 'emergency',
        reasonText: 'Unconscious in A&E',
      },
      correlationId: 'req-1',
      request: 'GET /fhir/Patient',
      interaction: 'search',
      patient: '9990000018',
      error,
      deniedBy: 'insufficient-scope',
    });
  });

  it('leaves out the claims the token does not have', () => {
    const bare: VerifiedToken = { ...token, practitioner: undefined, reason: undefined, reasonText: undefined };
    delete bare.practitioner;
    delete bare.reason;
    delete bare.reasonText;
    expect(guardRefusalEntry(request(), bare, 'missing-claims', error).who).toEqual({
      clientId: 'hospital-epr',
      organisation: 'RX1',
    });
  });

  it.each([
    ['GET', '/fhir/:type', { type: 'Condition' }, 'GET /fhir/Condition', 'search'],
    ['GET', '/fhir/:type/:id', { type: 'Condition', id: 'abc' }, 'GET /fhir/Condition/:id', 'read'],
    ['GET', '/fhir/Patient/:id', { id: 'abc' }, 'GET /fhir/Patient/:id', 'read'],
    ['GET', '/fhir/Binary/:id', { id: 'abc' }, 'GET /fhir/Binary/:id', 'read'],
    ['POST', '/fhir/Patient/$gpc.getstructuredrecord', {}, 'POST /fhir/Patient/$gpc.getstructuredrecord', 'operation'],
    ['GET', '/fhir/:type', { type: 'not a type' }, 'GET /fhir/:type', 'search'],
  ] as const)('%s %s is recorded as "%s", a %s', (method, route, params, described, interaction) => {
    const entry = guardRefusalEntry(request({ method, route, params }), token, 'insufficient-scope', error);
    expect(entry.request).toBe(described);
    expect(entry.interaction).toBe(interaction);
  });
});

describe('namedNhsNumber', () => {
  it('takes a search identifier or the patientNHSNumber of a Parameters body', () => {
    expect(namedNhsNumber({ identifier: `${NHS}|9990000018` }, undefined)).toBe('9990000018');
    const body = parameters(
      { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: '9990000026' } },
      { name: 'includeAllergies' },
    );
    expect(namedNhsNumber({}, body)).toBe('9990000026');
  });

  it.each([
    ['a Patient id', { patient: 'P10001-9990000018' }, undefined],
    ['a bad check digit', { identifier: `${NHS}|9990000019` }, undefined],
    ['another system', { identifier: `https://example.org/id|9990000018` }, undefined],
    ['no system', { identifier: '9990000018' }, undefined],
    ['a repeated identifier', { identifier: [`${NHS}|9990000018`, `${NHS}|9990000026`] }, undefined],
    [
      'not Parameters',
      {},
      { parameter: [{ name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: '9990000018' } }] },
    ],
    [
      'two NHS numbers',
      {},
      parameters(
        { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: '9990000018' } },
        { name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: '9990000026' } },
      ),
    ],
    [
      'a number that is not a string',
      {},
      parameters({ name: 'patientNHSNumber', valueIdentifier: { system: NHS, value: 9990000018 } }),
    ],
    ['a body that is not an object', {}, 'patientNHSNumber'],
  ])('names no patient for %s', (_case, query, body) => {
    expect(namedNhsNumber(query, body)).toBeUndefined();
  });
});
