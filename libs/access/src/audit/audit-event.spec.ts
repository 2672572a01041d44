import { outcomes, type AuditEvent } from '@lloyd/fhir';
import { AccessDeniedError } from '../access-denied.js';
import { tokenFor } from '../testing/fixtures.js';
import type { PatientAccessEntry } from './audit-entry.js';
import { buildAuditEvent } from './audit-event.js';

const RECORDED = new Date('2026-03-01T09:00:00Z');

function refused(overrides: Partial<PatientAccessEntry> = {}): PatientAccessEntry {
  return {
    kind: 'patient-access',
    interaction: 'search',
    who: tokenFor('hospital-epr'),
    correlationId: 'req-1',
    request: 'GET /fhir/Patient',
    patient: '9990000018',
    ...overrides,
  };
}

const details = (event: AuditEvent) => event.entity?.flatMap((e) => e.detail ?? []) ?? [];

describe('buildAuditEvent: the rule that refused a request', () => {
  it('records the rule an entry names for an error that carries none (the auth guard refusals)', () => {
    const error = outcomes.insufficientScope('search:Patient');
    const event = buildAuditEvent(refused({ error, deniedBy: 'insufficient-scope' }), 'id-1', RECORDED);
    expect(event.outcome).toBe('4');
    expect(details(event)).toContainEqual({ type: 'denied-by', valueString: 'insufficient-scope' });
    expect(event.outcomeDesc).toBe(`denied by insufficient-scope: ${error.message}`);
  });

  it("keeps an access-chain denial's own rule and reason", () => {
    const error = AccessDeniedError.because('patient-dissent', 'NO_PATIENT_CONSENT', 'shown', 'internal reason');
    const event = buildAuditEvent(refused({ error, deniedBy: 'missing-claims' }), 'id-2', RECORDED);
    expect(details(event).filter((d) => d.type === 'denied-by')).toEqual([
      { type: 'denied-by', valueString: 'patient-dissent' },
    ]);
    expect(event.outcomeDesc).toBe('denied by patient-dissent: internal reason');
  });

  it('names no rule for a request that did not fail, or failed without one', () => {
    const allowed = buildAuditEvent(refused({ deniedBy: 'insufficient-scope' }), 'id-3', RECORDED);
    expect(allowed.outcome).toBe('0');
    expect(details(allowed).some((d) => d.type === 'denied-by')).toBe(false);
    const failed = buildAuditEvent(refused({ error: outcomes.badRequest('bad') }), 'id-4', RECORDED);
    expect(details(failed).some((d) => d.type === 'denied-by')).toBe(false);
    expect(failed.outcomeDesc).toMatch(/^BAD_REQUEST: bad/);
  });
});
