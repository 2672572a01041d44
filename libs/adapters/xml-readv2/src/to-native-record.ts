/**
 * Translates a delivered canonical record into P10001's `<IncomingRecord>`: the system's own XML vocabulary (as its
 * read endpoints serve it), codes as the record carries them. Items coded in Read v2 are filed as they are; the
 * system files any other code as transfer-degraded with its text. Each item names the canonical resources it stands
 * for (`sourceRefs`), so the system's receipt can be turned back into a per-item integration note.
 */
import { EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { NativeXmlWriter } from './native-writer.js';
import { writeMedications } from './to-native-medications.js';
import {
  hasNativeId,
  itemAttributes,
  partialDate,
  sourceRef,
  termOf,
  ToNativeContext,
  ukLocalMinute,
  writeCoded,
} from './to-native-support.js';
import type {
  AttachmentSource,
  IntegrationItem,
  IntegrationMode,
  TransferredPatientStatus,
} from '@lloyd/adapters-core';

const SEX: Record<string, string> = { male: 'M', female: 'F', other: 'I', unknown: 'U' };
const PRIORITY: Record<string, string> = {
  routine: 'routine',
  urgent: 'urgent',
  asap: 'two-week-wait',
  stat: 'urgent',
};
const INTERPRETATION: Record<string, string> = { L: 'low', LL: 'low', H: 'high', HH: 'high', N: 'normal' };

export interface NativeDelivery {
  readonly xml: string;
  /** Resources the system has no place for, reported as not integrated. */
  readonly notIntegrated: readonly IntegrationItem[];
}

const ofType = <T extends fhir4.Resource>(resources: fhir4.Resource[], type: T['resourceType']) =>
  resources.filter((r): r is T => r.resourceType === type);

export function toNativeDelivery(
  record: CanonicalRecord,
  attachments: readonly AttachmentSource[],
  fromOds: string,
  mode: IntegrationMode,
  status: TransferredPatientStatus,
): NativeDelivery {
  const ctx = new ToNativeContext(record);
  const usable = record.resources.filter(hasNativeId);
  const placed = new Set<string>();
  const place = <T extends fhir4.Resource>(r: T) => (placed.add(sourceRef(r)), r);
  const w = new NativeXmlWriter();
  w.start('IncomingRecord', { from: fromOds, mode });
  writePatient(w, record.patient, status);
  w.start('ClinicalRecord', { codeScheme: 'READ2' });

  w.start('Allergies');
  for (const a of ofType<fhir4.AllergyIntolerance>(usable, 'AllergyIntolerance').map(place)) {
    const ended = a.extension?.find((e) => e.url === EXTENSIONS.allergyEnd)?.extension;
    const status = a.clinicalStatus?.coding?.[0]?.code;
    const reaction = a.reaction?.[0];
    w.start('Allergy', {
      ...itemAttributes(ctx, a, a.onsetDateTime ?? a.recordedDate, a.encounter),
      category: a.category?.includes('medication') ? 'drug' : 'non-drug',
      status: status === 'resolved' || status === 'inactive' ? 'resolved' : 'active',
    });
    writeCoded(w, a.code);
    const manifestation = reaction?.manifestation?.[0];
    w.text('Reaction', reaction?.description ?? termOf(manifestation), { severity: reaction?.severity });
    if (ended) {
      const end = (url: string) => ended.find((e) => e.url === url);
      w.element('Ended', { date: partialDate(end('endDate')?.valueDateTime), reason: end('reasonEnded')?.valueString });
    }
    w.end();
  }
  w.end();

  w.start('Problems');
  for (const p of ofType<fhir4.Condition>(usable, 'Condition').map(place)) {
    const significance = p.extension?.find((e) => e.url === EXTENSIONS.problemSignificance)?.valueCode;
    w.start('Problem', {
      ...itemAttributes(ctx, p, p.onsetDateTime ?? p.recordedDate, p.encounter),
      status: p.clinicalStatus?.coding?.[0]?.code === 'active' ? 'active' : 'inactive',
      significance: significance === 'major' ? 'major' : 'minor',
      endDate: partialDate(p.abatementDateTime),
    });
    writeCoded(w, p.code);
    for (const e of p.extension ?? []) {
      const ref = e.url === EXTENSIONS.relatedClinicalContent ? e.valueReference?.reference : undefined;
      const [type, id] = ref?.split('/') ?? [];
      if (id) w.element('Link', { type: type === 'Encounter' ? 'consultation' : 'item', ref: id });
    }
    w.end();
  }
  w.end();

  writeMedications(ctx, w, usable).forEach((ref) => placed.add(ref));

  w.start('Consultations');
  const encounterOf = (r: fhir4.Resource) => {
    const item = r as { encounter?: fhir4.Reference; context?: { reference?: string; encounter?: fhir4.Reference[] } };
    const context = item.context;
    return item.encounter?.reference ?? context?.reference ?? context?.encounter?.[0]?.reference;
  };
  for (const c of ofType<fhir4.Encounter>(usable, 'Encounter').map(place)) {
    const narrative = c.text?.div ? stripXhtml(c.text.div) : undefined;
    const clinician = ctx.sdsUserId(c.participant?.[0]?.individual);
    w.start('Consultation', {
      id: c.id,
      date: ukLocalMinute(c.period?.start) ?? `${partialDate(record.patient.birthDate) ?? '1900-01-01'}T00:00`,
      type: c.type?.[0]?.text ?? termOf(c.type?.[0]) ?? 'Surgery consultation',
      confidential: itemAttributes(ctx, c, undefined, undefined).confidential,
      sourceRefs: sourceRef(c),
    });
    if (clinician) w.element('Clinician', { sdsUserId: clinician });
    w.text('Location', c.location?.[0]?.location.display);
    w.text('Narrative', narrative);
    for (const r of usable) if (encounterOf(r) === `Encounter/${c.id}`) w.element('Entry', { ref: r.id });
    w.end();
  }
  w.end();

  const reports = ofType<fhir4.DiagnosticReport>(usable, 'DiagnosticReport');
  const inReport = new Set(reports.flatMap((r) => (r.result ?? []).map((ref) => ref.reference)));
  w.start('Observations');
  for (const o of ofType<fhir4.Observation>(usable, 'Observation')) {
    if (inReport.has(sourceRef(o))) continue;
    place(o);
    w.start(
      'Observation',
      itemAttributes(ctx, o, o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued, o.encounter),
    );
    writeCoded(w, o.code);
    if (o.valueQuantity?.value !== undefined)
      w.element('Value', { value: o.valueQuantity.value, unit: o.valueQuantity.unit ?? o.valueQuantity.code ?? '' });
    w.text('Comment', observationComment(o));
    w.end();
  }
  w.end();

  w.start('Immunisations');
  for (const i of ofType<fhir4.Immunization>(usable, 'Immunization').map(place)) {
    const dose = i.protocolApplied?.[0]?.doseNumberPositiveInt;
    w.start('Immunisation', {
      ...itemAttributes(ctx, i, i.occurrenceDateTime ?? i.recorded, i.encounter),
      given: i.status !== 'not-done',
      sequence: dose,
    });
    writeCoded(w, i.vaccineCode);
    w.text('NotGivenReason', termOf(i.statusReason));
    w.text('Batch', i.lotNumber);
    w.text('Site', termOf(i.site));
    w.end();
  }
  w.end();

  w.start('TestResults');
  for (const report of reports.map(place)) {
    const results = (report.result ?? [])
      .map((ref) => ctx.resolve<fhir4.Observation>(ref, 'Observation'))
      .filter((o): o is fhir4.Observation => o !== undefined && hasNativeId(o));
    results.forEach(place);
    w.start('TestResult', {
      ...itemAttributes(
        ctx,
        report,
        report.effectiveDateTime ?? report.effectivePeriod?.start ?? report.issued,
        report.encounter,
      ),
      status: 'final',
    });
    writeCoded(w, report.code);
    w.text('Laboratory', report.performer?.[0]?.display);
    for (const o of results) {
      const range = o.referenceRange?.[0];
      w.start('Result', {
        id: o.id,
        interpretation: INTERPRETATION[o.interpretation?.[0]?.coding?.[0]?.code ?? ''],
        sourceRefs: sourceRef(o),
      });
      writeCoded(w, o.code);
      const value = o.valueQuantity;
      w.element('Value', { value: value?.value ?? 0, unit: value?.unit ?? value?.code ?? '' });
      if (range)
        w.element('Range', {
          low: range.low?.value,
          high: range.high?.value,
          unit: range.low?.unit ?? range.high?.unit,
        });
      w.end();
    }
    w.text('FilingComment', report.conclusion);
    w.end();
  }
  w.end();

  w.start('Referrals');
  for (const f of ofType<fhir4.ServiceRequest>(usable, 'ServiceRequest').map(place)) {
    w.start('Referral', {
      ...itemAttributes(ctx, f, f.authoredOn ?? f.occurrenceDateTime, f.encounter),
      priority: PRIORITY[f.priority ?? 'routine'] ?? 'routine',
      status: f.status === 'completed' ? 'completed' : 'sent',
      specialty: termOf(f.performerType),
    });
    writeCoded(w, f.code);
    w.text('Reason', termOf(f.reasonCode?.[0]));
    w.text('Recipient', f.performer?.[0]?.display);
    w.end();
  }
  w.end();

  w.start('Documents');
  const byId = new Map(attachments.map((a) => [a.id, a]));
  const announced = new Set<string>();
  for (const d of ofType<fhir4.DocumentReference>(usable, 'DocumentReference').map(place)) {
    const content = d.content[0]?.attachment;
    const source = byId.get(d.id!);
    if (source) announced.add(source.id);
    w.start('Document', {
      ...itemAttributes(ctx, d, d.date ?? content?.creation ?? d.context?.period?.start, d.context?.encounter?.[0]),
      contentType: source?.contentType ?? content?.contentType ?? 'application/octet-stream',
      size: source ? source.length : content?.size,
      attachment: source?.id,
    });
    writeCoded(w, d.type);
    w.text('Title', d.description ?? content?.title);
    const author = ctx.sdsUserId(d.author?.[0]);
    if (author) w.element('Author', { sdsUserId: author });
    w.end();
  }
  // An attachment with no document of its own is filed as a document, titled by its file name.
  for (const a of attachments.filter((x) => !announced.has(x.id))) {
    w.start('Document', {
      id: a.id,
      date: partialDate(new Date().toISOString()),
      confidential: false,
      contentType: a.contentType,
      size: a.length,
      attachment: a.id,
      sourceRefs: a.id,
    });
    w.text('Term', a.filename);
    w.text('Title', a.filename);
    w.end();
  }
  w.end();

  w.end().end();
  const notIntegrated = record.resources
    .filter((r) => !placed.has(sourceRef(r)))
    .map((r): IntegrationItem => ({
      sourceId: sourceRef(r),
      outcome: 'not-integrated',
      note: hasNativeId(r)
        ? `the receiving system has no place for a ${r.resourceType} outside the items it belongs to`
        : 'the item id cannot be kept by the receiving system',
    }));
  return { xml: w.toString(), notIntegrated };
}

/** The patient, with the sharing status the system keeps on a patient (as its own patient answers carry it). */
function writePatient(w: NativeXmlWriter, patient: fhir4.Patient, status: TransferredPatientStatus): void {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const address = patient.address?.find((a) => a.use === 'home') ?? patient.address?.[0];
  const nhsNumber = patient.identifier?.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')?.value;
  w.start('Patient', { nhsNumber });
  w.start('Demographics');
  w.start('Name').text('Title', name?.prefix?.[0]);
  for (const given of name?.given ?? []) w.text('Given', given);
  w.text('Family', name?.family).end();
  w.text('Sex', SEX[patient.gender ?? 'unknown']);
  w.text('DateOfBirth', patient.birthDate);
  w.text('DateOfDeath', partialDate(patient.deceasedDateTime));
  w.start('Address');
  for (const line of address?.line ?? []) w.text('Line', line);
  w.text('Town', address?.city).text('Postcode', address?.postalCode).end();
  w.text('Telephone', patient.telecom?.find((t) => t.system === 'phone')?.value, { use: 'home' });
  w.end();
  w.element('Consent', { dissent: status.dissent });
  w.element('Flags', { sensitive: status.sensitive });
  w.end();
}

function observationComment(o: fhir4.Observation): string | undefined {
  const parts = [
    o.valueString,
    termOf(o.valueCodeableConcept),
    ...(o.component ?? []).map((c) => {
      const v = c.valueQuantity;
      return `${termOf(c.code) ?? 'component'}: ${v?.value ?? c.valueString ?? ''}${v?.unit ? ` ${v.unit}` : ''}`;
    }),
    ...(o.note ?? []).map((n) => n.text),
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function stripXhtml(div: string): string {
  return div
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}
