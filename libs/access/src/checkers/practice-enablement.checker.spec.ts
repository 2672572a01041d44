import type { PracticeSettings } from '@lloyd/config';
import { NOW, practice, snapshot, tokenFor } from '../testing/fixtures.js';
import type { CheckResult } from './checker.js';
import type { OrganisationContext } from './policy-snapshot.js';
import { PracticeEnablementChecker } from './practice-enablement.checker.js';

function context(practiceOds: string, practices: PracticeSettings[]): OrganisationContext {
  return {
    request: { token: tokenFor('hospital-epr'), practiceOds, requestedSections: ['allergies'], now: NOW },
    policy: snapshot({ practices }),
    day: '2026-03-02',
  };
}

function outcome(result: CheckResult<PracticeSettings>) {
  return result.allowed
    ? { allowed: true, ods: result.grant.ods }
    : { allowed: false, status: result.denial.status, code: result.denial.spineCode, rule: result.denial.rule };
}

describe('PracticeEnablementChecker', () => {
  const checker = new PracticeEnablementChecker();
  const denied = { allowed: false, status: 403, code: 'ACCESS DENIED', rule: 'practice-not-enabled' };

  it.each([
    ['listed and enabled', 'P10001', [practice()], { allowed: true, ods: 'P10001' }],
    [
      'enabled with sections switched off',
      'P10001',
      [practice({ disabledSections: ['problems'] })],
      { allowed: true, ods: 'P10001' },
    ],
    ['listed but disabled', 'P10001', [practice({ enabled: false })], denied],
    ['not listed at all', 'P99999', [practice()], denied],
    ['no practices configured', 'P10001', [], denied],
    [
      'another practice enabled, this one disabled',
      'P20002',
      [practice(), practice({ ods: 'P20002', enabled: false })],
      denied,
    ],
  ])('%s', (_name, ods, practices, expected) => {
    expect(outcome(checker.check(context(ods, practices)))).toEqual(expected);
  });

  it('tells the caller what to do without naming the patient', () => {
    const result = checker.check(context('P10001', [practice({ enabled: false })]));
    expect(result.allowed).toBe(false);
    if (result.allowed) return;
    expect(result.denial.outcome.issue[0]?.diagnostics).toMatch(
      /not enabled at this practice.*PUT \/admin\/practices/s,
    );
    expect(result.denial.reason).toContain('P10001');
  });
});
