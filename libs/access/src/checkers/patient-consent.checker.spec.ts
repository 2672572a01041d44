import { mintOrganisationDecision, type OrganisationDecision } from '../access-decision.js';
import { flags, NOW } from '../testing/fixtures.js';
import { PatientConsentChecker } from './patient-consent.checker.js';

function organisation(emergency: { granted: boolean; requested: boolean; reason?: string }): OrganisationDecision {
  return mintOrganisationDecision({
    organisation: 'RX1',
    clientId: 'hospital-epr',
    practiceOds: 'P10001',
    agreementId: 'deal',
    sections: ['allergies'],
    linkedSections: [],
    warnings: [],
    withheldSections: [],
    emergency: emergency.granted,
    emergencyRequested: emergency.requested,
    ...(emergency.reason ? { emergencyReason: emergency.reason } : {}),
    decidedAt: NOW.toISOString(),
  });
}

describe('PatientConsentChecker', () => {
  const checker = new PatientConsentChecker();

  it.each([
    ['no dissent, direct care', false, { granted: false, requested: false }, { dissentOverridden: false }],
    [
      'no dissent, emergency access',
      false,
      { granted: true, requested: true, reason: 'x' },
      { dissentOverridden: false },
    ],
    [
      'dissent, emergency access granted',
      true,
      { granted: true, requested: true, reason: 'x' },
      { dissentOverridden: true },
    ],
    ['dissent, direct care', true, { granted: false, requested: false }, 'NO_PATIENT_CONSENT'],
    [
      'dissent, emergency refused by the agreement',
      true,
      { granted: false, requested: true, reason: 'x' },
      'NO_PATIENT_CONSENT',
    ],
    ['dissent, emergency without a reason', true, { granted: false, requested: true }, 'NO_PATIENT_CONSENT'],
  ])('%s', (_name, dissent, emergency, expected) => {
    const result = checker.check({ flags: flags({ dissent }), organisation: organisation(emergency) });
    expect(result.allowed ? result.grant : result.denial.spineCode).toEqual(expected);
  });

  it.each([
    [
      { granted: false, requested: false },
      /only where your sharing agreement permits emergency access, may it be: request a token with reason_for_request "emergency" and a reason_text/,
    ],
    [{ granted: false, requested: true, reason: 'x' }, /Emergency access is not allowed under sharing agreement deal/],
    [{ granted: false, requested: true }, /Emergency access needs a reason/],
  ])('says what to do next (%j)', (emergency, advice) => {
    const result = checker.check({ flags: flags({ dissent: true }), organisation: organisation(emergency) });
    if (result.allowed) throw new Error('expected a denial');
    expect(result.denial.status).toBe(403);
    expect(result.denial.outcome.issue[0]?.diagnostics).toMatch(
      /^The patient has dissented from sharing their GP record/,
    );
    expect(result.denial.outcome.issue[0]?.diagnostics).toMatch(advice);
  });
});
