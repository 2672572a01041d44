import { outcomes } from '@lloyd/fhir';
import type { PatientFlags } from '../access-decision.js';
import { flags } from '../testing/fixtures.js';
import { PatientStatusChecker } from './patient-status.checker.js';

describe('PatientStatusChecker', () => {
  it.each<[string, Partial<PatientFlags>, boolean]>([
    ['ordinary patient', {}, true],
    ['dissented (not this rule)', { dissent: true }, true],
    ['sensitive (S-flag)', { sensitive: true }, false],
    ['deceased', { deceased: true }, false],
    ['inactive', { active: false }, false],
    ['deceased and inactive', { deceased: true, active: false }, false],
  ])('%s', (_name, overrides, allowed) => {
    expect(new PatientStatusChecker().check(flags(overrides)).allowed).toBe(allowed);
  });

  it('answers exactly like a patient that does not exist, keeping the reason for the audit only', () => {
    const result = new PatientStatusChecker().check(flags({ sensitive: true }));
    if (result.allowed) throw new Error('expected a denial');
    const notFound = outcomes.patientNotFound();
    expect(result.denial.status).toBe(notFound.status);
    expect(result.denial.outcome).toEqual(notFound.outcome);
    expect(result.denial.reason).toBe('patient withheld: sensitive (S-flag)');
  });
});
