import { Injectable } from '@nestjs/common';
import type { VerifiedToken } from '@lloyd/auth';
import { consumerMatches } from '@lloyd/config';
import { MetricsService } from '@lloyd/observability';
import type { Counter } from 'prom-client';
import {
  mintAccessDecision,
  mintOrganisationDecision,
  type AccessDecision,
  type OrganisationDecision,
  type PatientFlags,
} from './access-decision.js';
import { AccessDeniedError, type DenialRule } from './access-denied.js';
import type { CheckResult } from './checkers/checker.js';
import { EmergencyAccessChecker } from './checkers/emergency-access.checker.js';
import { PatientConsentChecker } from './checkers/patient-consent.checker.js';
import { PatientStatusChecker } from './checkers/patient-status.checker.js';
import type { OrganisationContext, OrganisationRequest } from './checkers/policy-snapshot.js';
import { PracticeEnablementChecker } from './checkers/practice-enablement.checker.js';
import { SectionScopeChecker } from './checkers/section-scope.checker.js';
import { SharingAgreementChecker } from './checkers/sharing-agreement.checker.js';
import { AccessPolicyStore } from './policy/access-policy-store.js';
import { isCurrentOn, londonDate } from './policy/validity.js';

/**
 * The access chain every read passes through, in two phases because dissent is held in the supplier system:
 *
 * 1. {@link decideOrganisation}, before any supplier call: practice enablement, the sharing agreement, the sections
 *    and emergency access;
 * 2. {@link decidePatient}, with what the supplier says about the patient: sensitive, deceased or inactive patients
 *    are not found; dissent stands unless emergency access was granted.
 *
 * Each rule is its own checker, which allows only what it explicitly matches. Denials are thrown as
 * {@link AccessDeniedError} (an OperationOutcomeError that says which rule denied and what to do next) and counted
 * in `lloyd_access_denied_total{rule}`; emergency access is counted in `lloyd_emergency_access_total{organisation}`.
 */
@Injectable()
export class AccessChain {
  private readonly practiceEnablement = new PracticeEnablementChecker();
  private readonly sharingAgreement = new SharingAgreementChecker();
  private readonly sectionScope = new SectionScopeChecker();
  private readonly emergencyAccess = new EmergencyAccessChecker();
  private readonly patientStatus = new PatientStatusChecker();
  private readonly patientConsent = new PatientConsentChecker();
  private readonly denied: Counter<'rule'>;
  private readonly emergencies: Counter<'organisation'>;

  constructor(
    private readonly policy: AccessPolicyStore,
    metrics: MetricsService,
  ) {
    this.denied = metrics.counter('lloyd_access_denied_total', 'Requests refused by the access chain, by rule.', [
      'rule',
    ]);
    this.emergencies = metrics.counter(
      'lloyd_emergency_access_total',
      'Patient record reads made under emergency access, by consumer organisation.',
      ['organisation'],
    );
  }

  /**
   * Phase 0, before anything about the patient is looked up: the organisation has some current sharing agreement.
   * Call it first on every patient read, so that an organisation without any agreement gets the same 403
   * `NO_ORGANISATION_CONSENT` whether or not the patient exists.
   */
  async decideConsumer(token: VerifiedToken, now: Date): Promise<void> {
    const policy = await this.policy.snapshot();
    const day = londonDate(now);
    const hasAgreement = policy.agreements.some(
      (a) => isCurrentOn(a, day) && consumerMatches(a, token.organisation, policy.organisationTypes),
    );
    if (hasAgreement) return;
    throw this.count(
      AccessDeniedError.because(
        'no-sharing-agreement',
        'NO_ORGANISATION_CONSENT',
        `No sharing agreement allows organisation ${token.organisation} to view GP records through Lloyd. ` +
          'Ask the data controller of the practice whose records you need to set one up.',
        `consumer ${token.organisation} has no current agreement with any practice on ${day}`,
      ),
    );
  }

  /** Phase 1, before any supplier call. Throws {@link AccessDeniedError} (403) when the organisation may not read. */
  async decideOrganisation(request: OrganisationRequest): Promise<OrganisationDecision> {
    const context: OrganisationContext = {
      request,
      policy: await this.policy.snapshot(),
      day: londonDate(request.now),
    };
    const practice = this.grant(this.practiceEnablement.check(context));
    const agreement = this.grant(this.sharingAgreement.check(context));
    const scope = this.grant(
      this.sectionScope.check({
        requested: request.requestedSections,
        ...(request.linkedSections ? { linked: request.linkedSections } : {}),
        practice,
        agreement,
      }),
    );
    const emergency = this.grant(this.emergencyAccess.check({ token: request.token, agreement }));
    const { token } = request;
    return mintOrganisationDecision({
      organisation: token.organisation,
      clientId: token.clientId,
      ...(token.practitioner !== undefined ? { practitioner: token.practitioner } : {}),
      practiceOds: request.practiceOds,
      agreementId: agreement.id,
      sections: scope.sections,
      linkedSections: scope.linkedSections,
      warnings: scope.warnings,
      withheldSections: scope.withheld,
      emergency: emergency.emergency,
      emergencyRequested: emergency.requested,
      ...(emergency.reason !== undefined ? { emergencyReason: emergency.reason } : {}),
      decidedAt: request.now.toISOString(),
    });
  }

  /**
   * Phase 2, with the supplier's flags for the patient. Throws {@link AccessDeniedError}: 404 `PATIENT_NOT_FOUND`
   * for sensitive, deceased or inactive patients (map it to an empty searchset on Patient search), 403
   * `NO_PATIENT_CONSENT` for dissent without emergency access. Returns the final, immutable decision.
   */
  decidePatient(organisation: OrganisationDecision, flags: PatientFlags, now: Date = new Date()): AccessDecision {
    this.grant(this.patientStatus.check(flags));
    const consent = this.grant(this.patientConsent.check({ flags, organisation }));
    const decision = mintAccessDecision(organisation, consent.dissentOverridden, now.toISOString());
    if (decision.emergency) this.emergencies.inc({ organisation: decision.organisation });
    return decision;
  }

  private grant<G>(result: CheckResult<G>): G {
    if (result.allowed) return result.grant;
    throw this.count(result.denial);
  }

  private count(denial: AccessDeniedError): AccessDeniedError {
    const rule: DenialRule = denial.rule;
    this.denied.inc({ rule });
    return denial;
  }
}
