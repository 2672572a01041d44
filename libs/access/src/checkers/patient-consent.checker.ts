import { AccessDeniedError } from '../access-denied.js';
import type { OrganisationDecision, PatientFlags } from '../access-decision.js';
import { allow, deny, type AccessChecker, type CheckResult } from './checker.js';

export interface PatientConsentContext {
  flags: PatientFlags;
  organisation: OrganisationDecision;
}

/**
 * Patient dissent, held in the supplier system: 403 `NO_PATIENT_CONSENT` on every read path. Only emergency access
 * granted in phase 1 overrides it (the grant says so, for the audit trail); nothing else does.
 */
export class PatientConsentChecker implements AccessChecker<PatientConsentContext, { dissentOverridden: boolean }> {
  check({ flags, organisation }: PatientConsentContext): CheckResult<{ dissentOverridden: boolean }> {
    if (!flags.dissent) return allow({ dissentOverridden: false });
    if (organisation.emergency) return allow({ dissentOverridden: true });
    return deny(
      AccessDeniedError.because(
        'patient-dissent',
        'NO_PATIENT_CONSENT',
        `The patient has dissented from sharing their GP record, and for direct care that cannot be overridden. ${nextStep(organisation)}`,
        organisation.emergencyRequested
          ? `dissent; emergency access refused under agreement ${organisation.agreementId}`
          : 'dissent',
      ),
    );
  }
}

function nextStep(organisation: OrganisationDecision): string {
  if (organisation.emergencyRequested && !organisation.emergencyReason) {
    return 'Emergency access needs a reason: request a token with reason_for_request "emergency" and a reason_text.';
  }
  if (organisation.emergencyRequested) {
    return `Emergency access is not allowed under sharing agreement ${organisation.agreementId}; ask the practice's data controller if it should be.`;
  }
  return (
    'Only in an emergency, and only where your sharing agreement permits emergency access, may it be: request a ' +
    'token with reason_for_request "emergency" and a reason_text. Emergency access is audited.'
  );
}
