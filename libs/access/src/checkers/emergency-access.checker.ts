import type { SharingAgreement } from '@lloyd/config';
import type { VerifiedToken } from '@lloyd/auth';
import { allow, type AccessChecker, type CheckResult } from './checker.js';

export interface EmergencyAccessContext {
  token: VerifiedToken;
  agreement: SharingAgreement;
}

export interface EmergencyGrant {
  /** Emergency access is in force for this request. */
  emergency: boolean;
  /** The token asked for it. */
  requested: boolean;
  /** The reason text given, when asked for. */
  reason?: string;
}

/**
 * Emergency access: granted only when the token's `reason_for_request` is `emergency` with a non-empty
 * `reason_text` and the agreement in use allows emergency access. Otherwise the request is ordinary direct care,
 * and the patient's dissent (checked in phase 2) stands.
 */
export class EmergencyAccessChecker implements AccessChecker<EmergencyAccessContext, EmergencyGrant> {
  check({ token, agreement }: EmergencyAccessContext): CheckResult<EmergencyGrant> {
    const requested = token.reason === 'emergency';
    const reason = token.reasonText?.trim();
    if (!requested) return allow({ emergency: false, requested: false });
    const emergency = Boolean(reason) && agreement.emergencyAccess;
    return allow({ emergency, requested, ...(reason ? { reason } : {}) });
  }
}
