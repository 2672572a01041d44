import { AccessDeniedError } from '../access-denied.js';
import type { PatientFlags } from '../access-decision.js';
import { allow, deny, type AccessChecker, type CheckResult } from './checker.js';

/**
 * Sensitive (S-flag), deceased and inactive patients are never disclosed: 404 `PATIENT_NOT_FOUND`, exactly as for a
 * patient that does not exist. Only an active, living, non-sensitive patient passes.
 */
export class PatientStatusChecker implements AccessChecker<PatientFlags, true> {
  check(flags: PatientFlags): CheckResult<true> {
    if (flags.active && !flags.sensitive && !flags.deceased) return allow(true);
    const why = [flags.sensitive && 'sensitive (S-flag)', flags.deceased && 'deceased', !flags.active && 'inactive']
      .filter(Boolean)
      .join(', ');
    return deny(AccessDeniedError.patientNotFound(`patient withheld: ${why}`));
  }
}
