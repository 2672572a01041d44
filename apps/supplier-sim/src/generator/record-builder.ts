import { concept } from './catalogue.js';
import { addDays } from './dates.js';
import type {
  Allergy,
  ClinicalRecord,
  Clinician,
  Consultation,
  DocumentItem,
  Immunisation,
  ItemBase,
  LocalDateTime,
  Medication,
  MedicationIssue,
  Observation,
  PartialDate,
  Practice,
  Problem,
  Quantity,
  Referral,
  TestResult,
  TestResultValue,
} from './model.js';
import type { Random } from './random.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

/** A consultation being recorded: items added with `in: draft` are listed in it. */
export interface ConsultationDraft {
  readonly id: string;
  readonly day: string;
}

interface ItemOptions {
  readonly in?: ConsultationDraft;
  readonly term?: string;
  readonly confidential?: boolean;
}

export interface ResultSpec {
  readonly concept: string;
  readonly value: number;
  readonly unit: string;
  readonly low: number;
  readonly high: number;
}

/**
 * Accumulates one patient's record. Ids come from the patient's own random stream, so they are stable for a seed.
 */
export class RecordBuilder {
  private readonly consultations: Mutable<Consultation>[] = [];
  private readonly allergies: Allergy[] = [];
  private readonly medications: Medication[] = [];
  private readonly problems: Problem[] = [];
  private readonly observations: Observation[] = [];
  private readonly immunisations: Immunisation[] = [];
  private readonly testResults: TestResult[] = [];
  private readonly referrals: Referral[] = [];
  private readonly documents: DocumentItem[] = [];

  constructor(
    readonly random: Random,
    readonly practice: Practice,
    readonly asOf: string,
  ) {}

  clinician(role: Clinician['role'] = 'General Medical Practitioner'): Clinician {
    const matching = this.practice.clinicians.filter((c) => c.role === role);
    return this.random.pick(matching.length > 0 ? matching : this.practice.clinicians);
  }

  /** A date `daysAgo` days before the as-of date. */
  daysAgo(days: number): string {
    return addDays(this.asOf, -days);
  }

  consultation(
    day: string,
    options: {
      type?: Consultation['type'];
      clinician?: Clinician;
      narrative?: string;
      confidential?: boolean;
    } = {},
  ): ConsultationDraft {
    const id = this.random.uuid();
    const minutes = this.random.int(8 * 6, 17 * 6 + 5) * 10;
    const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    const date: LocalDateTime = `${day}T${time}`;
    this.consultations.push({
      id,
      date,
      type: options.type ?? 'Surgery consultation',
      clinicianSdsUserId: (options.clinician ?? this.clinician()).sdsUserId,
      location: this.practice.name,
      ...(options.narrative ? { narrative: options.narrative } : {}),
      confidential: options.confidential ?? false,
      itemIds: [],
    });
    return { id, day };
  }

  allergy(
    key: string,
    date: PartialDate,
    details: Pick<Allergy, 'category' | 'status'> &
      Partial<Pick<Allergy, 'reaction' | 'severity' | 'endDate' | 'endReason'>>,
    options: ItemOptions = {},
  ): Allergy {
    const item: Allergy = { ...this.base(key, date, options), ...details };
    this.allergies.push(item);
    return item;
  }

  problem(
    key: string,
    date: PartialDate,
    details: Pick<Problem, 'status' | 'significance'> & Partial<Pick<Problem, 'endDate'>>,
    links: { consultations?: readonly ConsultationDraft[]; items?: readonly { id: string }[] } = {},
    options: ItemOptions = {},
  ): Problem {
    const consultationIds = [options.in, ...(links.consultations ?? [])]
      .filter((c) => c !== undefined)
      .map((c) => c.id);
    const item: Problem = {
      ...this.base(key, date, options),
      ...details,
      consultationIds: [...new Set(consultationIds)],
      linkedItemIds: (links.items ?? []).map((i) => i.id),
    };
    this.problems.push(item);
    return item;
  }

  observation(
    key: string,
    date: PartialDate,
    value?: Quantity,
    options: ItemOptions & { comment?: string } = {},
  ): Observation {
    const item: Observation = {
      ...this.base(key, date, options),
      ...(value ? { value } : {}),
      ...(options.comment ? { comment: options.comment } : {}),
    };
    this.observations.push(item);
    return item;
  }

  /**
   * A medication authorisation with its issues: repeats are issued every `intervalDays` from `start` until
   * `end` (or the as-of date); an acute has one issue.
   */
  medication(
    key: string,
    start: string,
    details: {
      type: Medication['type'];
      dosage: string;
      quantity: Quantity;
      daysSupply: number;
      status?: Medication['status'];
      end?: string;
      maxIssues?: number;
    },
    options: ItemOptions = {},
  ): Medication {
    const issues: MedicationIssue[] = [];
    const last = details.end ?? this.asOf;
    const interval = Math.max(1, details.daysSupply);
    for (let day = start; day <= last; day = addDays(day, interval)) {
      issues.push({ id: this.random.uuid(), date: day, quantity: details.quantity, daysSupply: details.daysSupply });
      if (details.type === 'acute' || (details.maxIssues !== undefined && issues.length >= details.maxIssues)) break;
    }
    const item: Medication = {
      ...this.base(key, start, options),
      type: details.type,
      status: details.status ?? (details.type === 'acute' ? 'completed' : 'active'),
      dosage: details.dosage,
      quantity: details.quantity,
      prescriberSdsUserId: this.clinician().sdsUserId,
      ...(details.end ? { endDate: details.end } : {}),
      ...(details.maxIssues !== undefined ? { maxIssues: details.maxIssues } : {}),
      issues,
    };
    this.medications.push(item);
    return item;
  }

  immunisation(
    key: string,
    date: PartialDate,
    details: Partial<Pick<Immunisation, 'given' | 'notGivenReason' | 'doseSequence' | 'site'>> = {},
    options: ItemOptions = {},
  ): Immunisation {
    const given = details.given ?? true;
    const item: Immunisation = {
      ...this.base(key, date, options),
      given,
      ...(details.notGivenReason ? { notGivenReason: details.notGivenReason } : {}),
      ...(details.doseSequence !== undefined ? { doseSequence: details.doseSequence } : {}),
      ...(given ? { batch: `${this.random.pick(['FL', 'MM', 'VX'])}${this.random.int(1000, 9999)}` } : {}),
      ...(given && details.site ? { site: details.site } : {}),
    };
    this.immunisations.push(item);
    return item;
  }

  testResult(
    battery: string,
    date: string,
    results: readonly ResultSpec[],
    options: ItemOptions & { filingComment?: string } = {},
  ): TestResult {
    const values: TestResultValue[] = results.map((r) => ({
      id: this.random.uuid(),
      concept: r.concept,
      term: concept(r.concept).term,
      value: { value: r.value, unit: r.unit },
      referenceRange: { low: r.low, high: r.high },
      interpretation: r.value < r.low ? 'low' : r.value > r.high ? 'high' : 'normal',
    }));
    const item: TestResult = {
      ...this.base(battery, date, options),
      status: 'final',
      laboratory: `${this.practice.address.town} Pathology Laboratory`,
      results: values,
      ...(options.filingComment ? { filingComment: options.filingComment } : {}),
    };
    this.testResults.push(item);
    return item;
  }

  referral(key: string, date: string, details: Omit<Referral, keyof ItemBase>, options: ItemOptions = {}): Referral {
    const item: Referral = { ...this.base(key, date, options), ...details };
    this.referrals.push(item);
    return item;
  }

  document(
    date: string,
    details: { title: string; contentType: string; size: number },
    options: ItemOptions = {},
  ): DocumentItem {
    const item: DocumentItem = {
      ...this.base('attachment', date, { ...options, term: options.term ?? details.title }),
      ...details,
      authorSdsUserId: this.clinician().sdsUserId,
    };
    this.documents.push(item);
    return item;
  }

  build(): ClinicalRecord {
    const byDate = <T extends { date: string }>(items: readonly T[]): T[] =>
      [...items].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    return {
      allergies: byDate(this.allergies),
      medications: byDate(this.medications),
      problems: byDate(this.problems),
      consultations: byDate(this.consultations),
      observations: byDate(this.observations),
      immunisations: byDate(this.immunisations),
      testResults: byDate(this.testResults),
      referrals: byDate(this.referrals),
      documents: byDate(this.documents),
    };
  }

  private base(key: string, date: PartialDate, options: ItemOptions) {
    const id = this.random.uuid();
    if (options.in) {
      const consultation = this.consultations.find((c) => c.id === options.in?.id);
      if (!consultation) throw new Error('Items must be added to a consultation of the same record');
      consultation.itemIds.push(id);
    }
    return {
      id,
      date,
      concept: concept(key).key,
      term: options.term ?? concept(key).term,
      confidential: options.confidential ?? false,
      ...(options.in ? { consultationId: options.in.id } : {}),
    };
  }
}
