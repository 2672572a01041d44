import type { PracticeSettings } from '@lloyd/config';
import { AccessDeniedError } from '../access-denied.js';
import { allow, deny, type AccessChecker, type CheckResult } from './checker.js';
import type { OrganisationContext } from './policy-snapshot.js';

/**
 * Rule 1: the practice shares its records through Lloyd. Only a practice that is listed in the practice settings
 * and enabled is allowed; an unlisted one is denied like a disabled one (403 `ACCESS DENIED`).
 */
export class PracticeEnablementChecker implements AccessChecker<OrganisationContext, PracticeSettings> {
  check({ request, policy }: OrganisationContext): CheckResult<PracticeSettings> {
    const practice = policy.practices.find((p) => p.ods === request.practiceOds);
    if (practice?.enabled === true) return allow(practice);
    return deny(
      AccessDeniedError.because(
        'practice-not-enabled',
        'ACCESS DENIED',
        'Record sharing is not enabled at this practice, so Lloyd cannot show its records. ' +
          'The practice must opt in; a Lloyd administrator then enables it with PUT /admin/practices/<ODS code>.',
        practice
          ? `practice ${request.practiceOds} is listed with enabled=false`
          : `practice ${request.practiceOds} is not in the practice settings`,
      ),
    );
  }
}
