/**
 * Translates a delivered canonical record into P20002's transfer document: demographics, the clinicians the record
 * names, and journal events (one per consultation, one `dataEntry` per item recorded outside one) holding entries in
 * the vendor's shapes, the reverse of `record/map-*.ts`. Codes: a CTV3 coding is the entry's `readCode`, and so is a
 * Read v2 one (CTV3 includes the Read v2 codes); a local code of this very practice stays local; anything else
 * (SNOMED CT alone, another practice's local code) has no place in a CTV3 system, so the entry goes without a
 * `readCode`, with its text and original codes, and the system files it degraded. Resources the vendor's journal cannot hold are reported not integrated rather than silently dropped.
 */
import { createHash } from 'node:crypto';
import { CODE_SYSTEMS, EXTENSIONS, type CanonicalRecord } from '@lloyd/adapters-core';
import { NHS_NUMBER_SYSTEM, SDS_USER_SYSTEM, hasConfidentialityLabel } from '@lloyd/fhir';
import { compact } from '@lloyd/adapters-core';
import type { IntegrationItem, TransferredPatientStatus } from '@lloyd/adapters-core';

type Json = Record<string, unknown>;

/** The transfer document, and which canonical resources each native event, entry and result carries. */
export interface NativeTransfer {
  readonly document: Json;
  /** `event:<id>`, `entry:<id>`, `result:<id>` → the canonical `<ResourceType>/<id>` they came from. */
  readonly sources: ReadonlyMap<string, readonly string[]>;
  /** Resources with no place in the journal. */
  readonly notIntegrated: readonly IntegrationItem[];
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const SEX: Record<string, string> = { male: 'male', female: 'female', other: 'indeterminate', unknown: 'notKnown' };
const CONTACT: Record<string, string> = { home: 'homePhone', work: 'workPhone', mobile: 'mobilePhone' };
const FLAGS = new Set(['N', 'L', 'H', 'LL', 'HH', 'A']);
const PRESCRIPTION_TYPE: Record<string, string> = {
  acute: 'acute',
  repeat: 'repeat',
  'repeat-dispensing': 'repeatDispensing',
};

/** The document id the vendor files an attachment under: its own id when the vendor's id rules allow it. */
export function documentIdOf(attachmentId: string): string {
  return ID.test(attachmentId)
    ? attachmentId
    : `d-${createHash('sha256').update(attachmentId).digest('hex').slice(0, 32)}`;
}

const key = (r: fhir4.Resource) => `${r.resourceType}/${r.id ?? ''}`;
const refId = (ref: fhir4.Reference | undefined, type: string): string | undefined => {
  const prefix = `${type}/`;
  return ref?.reference?.startsWith(prefix) ? ref.reference.slice(prefix.length) : undefined;
};

/** A partial date, a date or a dateTime as the vendor's `{ value, precision }`. */
export function vendorDate(value: string | undefined): Json | undefined {
  if (!value) return undefined;
  if (/^\d{4}$/.test(value)) return { value, precision: 'year' };
  if (/^\d{4}-\d{2}$/.test(value)) return { value, precision: 'month' };
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { value, precision: 'day' };
  // The vendor keeps times with their offset only; one without is kept to the day.
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return { value, precision: 'minute' };
  return { value: value.slice(0, 10), precision: 'day' };
}

function plainText(div: string | undefined): string | undefined {
  if (!div) return undefined;
  const text = div
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
  return text || undefined;
}

/** Makes native ids unique across events, entries and results (FHIR ids are only unique per type). */
class NativeIds {
  private readonly used = new Set<string>();

  take(wanted: string): string {
    let id = ID.test(wanted) ? wanted : this.hashed(wanted);
    for (let n = 2; this.used.has(id); n++) id = this.hashed(`${wanted}#${n}`);
    this.used.add(id);
    return id;
  }

  private hashed(text: string): string {
    return `t-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  }
}

interface Context {
  readonly ods: string;
  readonly userOf: (ref: fhir4.Reference | undefined) => Json | undefined;
}

/**
 * A Read v2 coding as the CTV3 code it also is: CTV3 includes the Read v2 codes (5 characters; a 7-character Read v2
 * code carries a 2-character term id, which is dropped). The national Read v2 → CTV3 cross-map is not applied.
 */
function readV2AsCtv3(codings: readonly fhir4.Coding[]): fhir4.Coding | undefined {
  const readV2 = codings.find(
    (c) => c.system === CODE_SYSTEMS.readv2 && /^[A-Za-z0-9.]{5}([A-Za-z0-9]{2})?$/.test(c.code ?? ''),
  );
  return readV2 ? { ...readV2, system: CODE_SYSTEMS.ctv3, code: readV2.code!.slice(0, 5) } : undefined;
}

/** The entry's code in the vendor's terms, with its text and the original codes. */
function coded(concept: fhir4.CodeableConcept | undefined, ctx: Context): Json {
  const codings = concept?.coding ?? [];
  const ctv3 = codings.find((c) => c.system === CODE_SYSTEMS.ctv3 && c.code) ?? readV2AsCtv3(codings);
  const local = codings.find((c) => c.system === `${CODE_SYSTEMS.localPrefix}${ctx.ods}` && c.code);
  const chosen = ctv3 ?? local;
  const text = concept?.text ?? codings.find((c) => c.display)?.display;
  return compact({
    readCode: chosen
      ? { scheme: ctv3 ? 'CTV3' : 'LOCAL', code: chosen.code, term: chosen.display ?? text ?? '' }
      : undefined,
    text,
    originalCodes: codings.length > 0 ? codings.map((c) => compact({ ...c })) : undefined,
  });
}

function amount(q: fhir4.Quantity | undefined): Json | undefined {
  return q?.value === undefined ? undefined : { value: q.value, units: q.unit ?? q.code ?? '' };
}

function privacy(resource: fhir4.Resource): string {
  return hasConfidentialityLabel(resource) ? 'confidential' : 'normal';
}

function allergyEntry(a: fhir4.AllergyIntolerance, ctx: Context): Json {
  const status = a.clinicalStatus?.coding?.[0]?.code;
  const resolved = status === 'resolved' || status === 'inactive';
  const end = a.extension?.find((e) => e.url === EXTENSIONS.allergyEnd)?.extension;
  const endDate = end?.find((e) => e.url === 'endDate')?.valueDateTime;
  const reason = end?.find((e) => e.url === 'reasonEnded')?.valueString;
  return compact({
    type: 'allergy',
    ...coded(a.code, ctx),
    date: vendorDate(a.recordedDate ?? a.onsetDateTime),
    allergyType: a.category?.includes('medication') ? 'drug' : 'nonDrug',
    status: resolved ? 'resolved' : 'active',
    reactions: (a.reaction ?? [])
      .map((r) =>
        compact({
          description: r.manifestation[0]?.text ?? r.manifestation[0]?.coding?.[0]?.display ?? r.description,
          severity: r.severity,
        }),
      )
      .filter((r) => typeof r.description === 'string'),
    resolution: resolved && (endDate || reason) ? compact({ date: vendorDate(endDate), reason }) : undefined,
  });
}

function problemEntry(c: fhir4.Condition, ctx: Context, link: (ref: fhir4.Reference) => Json | undefined): Json {
  const status = c.clinicalStatus?.coding?.[0]?.code;
  const significance = c.extension?.find((e) => e.url === EXTENSIONS.problemSignificance)?.valueCode;
  const related = (c.extension ?? [])
    .filter((e) => e.url === EXTENSIONS.relatedClinicalContent && e.valueReference)
    .map((e) => link(e.valueReference as fhir4.Reference))
    .filter((l) => l !== undefined);
  return compact({
    type: 'problem',
    ...coded(c.code, ctx),
    date: vendorDate(c.onsetDateTime ?? c.recordedDate),
    status: status === 'active' || status === 'recurrence' || status === 'relapse' ? 'active' : 'past',
    significance: significance === 'major' ? 'major' : 'minor',
    endDate: vendorDate(c.abatementDateTime),
    linked: {
      events: related.filter((l) => l.kind === 'event').map((l) => l.id),
      entries: related.filter((l) => l.kind === 'entry').map((l) => l.id),
    },
  });
}

function observationEntry(o: fhir4.Observation, ctx: Context): Json {
  const comment = [o.valueString, ...(o.note ?? []).map((n) => n.text)].filter(Boolean).join('\n');
  return compact({
    type: 'observation',
    ...coded(o.code, ctx),
    date: vendorDate(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued),
    value: amount(o.valueQuantity),
    comment: comment || undefined,
  });
}

function immunisationEntry(i: fhir4.Immunization, ctx: Context): Json {
  return compact({
    type: 'immunisation',
    ...coded(i.vaccineCode, ctx),
    date: vendorDate(i.occurrenceDateTime ?? i.recorded),
    given: i.status === 'completed',
    reasonNotGiven: i.statusReason?.text ?? i.statusReason?.coding?.[0]?.display,
    doseNumber: i.protocolApplied?.[0]?.doseNumberPositiveInt,
    batchNumber: i.lotNumber,
    site: i.site?.text ?? i.site?.coding?.[0]?.display,
  });
}

const REPORT_STATUS: Record<string, string> = {
  registered: 'registered',
  partial: 'preliminary',
  preliminary: 'preliminary',
  final: 'final',
  amended: 'amended',
  corrected: 'amended',
  appended: 'amended',
  cancelled: 'cancelled',
};

/** The vendor has no specimen record: what was sampled, and when, joins the report's comment. */
function specimenText(specimens: readonly fhir4.Specimen[]): string | undefined {
  const lines = specimens.map((s) => {
    const type = s.type?.text ?? s.type?.coding?.[0]?.display ?? 'specimen';
    const collected = s.collection?.collectedDateTime ?? s.receivedTime;
    return `Specimen: ${type}${collected ? `, collected ${collected}` : ''}`;
  });
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function investigationEntry(
  d: fhir4.DiagnosticReport,
  results: readonly { id: string; observation: fhir4.Observation }[],
  specimens: readonly fhir4.Specimen[],
  ctx: Context,
): Json {
  const comment = [d.conclusion, specimenText(specimens)].filter(Boolean).join('\n');
  return compact({
    type: 'investigation',
    ...coded(d.code, ctx),
    date: vendorDate(d.effectiveDateTime ?? d.effectivePeriod?.start ?? d.issued),
    status: REPORT_STATUS[d.status] ?? 'final',
    laboratory: d.performer?.[0]?.display,
    comment: comment || undefined,
    results: results.map(({ id, observation: o }) => {
      const range = o.referenceRange?.[0];
      const flag = o.interpretation?.[0]?.coding?.[0]?.code;
      return compact({
        resultId: id,
        ...coded(o.code, ctx),
        value: amount(o.valueQuantity),
        range: range
          ? compact({ low: range.low?.value, high: range.high?.value, units: range.low?.unit ?? range.high?.unit })
          : undefined,
        abnormalFlag: flag && FLAGS.has(flag) ? flag : undefined,
      });
    }),
  });
}

const REFERRAL_STATUS: Record<string, string> = {
  draft: 'draft',
  active: 'sent',
  'on-hold': 'sent',
  completed: 'completed',
  revoked: 'cancelled',
  'entered-in-error': 'cancelled',
};

function referralEntry(s: fhir4.ServiceRequest, ctx: Context): Json {
  return compact({
    type: 'referral',
    ...coded(s.code, ctx),
    date: vendorDate(s.authoredOn ?? s.occurrenceDateTime),
    specialty: s.performerType?.text ?? s.performerType?.coding?.[0]?.display,
    urgency:
      s.priority === 'asap' ? 'twoWeekWait' : s.priority === 'urgent' || s.priority === 'stat' ? 'urgent' : 'routine',
    status: REFERRAL_STATUS[s.status] ?? 'sent',
    reason: s.reasonCode?.[0]?.text ?? s.reasonCode?.[0]?.coding?.[0]?.display,
    recipient: s.performer?.[0]?.display ? { name: s.performer[0].display } : undefined,
  });
}

function attachmentEntry(d: fhir4.DocumentReference, documentId: string, ctx: Context): Json {
  const attachment = d.content[0]?.attachment;
  return compact({
    type: 'attachment',
    ...coded(d.type, ctx),
    date: vendorDate(attachment?.creation ?? d.date ?? d.context?.period?.start),
    title: attachment?.title ?? d.description,
    mimeType: attachment?.contentType ?? 'application/octet-stream',
    sizeBytes: attachment?.size,
    documentId,
    author: ctx.userOf(d.author?.[0]),
  });
}

const MEDICATION_STATUS: Record<string, string> = {
  active: 'active',
  completed: 'completed',
  stopped: 'discontinued',
  'on-hold': 'active',
  intended: 'active',
  'entered-in-error': 'discontinued',
  'not-taken': 'discontinued',
};

function medicationEntry(
  statement: fhir4.MedicationStatement | undefined,
  plan: fhir4.MedicationRequest | undefined,
  drug: fhir4.Medication | undefined,
  orders: readonly { id: string; order: fhir4.MedicationRequest }[],
  ctx: Context,
): Json {
  const type = plan?.extension?.find((e) => e.url === EXTENSIONS.prescriptionType)?.valueCode;
  const maxIssues = plan?.extension?.find((e) => e.url === EXTENSIONS.repeatInformation)?.valueUnsignedInt;
  const course = plan?.courseOfTherapyType?.coding?.[0]?.code;
  const concept = drug?.code ?? statement?.medicationCodeableConcept ?? plan?.medicationCodeableConcept;
  return compact({
    type: 'medication',
    ...coded(concept, ctx),
    date: vendorDate(statement?.effectivePeriod?.start ?? statement?.dateAsserted ?? plan?.authoredOn),
    prescriptionType: (type && PRESCRIPTION_TYPE[type]) ?? (course === 'acute' ? 'acute' : 'repeat'),
    status: MEDICATION_STATUS[statement?.status ?? plan?.status ?? ''] ?? 'completed',
    dosage: statement?.dosage?.[0]?.text ?? plan?.dosageInstruction?.[0]?.text,
    quantity: amount(plan?.dispenseRequest?.quantity),
    prescriber: ctx.userOf(plan?.requester),
    endDate: vendorDate(statement?.effectivePeriod?.end ?? plan?.dispenseRequest?.validityPeriod?.end),
    maxIssues,
    issues: orders.map(({ id, order }) =>
      compact({
        issueId: id,
        date: vendorDate(order.authoredOn ?? order.dispenseRequest?.validityPeriod?.start),
        quantity: amount(order.dispenseRequest?.quantity),
        durationDays: order.dispenseRequest?.expectedSupplyDuration?.value,
      }),
    ),
  });
}

function demographics(patient: fhir4.Patient): Json {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const address = patient.address?.[0];
  return compact({
    nhsNumber: patient.identifier?.find((i) => i.system === NHS_NUMBER_SYSTEM)?.value,
    name: compact({ title: name?.prefix?.[0], forenames: name?.given ?? [], surname: name?.family ?? '' }),
    sex: SEX[patient.gender ?? 'unknown'] ?? 'notKnown',
    dateOfBirth: patient.birthDate,
    dateOfDeath: patient.deceasedDateTime?.slice(0, 10),
    address: address
      ? compact({ lines: address.line ?? [], town: address.city, postcode: address.postalCode })
      : undefined,
    contacts: (patient.telecom ?? [])
      .filter((t) => t.system === 'phone' && t.value)
      .map((t) => ({ type: CONTACT[t.use ?? 'home'] ?? 'homePhone', value: t.value })),
  });
}

/** The encounter a resource was recorded in, by its R4 element for it. */
function encounterOf(r: fhir4.Resource): string | undefined {
  const any = r as { encounter?: fhir4.Reference; context?: fhir4.Reference | { encounter?: fhir4.Reference[] } };
  if (r.resourceType === 'MedicationStatement') return refId(any.context as fhir4.Reference | undefined, 'Encounter');
  if (r.resourceType === 'DocumentReference')
    return refId((any.context as { encounter?: fhir4.Reference[] } | undefined)?.encounter?.[0], 'Encounter');
  return refId(any.encounter, 'Encounter');
}

export function toNativeTransfer(options: {
  readonly nhsNumber: string;
  readonly fromOds: string;
  readonly ods: string;
  readonly record: CanonicalRecord;
  readonly attachments: readonly { id: string; filename: string; contentType: string; length?: number }[];
  /** Today (YYYY-MM-DD): the date of a document that travels without a description. */
  readonly receivedOn: string;
  /** The patient's dissent and S-flag, which the vendor files with the patient (`consent`, `flags`). */
  readonly patientStatus: TransferredPatientStatus;
}): NativeTransfer {
  const { record, ods } = options;
  const resources = record.resources;
  const byKey = new Map(resources.map((r) => [key(r), r]));
  const ids = new NativeIds();
  const sources = new Map<string, string[]>();
  const notIntegrated: IntegrationItem[] = [];
  const placed = new Set<string>();
  const addSource = (nativeKey: string, ...resources: (fhir4.Resource | undefined)[]) => {
    const list = sources.get(nativeKey) ?? [];
    for (const r of resources)
      if (r && !placed.has(key(r))) {
        list.push(key(r));
        placed.add(key(r));
      }
    sources.set(nativeKey, list);
  };

  // Clinicians: the record refers to them as Practitioner/<id>; the vendor by SDS user id.
  const userIds = new Map<string, string>();
  const staff = record.practitioners.map((p) => {
    const userId = p.identifier?.find((i) => i.system === SDS_USER_SYSTEM)?.value ?? p.id ?? '';
    userIds.set(p.id ?? '', userId);
    const role = record.practitionerRoles.find((r) => refId(r.practitioner, 'Practitioner') === p.id);
    const name = p.name?.[0];
    return compact({
      userId,
      title: name?.prefix?.[0],
      forenames: name?.given?.join(' ') || undefined,
      surname: name?.family,
      jobRole: role?.code?.[0]?.text ?? role?.code?.[0]?.coding?.[0]?.display,
    });
  });
  const ctx: Context = {
    ods,
    userOf: (ref) => {
      const id = refId(ref, 'Practitioner');
      const userId = id === undefined ? ref?.identifier?.value : (userIds.get(id) ?? id);
      return userId ? { userId } : undefined;
    },
  };

  // Consultations first, so entries can be placed in them and problems can link to them.
  const encounters = resources.filter((r): r is fhir4.Encounter => r.resourceType === 'Encounter');
  const eventIds = new Map<string, string>();
  for (const e of encounters) eventIds.set(e.id ?? '', ids.take(e.id ?? ''));

  // Native entry ids for every resource that becomes an entry (problems link to them before they are built).
  const entryIds = new Map<string, string>();
  const medicationGroups: {
    statement?: fhir4.MedicationStatement;
    plan?: fhir4.MedicationRequest;
    drug?: fhir4.Medication;
  }[] = [];
  const requests = resources.filter((r): r is fhir4.MedicationRequest => r.resourceType === 'MedicationRequest');
  const plans = new Map(requests.filter((r) => r.intent === 'plan').map((r) => [r.id ?? '', r]));
  const drugOf = (ref: fhir4.Reference | undefined) => {
    const id = refId(ref, 'Medication');
    return id === undefined ? undefined : (byKey.get(`Medication/${id}`) as fhir4.Medication | undefined);
  };
  const plansTaken = new Set<string>();
  for (const s of resources.filter((r): r is fhir4.MedicationStatement => r.resourceType === 'MedicationStatement')) {
    const planId = s.basedOn?.map((b) => refId(b, 'MedicationRequest')).find((id) => id && plans.has(id));
    if (planId) plansTaken.add(planId);
    const plan = planId ? plans.get(planId) : undefined;
    medicationGroups.push({ statement: s, plan, drug: drugOf(s.medicationReference ?? plan?.medicationReference) });
  }
  for (const [planId, plan] of plans)
    if (!plansTaken.has(planId)) medicationGroups.push({ plan, drug: drugOf(plan.medicationReference) });
  for (const group of medicationGroups) {
    const head = group.statement ?? group.plan;
    const entryId = ids.take(head?.id ?? '');
    for (const r of [group.statement, group.plan, group.drug]) if (r) entryIds.set(key(r), entryId);
  }

  const reports = resources.filter((r): r is fhir4.DiagnosticReport => r.resourceType === 'DiagnosticReport');
  const inReport = new Set(reports.flatMap((d) => (d.result ?? []).map((ref) => ref.reference ?? '')));
  const single = resources.filter(
    (r) =>
      [
        'AllergyIntolerance',
        'Condition',
        'Immunization',
        'DiagnosticReport',
        'ServiceRequest',
        'DocumentReference',
      ].includes(r.resourceType) ||
      (r.resourceType === 'Observation' && !inReport.has(key(r))),
  );
  for (const r of single) entryIds.set(key(r), ids.take(r.id ?? ''));

  const link = (ref: fhir4.Reference): Json | undefined => {
    const target = ref.reference ?? '';
    if (target.startsWith('Encounter/')) {
      const id = eventIds.get(target.slice('Encounter/'.length));
      return id ? { kind: 'event', id } : undefined;
    }
    const id = entryIds.get(target);
    return id ? { kind: 'entry', id } : undefined;
  };

  // Entries, each with the consultation it belongs in (or none: a data entry of its own).
  const entries: { encounter: string | undefined; entry: Json; confidential: boolean }[] = [];
  const push = (source: fhir4.Resource, entry: Json, privacyOf: fhir4.Resource = source) => {
    const entryId = entryIds.get(key(source)) ?? '';
    entries.push({
      encounter: encounterOf(source),
      entry: { entryId, ...entry, privacyLevel: privacy(privacyOf) },
      confidential: hasConfidentialityLabel(privacyOf),
    });
  };

  const orders = requests.filter((r) => r.intent !== 'plan');
  const ordersTaken = new Set<string>();
  for (const group of medicationGroups) {
    const planId = group.plan?.id;
    const issues = orders
      .filter((o) => planId !== undefined && o.basedOn?.some((b) => refId(b, 'MedicationRequest') === planId))
      .map((order) => {
        ordersTaken.add(key(order));
        return { id: ids.take(order.id ?? ''), order };
      });
    const head = (group.statement ?? group.plan) as fhir4.Resource;
    push(head, medicationEntry(group.statement, group.plan, group.drug, issues, ctx));
    addSource(
      `entry:${entryIds.get(key(head)) ?? ''}`,
      group.statement,
      group.plan,
      group.drug,
      ...issues.map((i) => i.order),
    );
  }
  for (const order of orders)
    if (!ordersTaken.has(key(order)))
      notIntegrated.push({
        sourceId: key(order),
        outcome: 'not-integrated',
        note: 'an issue without its authorisation has no place in the medication record',
      });

  for (const r of single) {
    const nativeKey = `entry:${entryIds.get(key(r)) ?? ''}`;
    switch (r.resourceType) {
      case 'AllergyIntolerance':
        push(r, allergyEntry(r as fhir4.AllergyIntolerance, ctx));
        break;
      case 'Condition':
        push(r, problemEntry(r as fhir4.Condition, ctx, link));
        break;
      case 'Observation':
        push(r, observationEntry(r as fhir4.Observation, ctx));
        break;
      case 'Immunization':
        push(r, immunisationEntry(r as fhir4.Immunization, ctx));
        break;
      case 'ServiceRequest':
        push(r, referralEntry(r as fhir4.ServiceRequest, ctx));
        break;
      case 'DocumentReference':
        push(r, attachmentEntry(r as fhir4.DocumentReference, documentIdOf(r.id ?? ''), ctx));
        break;
      case 'DiagnosticReport': {
        const report = r as fhir4.DiagnosticReport;
        const results = (report.result ?? [])
          .map((ref) => byKey.get(ref.reference ?? ''))
          .filter((o): o is fhir4.Observation => o?.resourceType === 'Observation' && !placed.has(key(o)))
          .map((observation) => ({ id: ids.take(observation.id ?? ''), observation }));
        const specimens = (report.specimen ?? [])
          .map((ref) => byKey.get(ref.reference ?? ''))
          .filter((sp): sp is fhir4.Specimen => sp?.resourceType === 'Specimen' && !placed.has(key(sp)));
        push(r, investigationEntry(report, results, specimens, ctx));
        for (const { id, observation } of results) addSource(`result:${id}`, observation);
        addSource(nativeKey, ...specimens);
        break;
      }
    }
    addSource(nativeKey, r);
  }

  // A document that travels without a DocumentReference is filed as an attachment entry of its own.
  const described = new Set(resources.filter((r) => r.resourceType === 'DocumentReference').map((r) => r.id));
  for (const a of options.attachments) {
    sources.set(`attachment:${documentIdOf(a.id)}`, [a.id]);
    if (described.has(a.id)) continue;
    const entryId = ids.take(a.id);
    entries.push({
      encounter: undefined,
      entry: {
        entryId,
        type: 'attachment',
        text: a.filename,
        date: vendorDate(options.receivedOn),
        title: a.filename,
        mimeType: a.contentType,
        documentId: documentIdOf(a.id),
        privacyLevel: 'normal',
      },
      confidential: false,
    });
  }

  // A consultation's place is a name in the vendor's journal; the Location it names travels as that name.
  const locationName = (ref: fhir4.Reference | undefined): string | undefined => {
    const location = byKey.get(ref?.reference ?? '') as fhir4.Location | undefined;
    return ref?.display ?? location?.name;
  };
  const locationsOf = (e: fhir4.Encounter) =>
    (e.location ?? []).map((l) => byKey.get(l.location.reference ?? '')).filter((l) => l?.resourceType === 'Location');

  // Events: consultations with their entries, then a data entry per item recorded outside one.
  const events: Json[] = encounters.map((e) => {
    const eventId = eventIds.get(e.id ?? '') ?? '';
    addSource(`event:${eventId}`, e, ...locationsOf(e));
    const event: Json = compact({
      eventId,
      eventType: 'consultation',
      date: vendorDate(e.period?.start) ?? { value: '1900', precision: 'year' },
      consultationType: e.type?.[0]?.text ?? e.type?.[0]?.coding?.[0]?.display,
      clinician: ctx.userOf(e.participant?.find((p) => p.individual)?.individual),
      location: locationName(e.location?.[0]?.location),
      narrative: plainText(e.text?.div),
      privacyLevel: privacy(e),
    });
    // Filled below; compact would have dropped an empty list.
    event.entries = [];
    return event;
  });
  const eventById = new Map(events.map((e) => [e.eventId as string, e]));
  for (const { encounter, entry, confidential } of entries) {
    const event = encounter === undefined ? undefined : eventById.get(eventIds.get(encounter) ?? '');
    if (event) (event.entries as Json[]).push(entry);
    else
      events.push({
        eventId: ids.take(`de-${entry.entryId as string}`),
        eventType: 'dataEntry',
        date: entry.date ?? { value: '1900', precision: 'year' },
        privacyLevel: confidential ? 'confidential' : 'normal',
        entries: [entry],
      });
  }

  for (const r of resources)
    if (!placed.has(key(r)))
      notIntegrated.push({
        sourceId: key(r),
        outcome: 'not-integrated',
        note: `the system has no place for a ${r.resourceType} in its journal`,
      });

  const unfiled = notIntegrated.filter((item, i, all) => all.findIndex((x) => x.sourceId === item.sourceId) === i);
  return {
    document: {
      nhsNumber: options.nhsNumber,
      fromOds: options.fromOds,
      patient: demographics(record.patient),
      consent: { recordSharing: options.patientStatus.dissent ? 'dissented' : 'consented' },
      flags: { sensitive: options.patientStatus.sensitive },
      staff,
      events,
      attachments: options.attachments.map((a) =>
        compact({ documentId: documentIdOf(a.id), filename: a.filename, mimeType: a.contentType, sizeBytes: a.length }),
      ),
      sourceMap: Object.fromEntries(sources),
      unfiled: unfiled.map((item) => ({ sourceId: item.sourceId, note: item.note })),
    },
    sources,
    notIntegrated: unfiled,
  };
}
