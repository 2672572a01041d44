import type { PracticeSettings, RecordSection, SharingAgreement } from '@lloyd/config';
import type { VerifiedToken } from '@lloyd/auth';

/** The sharing rules in force, as read from the policy store (one consistent view per request). */
export interface PolicySnapshot {
  practices: readonly PracticeSettings[];
  agreements: readonly SharingAgreement[];
  /** ODS code → organisation type, for agreements that name a consumer type. */
  organisationTypes: Readonly<Record<string, string>>;
}

/** Phase 1 input: who asks, for which practice's record, for which sections, and when. */
export interface OrganisationRequest {
  token: VerifiedToken;
  /** ODS code of the data-controller practice holding the record. */
  practiceOds: string;
  /** Sections the request asks for; empty for the patient alone (e.g. Patient search). */
  requestedSections: readonly RecordSection[];
  /**
   * Sections wanted only for the items linked to the requested ones: GP Connect's secondary lists, which return what
   * the requested problems link to and the requested consultations contain. Granted silently or not at all.
   */
  linkedSections?: readonly RecordSection[];
  now: Date;
}

/** What every phase-1 checker sees. */
export interface OrganisationContext {
  request: OrganisationRequest;
  policy: PolicySnapshot;
  /** `request.now` as an English calendar date (YYYY-MM-DD). */
  day: string;
}
