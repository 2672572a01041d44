/**
 * P20002's native vocabulary: a vendor's JSON API (camelCase, `/api/v2`), every clinical item coded in CTV3. The
 * record is a journal of events (consultations and stand-alone data entries), each holding typed entries, as
 * event-based GP systems store it. It is the simulator's own invention: neither FHIR nor the XML system's shape.
 */
import { concept } from '../generator/catalogue.js';
import type {
  Allergy,
  Clinician,
  Consultation,
  DocumentItem,
  Gender,
  Immunisation,
  ItemBase,
  Medication,
  Observation,
  Practice,
  Problem,
  Referral,
  SyntheticPatient,
  TestResult,
} from '../generator/model.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Dates in the clinical journal carry their precision: a clinician may have recorded only the year or month. */
export interface VendorDate {
  readonly value: string;
  readonly precision: 'year' | 'month' | 'day' | 'minute';
}

export interface ReadCode {
  readonly scheme: 'CTV3' | 'LOCAL';
  readonly code: string;
  readonly term: string;
}

type Json = Record<string, unknown>;

const SEX: Record<Gender, string> = { male: 'male', female: 'female', other: 'indeterminate', unknown: 'notKnown' };
const URGENCY: Record<Referral['priority'], string> = {
  routine: 'routine',
  urgent: 'urgent',
  'two-week-wait': 'twoWeekWait',
};
const MEDICATION_STATUS: Record<Medication['status'], string> = {
  active: 'active',
  completed: 'completed',
  stopped: 'discontinued',
};
const ABNORMAL_FLAG: Record<TestResult['results'][number]['interpretation'], string> = {
  normal: 'N',
  low: 'L',
  high: 'H',
};

/** Drops undefined members, so optional fields are absent rather than `null` (the API omits what it lacks). */
function compact(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export function readCode(key: string): ReadCode {
  const ctv3 = concept(key).ctv3;
  return { scheme: ctv3.local ? 'LOCAL' : 'CTV3', code: ctv3.code, term: ctv3.term };
}

/** A partial ISO date (`2019`, `2019-03`, `2019-03-14`) with its precision. */
export function vendorDate(date: string): VendorDate {
  if (/^\d{4}$/.test(date)) return { value: date, precision: 'year' };
  if (/^\d{4}-\d{2}$/.test(date)) return { value: date, precision: 'month' };
  return { value: date.slice(0, 10), precision: 'day' };
}

function lastSundayUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return last.getUTCDate() - last.getUTCDay();
}

/**
 * UK local date-time (`YYYY-MM-DDTHH:mm`) as ISO 8601 with its offset: British Summer Time runs from the last Sunday
 * of March to the last Sunday of October (consultations are in surgery hours, far from the 01:00 switch).
 */
export function ukDateTime(local: string): VendorDate {
  const year = Number(local.slice(0, 4));
  const month = Number(local.slice(5, 7)) - 1;
  const day = Number(local.slice(8, 10));
  const bst =
    (month > 2 && month < 9) ||
    (month === 2 && day >= lastSundayUtc(year, 2)) ||
    (month === 9 && day < lastSundayUtc(year, 9));
  return { value: `${local.slice(0, 16)}:00${bst ? '+01:00' : '+00:00'}`, precision: 'minute' };
}

function privacy(confidential: boolean): string {
  return confidential ? 'confidential' : 'normal';
}

function staffMember(clinician: Clinician): Json {
  return {
    userId: clinician.sdsUserId,
    title: clinician.name.title,
    forenames: clinician.name.given.join(' '),
    surname: clinician.name.family,
    jobRole: clinician.role,
  };
}

function practiceSummary(practice: Practice): Json {
  return {
    odsCode: practice.ods,
    name: practice.name,
    address: { lines: practice.address.lines, town: practice.address.town, postcode: practice.address.postcode },
    telephone: practice.phone,
  };
}

/** The patient resource of the API: `{ patient, registration, consent, flags }`. */
export function renderPatient(patient: SyntheticPatient, practice: Practice): Json {
  const d = patient.demographics;
  return {
    patient: {
      id: patient.sourceId,
      nhsNumber: d.nhsNumber,
      name: { title: d.name.title, forenames: d.name.given, surname: d.name.family },
      sex: SEX[d.gender],
      dateOfBirth: d.birthDate,
      // The vendor sends null rather than leaving the field out.
      dateOfDeath: d.deceasedDate ?? null,
      address: { lines: d.address.lines, town: d.address.town, postcode: d.address.postcode },
      contacts: [{ type: 'homePhone', value: d.phone }],
    },
    registration: {
      status: d.registration.status === 'active' ? 'registered' : 'deducted',
      type: d.registration.type,
      registeredOn: d.registration.since,
      practice: { odsCode: practice.ods, name: practice.name },
      usualGp: staffMember(d.usualGp),
    },
    consent: { recordSharing: patient.consent.dissent ? 'dissented' : 'consented' },
    flags: { sensitive: d.sensitive },
  };
}

export function renderSearchResult(patients: readonly SyntheticPatient[], practice: Practice): Json {
  return { total: patients.length, results: patients.map((p) => renderPatient(p, practice)) };
}

function entryBase(item: ItemBase, type: string): Json {
  return {
    entryId: item.id,
    type,
    readCode: readCode(item.concept),
    text: item.term,
    date: vendorDate(item.date),
    privacyLevel: privacy(item.confidential),
  };
}

function allergyEntry(a: Allergy): Json {
  return compact({
    ...entryBase(a, 'allergy'),
    allergyType: a.category === 'drug' ? 'drug' : 'nonDrug',
    status: a.status,
    reactions: a.reaction ? [compact({ description: a.reaction, severity: a.severity })] : [],
    resolution:
      a.status === 'resolved'
        ? compact({ date: a.endDate ? vendorDate(a.endDate) : undefined, reason: a.endReason })
        : undefined,
  });
}

function medicationEntry(m: Medication): Json {
  return compact({
    ...entryBase(m, 'medication'),
    prescriptionType: m.type,
    status: MEDICATION_STATUS[m.status],
    dosage: m.dosage,
    quantity: { value: m.quantity.value, units: m.quantity.unit },
    prescriber: { userId: m.prescriberSdsUserId },
    endDate: m.endDate ? vendorDate(m.endDate) : undefined,
    maxIssues: m.maxIssues,
    issues: m.issues.map((issue) => ({
      issueId: issue.id,
      date: vendorDate(issue.date),
      quantity: { value: issue.quantity.value, units: issue.quantity.unit },
      durationDays: issue.daysSupply,
    })),
  });
}

function problemEntry(p: Problem): Json {
  return compact({
    ...entryBase(p, 'problem'),
    status: p.status === 'active' ? 'active' : 'past',
    significance: p.significance,
    endDate: p.endDate ? vendorDate(p.endDate) : undefined,
    linked: { events: p.consultationIds, entries: p.linkedItemIds },
  });
}

function observationEntry(o: Observation): Json {
  return compact({
    ...entryBase(o, 'observation'),
    value: o.value ? { value: o.value.value, units: o.value.unit } : undefined,
    comment: o.comment,
  });
}

function immunisationEntry(i: Immunisation): Json {
  return compact({
    ...entryBase(i, 'immunisation'),
    given: i.given,
    reasonNotGiven: i.notGivenReason,
    doseNumber: i.doseSequence,
    batchNumber: i.batch,
    site: i.site,
  });
}

function investigationEntry(t: TestResult): Json {
  return compact({
    ...entryBase(t, 'investigation'),
    status: t.status,
    laboratory: t.laboratory,
    comment: t.filingComment,
    results: t.results.map((r) => ({
      resultId: r.id,
      readCode: readCode(r.concept),
      text: r.term,
      value: { value: r.value.value, units: r.value.unit },
      range: { low: r.referenceRange.low, high: r.referenceRange.high, units: r.value.unit },
      abnormalFlag: ABNORMAL_FLAG[r.interpretation],
    })),
  });
}

function referralEntry(f: Referral): Json {
  return {
    ...entryBase(f, 'referral'),
    specialty: f.specialty,
    urgency: URGENCY[f.priority],
    status: f.status,
    reason: f.reason,
    recipient: { name: f.recipient },
  };
}

function attachmentEntry(d: DocumentItem): Json {
  return {
    ...entryBase(d, 'attachment'),
    title: d.title,
    mimeType: d.contentType,
    sizeBytes: d.size,
    documentId: d.id,
    href: `/api/v2/documents/${d.id}`,
    author: { userId: d.authorSdsUserId },
  };
}

/** One journal event, ready to serve. */
export type JournalEvent = Json & { readonly eventId: string; readonly date: VendorDate };

/**
 * The patient's journal: one event per consultation, holding the entries recorded in it in the order entered, and
 * one `dataEntry` event per item recorded outside a consultation. Oldest first, ties broken by id, so paging is
 * stable. Confidential items are marked (`privacyLevel`), not removed.
 */
export function journalEvents(patient: SyntheticPatient): JournalEvent[] {
  const r = patient.record;
  const entries = new Map<string, Json>();
  const standalone: { item: ItemBase; entry: Json }[] = [];
  const add = (item: ItemBase, entry: Json) => {
    entries.set(item.id, entry);
    if (item.consultationId === undefined) standalone.push({ item, entry });
  };
  for (const a of r.allergies) add(a, allergyEntry(a));
  for (const m of r.medications) add(m, medicationEntry(m));
  for (const p of r.problems) add(p, problemEntry(p));
  for (const o of r.observations) add(o, observationEntry(o));
  for (const i of r.immunisations) add(i, immunisationEntry(i));
  for (const t of r.testResults) add(t, investigationEntry(t));
  for (const f of r.referrals) add(f, referralEntry(f));
  for (const d of r.documents) add(d, attachmentEntry(d));

  const consultation = (c: Consultation): JournalEvent => ({
    eventId: c.id,
    eventType: 'consultation',
    date: ukDateTime(c.date),
    ...compact({
      consultationType: c.type,
      clinician: { userId: c.clinicianSdsUserId },
      location: c.location,
      narrative: c.narrative,
      privacyLevel: privacy(c.confidential),
      entries: c.itemIds.map((id) => entries.get(id)).filter((e) => e !== undefined),
    }),
  });
  const dataEntry = ({ item, entry }: { item: ItemBase; entry: Json }): JournalEvent => ({
    eventId: `de-${item.id}`,
    eventType: 'dataEntry',
    date: vendorDate(item.date),
    privacyLevel: privacy(item.confidential),
    entries: [entry],
  });

  return [...r.consultations.map(consultation), ...standalone.map(dataEntry)].sort((a, b) =>
    a.date.value < b.date.value
      ? -1
      : a.date.value > b.date.value
        ? 1
        : a.eventId < b.eventId
          ? -1
          : a.eventId > b.eventId
            ? 1
            : 0,
  );
}

export interface JournalPage {
  readonly events: readonly JournalEvent[];
  readonly total: number;
  readonly next: string | null;
}

/** One page of the journal, with the practice and staff directory every page repeats so each stands alone. */
export function renderJournalPage(
  subject: { readonly id: string; readonly nhsNumber: string },
  practice: Practice,
  page: JournalPage,
  extractedAt: string,
  otherStaff: readonly Json[] = [],
): Json {
  const own = practice.clinicians.map(staffMember);
  const known = new Set(own.map((m) => m.userId));
  return {
    patientId: subject.id,
    nhsNumber: subject.nhsNumber,
    codeScheme: 'CTV3',
    extractedAt,
    practice: practiceSummary(practice),
    // Clinicians of a transferred-in record (its old practice) are listed after the practice's own staff.
    staff: [...own, ...otherStaff.filter((m) => !known.has(m.userId as string))],
    totalEvents: page.total,
    events: page.events,
    next: page.next,
  };
}

/** Errors in the API's own shape, so a client can tell the system's answers from a proxy's. */
export function renderError(status: number, code: string, message: string): Json {
  return { error: { status, code, message } };
}

export function renderHealth(ods: string, patients: number): Json {
  return { status: 'UP', apiVersion: '2.4.1', practice: { odsCode: ods }, patients };
}
