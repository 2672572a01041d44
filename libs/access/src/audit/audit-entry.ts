import type { ReasonForRequest, VerifiedToken } from '@lloyd/auth';
import type { RecordSection } from '@lloyd/config';
import type { AccessDecision, OrganisationDecision } from '../access-decision.js';

/** Who made the request: the verified token fits. */
export type AuditWho = Pick<VerifiedToken, 'clientId' | 'organisation'> & {
  practitioner?: string;
  reason?: ReasonForRequest;
  reasonText?: string;
};

interface AuditEntryBase {
  who: AuditWho;
  /** The request's correlation id (`x-request-id`), to join the audit trail with logs and traces. */
  correlationId: string;
  /** What was asked, e.g. `GET /fhir/AllergyIntolerance?patient=…` or `POST /admin/agreements`. */
  request?: string;
  /**
   * What went wrong, when the request failed: an `AccessDeniedError` (the rule is recorded), another
   * OperationOutcomeError (4xx: outcome 4, 5xx: outcome 8) or anything else (outcome 8). Absent: success (0).
   */
  error?: unknown;
}

/** A request that touched (or tried to touch) a patient's record. */
export interface PatientAccessEntry extends AuditEntryBase {
  kind: 'patient-access';
  interaction: 'read' | 'search' | 'operation';
  /** NHS number, when the request named one. */
  patient?: string;
  /** ODS code of the data-controller practice, when known. */
  practiceOds?: string;
  requestedSections?: readonly RecordSection[];
  /** References of the resources returned or asked for, e.g. `AllergyIntolerance/P10001-a1`. */
  resources?: readonly string[];
  /** The access chain's decision (phase 2, or phase 1 when the request failed after it). */
  decision?: AccessDecision | OrganisationDecision;
  /** Confidential items removed, per section. */
  redactions?: Readonly<Partial<Record<string, number>>>;
  /**
   * The rule that refused the request when `error` does not carry one (an `AccessDeniedError` does): e.g. the auth
   * guard's `insufficient-scope` or `missing-claims`. Recorded as the `denied-by` detail, as a denial rule is.
   */
  deniedBy?: string;
}

/** A change to the sharing rules through the admin API. */
export interface AdminChangeEntry extends AuditEntryBase {
  kind: 'admin-change';
  action: 'create' | 'update' | 'end';
  target: { type: 'SharingAgreement' | 'PracticeSettings'; id: string };
  /** The value after the change, as JSON. */
  value?: unknown;
}

export type AuditEntry = PatientAccessEntry | AdminChangeEntry;
