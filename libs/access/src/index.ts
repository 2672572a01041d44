export { AccessModule } from './access.module.js';
export { AccessChain } from './access-chain.js';
export {
  AccessDecision,
  OrganisationDecision,
  type PatientFlags,
  type WithheldReason,
  type WithheldSection,
} from './access-decision.js';
export { AccessDeniedError, DENIAL_RULES, type DenialRule } from './access-denied.js';
export { allow, deny, type AccessChecker, type CheckResult } from './checkers/checker.js';
export type { OrganisationContext, OrganisationRequest, PolicySnapshot } from './checkers/policy-snapshot.js';
export { PracticeEnablementChecker } from './checkers/practice-enablement.checker.js';
export { SharingAgreementChecker } from './checkers/sharing-agreement.checker.js';
export { SectionScopeChecker, type SectionScope, type SectionScopeContext } from './checkers/section-scope.checker.js';
export {
  EmergencyAccessChecker,
  type EmergencyAccessContext,
  type EmergencyGrant,
} from './checkers/emergency-access.checker.js';
export { PatientStatusChecker } from './checkers/patient-status.checker.js';
export { PatientConsentChecker, type PatientConsentContext } from './checkers/patient-consent.checker.js';
export { ACCESS_CLOCK, type AccessClock } from './clock.js';
export {
  isRecordSection,
  RECORD_CONTEXT_TYPES,
  SECTION_PARAMETERS,
  sectionOf,
  sectionParameter,
  sectionsForResourceType,
} from './sections.js';
export {
  CONFIDENTIAL_ITEMS_TEXT,
  confidentialItemsIssue,
  isConfidential,
  LIST_WARNING_SYSTEM,
  redactConfidential,
  SENSITIVE_CATEGORY_SYSTEM,
  type RedactionResult,
} from './redaction.js';
export { SensitiveCodes } from './sensitive-codes.js';
export { AccessPolicyStore, type PolicyChange, type PolicyResult } from './policy/access-policy-store.js';
export { londonDate, isCurrentOn } from './policy/validity.js';
export type { AdminChangeEntry, AuditEntry, AuditWho, PatientAccessEntry } from './audit/audit-entry.js';
export {
  AUDIT_EVENT_TYPE_SYSTEM,
  CLIENT_ID_SYSTEM,
  CORRELATION_ID_SYSTEM,
  DCM_SYSTEM,
  outcomeOf,
  SHARING_AGREEMENT_SYSTEM,
  type AuditOutcome,
} from './audit/audit-event.js';
export {
  AUDIT_CHAIN_EXTENSION,
  chainLink,
  checkStoredEvent,
  GENESIS_HASH,
  type ChainLink,
} from './audit/hash-chain.js';
export { AUDIT_CHECKPOINT_KEY, AUDIT_HEAD_KEY, auditEventKey, type Checkpoint } from './audit/audit-keys.js';
export {
  ArchiveNotRecordedError,
  ArchiveVerifier,
  AuditArchive,
  AuditChainBrokenError,
  type ArchiveOptions,
  type ArchiveResult,
  type ArchiveSink,
} from './audit/audit-archive.js';
export type { AuditQuery } from './audit/audit-query.js';
export { AuditTrail, type AuditSearchResult, type ChainBreak, type ChainReport } from './audit/audit-trail.js';
export { RateLimiter, type RateLimitVerdict } from './rate-limit/rate-limiter.js';
export { RateLimitGuard, rateLimitHeaders, tooManyRequests } from './rate-limit/rate-limit.guard.js';
export { parseCount, parseOffset, type PageSize } from './paging.js';
