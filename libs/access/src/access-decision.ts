import type { RecordSection } from '@lloyd/config';
import type { OperationOutcomeIssue, Resource } from '@lloyd/fhir';
import { RECORD_CONTEXT_TYPES, sectionOf } from './sections.js';

/** Why a requested section is left out of the response. */
export type WithheldReason = 'not-in-agreement' | 'disabled-at-practice';

export interface WithheldSection {
  section: RecordSection;
  reason: WithheldReason;
}

/** What the supplier system says about the patient; learnt only by asking it, hence the second phase. */
export interface PatientFlags {
  /** The patient has dissented from record sharing. */
  dissent: boolean;
  /** Sensitive (S-flag) record. */
  sensitive: boolean;
  deceased: boolean;
  /** Registered for GMS at the practice. */
  active: boolean;
}

interface DecisionFields {
  /** The consumer organisation (ODS) the token acts for. */
  organisation: string;
  clientId: string;
  practitioner?: string;
  /** The data-controller practice (ODS) whose record is read. */
  practiceOds: string;
  /** The sharing agreement that allowed the request. */
  agreementId: string;
  /** The sections the caller may see: requested ∩ agreement ∩ enabled at the practice. */
  sections: readonly RecordSection[];
  /**
   * Further sections whose items may be returned only where a granted section's items link to them (GP Connect's
   * secondary lists): asked for as linked, enabled at the practice and covered by the agreement. Never in `sections`.
   */
  linkedSections: readonly RecordSection[];
  /** Warnings for the response (sections left out, sections disabled at the practice). */
  warnings: readonly OperationOutcomeIssue[];
  withheldSections: readonly WithheldSection[];
  /** Emergency access is in use: the token asked for it with a reason, and the agreement allows it. */
  emergency: boolean;
  /** The token asked for emergency access (whether or not it was granted). */
  emergencyRequested: boolean;
  /** The token's `reason_text`, when emergency access was requested. */
  emergencyReason?: string;
  /** When the decision was made (ISO instant). */
  decidedAt: string;
}

/** Proof that a decision came from the access chain: only this module and the chain can mint one. */
const MINT = Symbol('access-chain-mint');

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The fields, with every array and object not already frozen copied, so the caller's values cannot change it. */
function copyFields(fields: DecisionFields): DecisionFields {
  const own = <T>(value: T, copy: (v: T) => T): T => (Object.isFrozen(value) ? value : copy(value));
  return {
    ...fields,
    sections: own(fields.sections, (s) => [...s]),
    linkedSections: own(fields.linkedSections, (s) => [...s]),
    warnings: own(fields.warnings, (w) => (w.length === 0 ? [] : structuredClone([...w]))),
    withheldSections: own(fields.withheldSections, (w) => w.map((x) => ({ ...x }))),
  };
}

abstract class Decision implements DecisionFields {
  readonly organisation!: string;
  readonly clientId!: string;
  readonly practitioner?: string;
  readonly practiceOds!: string;
  readonly agreementId!: string;
  readonly sections!: readonly RecordSection[];
  readonly linkedSections!: readonly RecordSection[];
  readonly warnings!: readonly OperationOutcomeIssue[];
  readonly withheldSections!: readonly WithheldSection[];
  readonly emergency!: boolean;
  readonly emergencyRequested!: boolean;
  readonly emergencyReason?: string;
  readonly decidedAt!: string;

  protected constructor(mint: symbol, fields: DecisionFields) {
    if (mint !== MINT) throw new Error('Access decisions are made only by the AccessChain');
    Object.assign(this, copyFields(fields));
  }

  /** True when the caller may see `section`. */
  allows(section: RecordSection): boolean {
    return this.sections.includes(section);
  }

  /** True when items of `section` may be returned because a granted section's items link to them. */
  allowsLinked(section: RecordSection): boolean {
    return this.sections.includes(section) || this.linkedSections.includes(section);
  }
}

/**
 * Phase 1 of the access chain: the organisation may read this practice's records, for these sections. Made before
 * any supplier call. It is not enough to return data: pass it to {@link AccessChain.decidePatient} with the
 * patient's flags to get the final {@link AccessDecision}.
 */
export class OrganisationDecision extends Decision {
  readonly phase = 'organisation' as const;

  /** @internal Use {@link AccessChain.decideOrganisation}. */
  constructor(mint: symbol, fields: DecisionFields) {
    super(mint, fields);
    deepFreeze(this);
  }
}

/**
 * The final, immutable decision of the access chain for one request: which sections of which patient's record the
 * caller may see, with the warnings to return and the facts the audit trail records.
 */
export class AccessDecision extends Decision {
  readonly phase = 'patient' as const;
  /** The patient had dissented, and emergency access overrode it. */
  readonly dissentOverridden: boolean;

  /** @internal Use {@link AccessChain.decidePatient}. */
  constructor(mint: symbol, fields: DecisionFields & { dissentOverridden: boolean }) {
    super(mint, fields);
    this.dissentOverridden = fields.dissentOverridden;
    deepFreeze(this);
  }

  /**
   * True when `resource` may be returned under this decision: its section is allowed, or it is one of the types that
   * frame every record (Patient, Organization, Practitioner, PractitionerRole, Location). Anything else is withheld.
   */
  permits(resource: Resource): boolean {
    const section = sectionOf(resource);
    return section ? this.allows(section) : RECORD_CONTEXT_TYPES.has(resource.resourceType);
  }

  /** {@link permits}, counting linked sections too: what an item the caller may see can bring along (`_include`). */
  permitsLinked(resource: Resource): boolean {
    const section = sectionOf(resource);
    return section ? this.allowsLinked(section) : RECORD_CONTEXT_TYPES.has(resource.resourceType);
  }
}

export type OrganisationDecisionFields = DecisionFields;

/** @internal For the access chain only (not exported from the lib's index). */
export function mintOrganisationDecision(fields: DecisionFields): OrganisationDecision {
  return new OrganisationDecision(MINT, fields);
}

/** @internal For the access chain only (not exported from the lib's index). */
export function mintAccessDecision(
  organisation: OrganisationDecision,
  dissentOverridden: boolean,
  decidedAt: string,
): AccessDecision {
  const fields: DecisionFields = {
    organisation: organisation.organisation,
    clientId: organisation.clientId,
    practiceOds: organisation.practiceOds,
    agreementId: organisation.agreementId,
    sections: organisation.sections,
    linkedSections: organisation.linkedSections,
    warnings: organisation.warnings,
    withheldSections: organisation.withheldSections,
    emergency: organisation.emergency,
    emergencyRequested: organisation.emergencyRequested,
    decidedAt,
  };
  if (organisation.practitioner !== undefined) fields.practitioner = organisation.practitioner;
  if (organisation.emergencyReason !== undefined) fields.emergencyReason = organisation.emergencyReason;
  return new AccessDecision(MINT, { ...fields, dissentOverridden });
}
