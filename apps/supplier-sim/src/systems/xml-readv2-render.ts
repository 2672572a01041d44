/**
 * P10001's native vocabulary: XML over REST, every clinical item coded in Read v2 (5-character code plus its
 * term). The vocabulary is the simulator's own invention, neither FHIR nor HL7 V3, as a vendor's would be.
 */
import type { Clinician, Gender, ItemBase, Practice, SyntheticPatient } from '../generator/model.js';
import { catalogueCode, type CodeOf } from './xml-readv2-transfer-store.js';
import { XmlWriter } from './xml-writer.js';

const SEX: Record<Gender, string> = { male: 'M', female: 'F', other: 'I', unknown: 'U' };

export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

function writeCode(w: XmlWriter, key: string, codeOf: CodeOf): void {
  const code = codeOf(key);
  w.element('Code', { scheme: code.scheme, code: code.code, term: code.term });
  // A transfer-degraded item keeps the code it arrived with beside the degraded code, as GP2GP asks.
  if (code.original) w.element('OriginalCode', code.original);
}

/** The attributes and children every clinical item carries. */
function itemAttributes(item: ItemBase) {
  return { id: item.id, date: item.date, confidential: item.confidential, consultation: item.consultationId };
}

function writeItemBody(w: XmlWriter, item: ItemBase, codeOf: CodeOf): void {
  writeCode(w, item.concept, codeOf);
  w.text('Term', item.term);
}

function clinicianAttributes(clinician: Clinician | undefined, sdsUserId: string) {
  return {
    sdsUserId,
    title: clinician?.name.title,
    given: clinician?.name.given.join(' '),
    family: clinician?.name.family,
    role: clinician?.role,
  };
}

function writePatientElement(w: XmlWriter, patient: SyntheticPatient, practice: Practice): void {
  const d = patient.demographics;
  w.start('Patient', { nhsNumber: d.nhsNumber, id: patient.sourceId });
  w.start('Demographics');
  w.start('Name').text('Title', d.name.title);
  for (const given of d.name.given) w.text('Given', given);
  w.text('Family', d.name.family).end();
  w.text('Sex', SEX[d.gender]);
  w.text('DateOfBirth', d.birthDate);
  w.text('DateOfDeath', d.deceasedDate);
  w.start('Address');
  for (const line of d.address.lines) w.text('Line', line);
  w.text('Town', d.address.town).text('Postcode', d.address.postcode).end();
  w.text('Telephone', d.phone, { use: 'home' });
  w.end();
  w.start('Registration', { status: d.registration.status, type: d.registration.type, since: d.registration.since });
  w.start('Practice', { ods: practice.ods, name: practice.name });
  w.start('Address');
  for (const line of practice.address.lines) w.text('Line', line);
  w.text('Town', practice.address.town).text('Postcode', practice.address.postcode).end();
  w.text('Telephone', practice.phone);
  w.end();
  w.element('UsualGP', clinicianAttributes(d.usualGp, d.usualGp.sdsUserId));
  w.end();
  w.element('Consent', { dissent: patient.consent.dissent });
  w.element('Flags', { sensitive: d.sensitive });
  w.end();
}

/** `GET /patients/{nhsNumber}`: one `<Patient>` document. */
export function renderPatient(patient: SyntheticPatient, practice: Practice): string {
  const w = new XmlWriter();
  writePatientElement(w, patient, practice);
  return w.toString();
}

/** `GET /patients?nhsNumber=N`: a `<PatientSearchResult>` with zero or more `<Patient>` elements. */
export function renderSearchResult(patients: readonly SyntheticPatient[], practice: Practice): string {
  const w = new XmlWriter();
  w.start('PatientSearchResult', { count: patients.length });
  for (const patient of patients) writePatientElement(w, patient, practice);
  w.end();
  return w.toString();
}

/** `GET /patients/{nhsNumber}/record`: the whole clinical record, with confidential items marked, not removed. */
export function renderRecord(
  patient: SyntheticPatient,
  practice: Practice,
  extractedAt: string,
  codeOf: CodeOf = catalogueCode,
): string {
  const r = patient.record;
  const clinicians = new Map(practice.clinicians.map((c) => [c.sdsUserId, c]));
  const w = new XmlWriter();
  w.start('ClinicalRecord', {
    nhsNumber: patient.demographics.nhsNumber,
    patientId: patient.sourceId,
    practice: practice.ods,
    extracted: extractedAt,
    codeScheme: 'READ2',
  });

  w.start('Allergies');
  for (const a of r.allergies) {
    w.start('Allergy', { ...itemAttributes(a), category: a.category, status: a.status });
    writeItemBody(w, a, codeOf);
    w.text('Reaction', a.reaction, { severity: a.severity });
    if (a.status === 'resolved') w.element('Ended', { date: a.endDate, reason: a.endReason });
    w.end();
  }
  w.end();

  w.start('Problems');
  for (const p of r.problems) {
    w.start('Problem', { ...itemAttributes(p), status: p.status, significance: p.significance, endDate: p.endDate });
    writeItemBody(w, p, codeOf);
    for (const id of p.consultationIds) w.element('Link', { type: 'consultation', ref: id });
    for (const id of p.linkedItemIds) w.element('Link', { type: 'item', ref: id });
    w.end();
  }
  w.end();

  w.start('Medications');
  for (const m of r.medications) {
    w.start('Medication', {
      ...itemAttributes(m),
      type: m.type,
      status: m.status,
      endDate: m.endDate,
      maxIssues: m.maxIssues,
    });
    writeItemBody(w, m, codeOf);
    w.text('Dosage', m.dosage);
    w.element('Quantity', { value: m.quantity.value, unit: m.quantity.unit });
    w.element('Prescriber', clinicianAttributes(clinicians.get(m.prescriberSdsUserId), m.prescriberSdsUserId));
    for (const issue of m.issues) {
      w.element('Issue', {
        id: issue.id,
        date: issue.date,
        quantity: issue.quantity.value,
        unit: issue.quantity.unit,
        days: issue.daysSupply,
      });
    }
    w.end();
  }
  w.end();

  w.start('Consultations');
  for (const c of r.consultations) {
    w.start('Consultation', { id: c.id, date: c.date, type: c.type, confidential: c.confidential });
    w.element('Clinician', clinicianAttributes(clinicians.get(c.clinicianSdsUserId), c.clinicianSdsUserId));
    w.text('Location', c.location);
    w.text('Narrative', c.narrative);
    for (const id of c.itemIds) w.element('Entry', { ref: id });
    w.end();
  }
  w.end();

  w.start('Observations');
  for (const o of r.observations) {
    w.start('Observation', itemAttributes(o));
    writeItemBody(w, o, codeOf);
    if (o.value) w.element('Value', { value: o.value.value, unit: o.value.unit });
    w.text('Comment', o.comment);
    w.end();
  }
  w.end();

  w.start('Immunisations');
  for (const i of r.immunisations) {
    w.start('Immunisation', { ...itemAttributes(i), given: i.given, sequence: i.doseSequence });
    writeItemBody(w, i, codeOf);
    w.text('NotGivenReason', i.notGivenReason);
    w.text('Batch', i.batch);
    w.text('Site', i.site);
    w.end();
  }
  w.end();

  w.start('TestResults');
  for (const t of r.testResults) {
    w.start('TestResult', { ...itemAttributes(t), status: t.status });
    writeItemBody(w, t, codeOf);
    w.text('Laboratory', t.laboratory);
    for (const v of t.results) {
      w.start('Result', { id: v.id, interpretation: v.interpretation });
      writeCode(w, v.concept, codeOf);
      w.text('Term', v.term);
      w.element('Value', { value: v.value.value, unit: v.value.unit });
      w.element('Range', { low: v.referenceRange.low, high: v.referenceRange.high, unit: v.value.unit });
      w.end();
    }
    w.text('FilingComment', t.filingComment);
    w.end();
  }
  w.end();

  w.start('Referrals');
  for (const f of r.referrals) {
    w.start('Referral', { ...itemAttributes(f), priority: f.priority, status: f.status, specialty: f.specialty });
    writeItemBody(w, f, codeOf);
    w.text('Reason', f.reason);
    w.text('Recipient', f.recipient);
    w.end();
  }
  w.end();

  w.start('Documents');
  for (const doc of r.documents) {
    w.start('Document', {
      ...itemAttributes(doc),
      contentType: doc.contentType,
      size: doc.size,
      href: `/documents/${doc.id}`,
    });
    writeItemBody(w, doc, codeOf);
    w.text('Title', doc.title);
    w.element('Author', clinicianAttributes(clinicians.get(doc.authorSdsUserId), doc.authorSdsUserId));
    w.end();
  }
  w.end();

  w.end();
  return w.toString();
}

/** Errors in the same vocabulary, so a client can tell the system's own answers from a proxy's. */
export function renderError(status: number, code: string, message: string): string {
  return new XmlWriter().element('Error', { status, code }, message).toString();
}

export function renderHealth(ods: string, patients: number): string {
  return new XmlWriter().element('Health', { status: 'ok', practice: ods, patients }).toString();
}
