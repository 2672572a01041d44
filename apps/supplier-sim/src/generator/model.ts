/**
 * The generator's neutral model of a GP record. It is deliberately neither FHIR nor any supplier's format: each
 * simulated system renders it in its own native vocabulary and coding scheme.
 */

/** ISO 8601 date, possibly partial: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`. */
export type PartialDate = string;
/** ISO 8601 local date and time to the minute: `YYYY-MM-DDTHH:mm`. */
export type LocalDateTime = string;

export type SimulatedOds = 'P10001' | 'P20002' | 'P30003' | 'P40004';

export interface PersonName {
  readonly title: string;
  readonly given: readonly string[];
  readonly family: string;
}

export interface Clinician {
  /** SDS user id (12 digits). */
  readonly sdsUserId: string;
  readonly name: PersonName;
  readonly role: 'General Medical Practitioner' | 'Practice Nurse';
}

export interface Address {
  readonly lines: readonly string[];
  readonly town: string;
  readonly postcode: string;
}

export interface Practice {
  readonly ods: string;
  readonly name: string;
  readonly address: Address;
  readonly phone: string;
  readonly clinicians: readonly Clinician[];
}

export type Gender = 'male' | 'female' | 'other' | 'unknown';
export type RegistrationStatus = 'active' | 'inactive';

export interface Demographics {
  readonly nhsNumber: string;
  readonly name: PersonName;
  readonly gender: Gender;
  readonly birthDate: string;
  readonly address: Address;
  readonly phone: string;
  readonly registeredPracticeOds: string;
  readonly usualGp: Clinician;
  readonly registration: { readonly status: RegistrationStatus; readonly type: 'GMS'; readonly since: string };
  readonly deceasedDate?: string;
  /** The S-flag: the patient's demographics are sensitive and must not be disclosed. */
  readonly sensitive: boolean;
}

/** What every clinical item carries. */
export interface ItemBase {
  readonly id: string;
  readonly date: PartialDate;
  /** The catalogue concept key (see catalogue.ts). */
  readonly concept: string;
  /** The text as recorded, which may differ from the code's term. */
  readonly term: string;
  /** Marked confidential (private, sealed or sensitive): never to be shared outside the practice. */
  readonly confidential: boolean;
  /** The consultation the item was recorded in, if any. */
  readonly consultationId?: string;
}

export interface Allergy extends ItemBase {
  readonly category: 'drug' | 'non-drug';
  readonly status: 'active' | 'resolved';
  readonly reaction?: string;
  readonly severity?: 'mild' | 'moderate' | 'severe';
  readonly endDate?: PartialDate;
  readonly endReason?: string;
}

export interface Quantity {
  readonly value: number;
  readonly unit: string;
}

export interface MedicationIssue {
  readonly id: string;
  readonly date: string;
  readonly quantity: Quantity;
  readonly daysSupply: number;
}

export interface Medication extends ItemBase {
  readonly type: 'acute' | 'repeat';
  readonly status: 'active' | 'completed' | 'stopped';
  readonly dosage: string;
  readonly quantity: Quantity;
  readonly prescriberSdsUserId: string;
  readonly endDate?: string;
  readonly maxIssues?: number;
  readonly issues: readonly MedicationIssue[];
}

export interface Problem extends ItemBase {
  readonly status: 'active' | 'inactive';
  readonly significance: 'major' | 'minor';
  readonly endDate?: PartialDate;
  readonly consultationIds: readonly string[];
  /** Other items (medication, observations, referrals…) linked to this problem. */
  readonly linkedItemIds: readonly string[];
}

export interface Observation extends ItemBase {
  readonly value?: Quantity;
  readonly comment?: string;
}

export interface Immunisation extends ItemBase {
  readonly given: boolean;
  readonly notGivenReason?: string;
  readonly doseSequence?: number;
  readonly batch?: string;
  readonly site?: string;
}

export interface TestResultValue {
  readonly id: string;
  readonly concept: string;
  readonly term: string;
  readonly value: Quantity;
  readonly referenceRange: { readonly low: number; readonly high: number };
  readonly interpretation: 'normal' | 'low' | 'high';
}

/** A test battery (e.g. a full blood count) with its results. */
export interface TestResult extends ItemBase {
  readonly status: 'final';
  readonly laboratory: string;
  readonly results: readonly TestResultValue[];
  readonly filingComment?: string;
}

export interface Referral extends ItemBase {
  readonly specialty: string;
  readonly priority: 'routine' | 'urgent' | 'two-week-wait';
  readonly status: 'sent' | 'completed';
  readonly reason: string;
  readonly recipient: string;
}

export interface DocumentItem extends ItemBase {
  readonly title: string;
  readonly contentType: string;
  /** Bytes of the content served at the system's document endpoint. */
  readonly size: number;
  readonly authorSdsUserId: string;
}

export interface Consultation {
  readonly id: string;
  readonly date: LocalDateTime;
  readonly type: 'Surgery consultation' | 'Telephone consultation' | 'Home visit';
  readonly clinicianSdsUserId: string;
  readonly location: string;
  readonly narrative?: string;
  readonly confidential: boolean;
  /** Ids of the items recorded in this consultation, in the order they were entered. */
  readonly itemIds: readonly string[];
}

export interface ClinicalRecord {
  readonly allergies: readonly Allergy[];
  readonly medications: readonly Medication[];
  readonly problems: readonly Problem[];
  readonly consultations: readonly Consultation[];
  /** Uncategorised data: measurements and findings. */
  readonly observations: readonly Observation[];
  readonly immunisations: readonly Immunisation[];
  readonly testResults: readonly TestResult[];
  readonly referrals: readonly Referral[];
  readonly documents: readonly DocumentItem[];
}

export interface SyntheticPatient {
  /** The supplier system's own identifier for the patient. */
  readonly sourceId: string;
  readonly demographics: Demographics;
  readonly consent: { readonly dissent: boolean };
  readonly record: ClinicalRecord;
}
