import { consumerMatches, type SharingAgreement } from '@lloyd/config';
import { AccessDeniedError } from '../access-denied.js';
import { isCurrentOn } from '../policy/validity.js';
import { allow, deny, type AccessChecker, type CheckResult } from './checker.js';
import type { OrganisationContext } from './policy-snapshot.js';

/**
 * Rule 2: an organisation-to-organisation sharing agreement, valid today, names this practice as a data controller
 * and the token's organisation (by ODS code or organisation type) as consumer. No such agreement: 403
 * `NO_ORGANISATION_CONSENT`. Among several, the one that covers most of the request wins (emergency-capable first
 * when emergency access is asked for), so the choice is deterministic and auditable.
 */
export class SharingAgreementChecker implements AccessChecker<OrganisationContext, SharingAgreement> {
  check({ request, policy, day }: OrganisationContext): CheckResult<SharingAgreement> {
    const { organisation } = request.token;
    const applicable = policy.agreements.filter(
      (a) =>
        a.dataControllers.includes(request.practiceOds) && consumerMatches(a, organisation, policy.organisationTypes),
    );
    const current = applicable.filter((a) => isCurrentOn(a, day));
    const best = current.sort((a, b) => rank(b, request) - rank(a, request) || a.id.localeCompare(b.id))[0];
    if (best) return allow(best);
    return deny(
      AccessDeniedError.because(
        'no-sharing-agreement',
        'NO_ORGANISATION_CONSENT',
        `No sharing agreement allows organisation ${organisation} to view records held by this practice` +
          `${explainNotCurrent(applicable, day)}. Ask the practice's data controller to set one up.`,
        `no current agreement between consumer ${organisation} and practice ${request.practiceOds} on ${day}` +
          (applicable.length ? ` (not current: ${applicable.map((a) => a.id).join(', ')})` : ''),
      ),
    );
  }
}

function rank(agreement: SharingAgreement, request: OrganisationContext['request']): number {
  const wantsEmergency = request.token.reason === 'emergency';
  const covered = request.requestedSections.filter((s) => agreement.sections.includes(s)).length;
  return (wantsEmergency && agreement.emergencyAccess ? 10_000 : 0) + covered * 100 + agreement.sections.length;
}

/** The consumer learns only about its own agreements' dates, never anything about a patient. */
function explainNotCurrent(applicable: readonly SharingAgreement[], day: string): string {
  const ended = applicable.filter((a) => a.validTo !== undefined && a.validTo <= day);
  const future = applicable.filter((a) => a.validFrom > day);
  const parts: string[] = [];
  if (ended.length) parts.push(`agreement ${ended.map((a) => `${a.id} ended on ${a.validTo}`).join(', ')}`);
  if (future.length) parts.push(`agreement ${future.map((a) => `${a.id} starts on ${a.validFrom}`).join(', ')}`);
  return parts.length ? ` today (${parts.join('; ')})` : '';
}
