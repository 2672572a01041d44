/**
 * `$gpc.getstructuredrecord` for P40004: the STU3 `collection` Bundle of GP Connect Access Record Structured,
 * with the framing resources, each requested section and its primary List, the consultation List structure
 * (consultation → topic → heading), and secondary Lists for items pulled in by consultations and problems.
 */
import type { Clinician, Consultation, Practice, SyntheticPatient } from '../generator/model.js';
import {
  EXT,
  meta,
  ref,
  renderLocation,
  renderOrganization,
  renderPatient,
  renderPractitioner,
  renderPractitionerRole,
  SNOMED,
  type Json,
} from './fhir-stu3-common.js';
import {
  renderAllergy,
  renderDocument,
  renderEncounter,
  renderImmunisation,
  renderMedication,
  renderNarrative,
  renderObservation,
  renderProblem,
  renderReferral,
  renderTestResult,
  type ItemContext,
} from './fhir-stu3-items.js';

export const SECTIONS = [
  'allergies',
  'medications',
  'problems',
  'consultations',
  'immunisations',
  'investigations',
  'referrals',
  'uncategorised',
] as const;
export type Section = (typeof SECTIONS)[number];

/** What the consumer asked for (parsed from the Parameters, see fhir-stu3-params.ts). */
export interface RecordRequest {
  readonly sections: ReadonlySet<Section>;
  readonly includeResolvedAllergies: boolean;
  readonly includePrescriptionIssues: boolean;
  readonly includeNotGiven: boolean;
  /** Warnings for the Bundle's OperationOutcome (e.g. unknown parameters). */
  readonly warnings: readonly string[];
}

type Kind = Section | 'documents';

/** GP Connect's primary List per section: SNOMED CT code and title. */
const PRIMARY_LISTS: Record<Section | 'ended-allergies', [code: string, title: string]> = {
  allergies: ['886921000000105', 'Allergies and adverse reactions'],
  'ended-allergies': ['1103671000000101', 'Ended allergies'],
  medications: ['933361000000108', 'Medications and medical devices'],
  problems: ['717711000000103', 'Problems'],
  consultations: ['1149501000000101', 'List of consultations'],
  immunisations: ['1102181000000102', 'Immunisations'],
  investigations: ['887191000000108', 'Investigations and results'],
  referrals: ['792931000000107', 'Outbound referral'],
  uncategorised: ['826501000000100', 'Miscellaneous record'],
};

const KIND_NAMES: Record<Kind, string> = {
  allergies: 'allergies',
  medications: 'medications',
  problems: 'problems',
  consultations: 'consultations',
  immunisations: 'immunisations',
  investigations: 'investigations',
  referrals: 'outbound referrals',
  uncategorised: 'uncategorised data',
  documents: 'documents',
};

interface RenderedItem {
  readonly kind: Kind;
  /** The resource the Lists reference first, then the others that belong to it. */
  readonly resources: readonly Json[];
  /** The heading a consultation files it under. */
  readonly heading: string;
  readonly consultationId: string | undefined;
  /** Included by its section (filters of the request applied). */
  readonly wanted: boolean;
  /** Items this one pulls in (a problem's linked items and consultations). */
  readonly links: readonly string[];
}

function primaryReference(item: RenderedItem): Json {
  const first = item.resources[0] ?? {};
  return ref(String(first['resourceType']), String(first['id']));
}

/** Renders every item of the record, keyed by model id. */
function renderItems(patient: SyntheticPatient, req: RecordRequest, ctx: ItemContext): Map<string, RenderedItem> {
  const r = patient.record;
  const items = new Map<string, RenderedItem>();
  const add = (id: string, item: Omit<RenderedItem, 'links'> & { links?: readonly string[] }) =>
    items.set(id, { links: [], ...item });
  const wants = (s: Section) => req.sections.has(s);
  for (const a of r.allergies) {
    add(a.id, {
      kind: 'allergies',
      resources: [renderAllergy(a, ctx)],
      heading: 'Allergy',
      consultationId: a.consultationId,
      wanted: wants('allergies') && (a.status === 'active' || req.includeResolvedAllergies),
    });
  }
  for (const m of r.medications) {
    const [statement, plan, ...rest] = renderMedication(m, ctx, req.includePrescriptionIssues);
    add(m.id, {
      kind: 'medications',
      resources: [statement ?? {}, plan ?? {}, ...rest],
      heading: 'Medication',
      consultationId: m.consultationId,
      wanted: wants('medications'),
    });
  }
  for (const p of r.problems) {
    add(p.id, {
      kind: 'problems',
      resources: [renderProblem(p, ctx)],
      heading: 'Problem',
      consultationId: p.consultationId,
      wanted: wants('problems'),
      links: [...p.consultationIds, ...p.linkedItemIds],
    });
  }
  for (const c of r.consultations) {
    const narrative = renderNarrative(c, ctx);
    add(c.id, {
      kind: 'consultations',
      resources: [renderEncounter(c, ctx), ...(narrative ? [narrative] : [])],
      heading: 'Consultation',
      consultationId: undefined,
      wanted: wants('consultations'),
      links: c.itemIds,
    });
  }
  for (const o of r.observations) {
    add(o.id, {
      kind: 'uncategorised',
      resources: [renderObservation(o, ctx)],
      heading: o.value ? 'Examination' : 'History',
      consultationId: o.consultationId,
      wanted: wants('uncategorised'),
    });
  }
  for (const i of r.immunisations) {
    add(i.id, {
      kind: 'immunisations',
      resources: [renderImmunisation(i, ctx)],
      heading: 'Immunisation',
      consultationId: i.consultationId,
      wanted: wants('immunisations') && (i.given || req.includeNotGiven),
    });
  }
  for (const t of r.testResults) {
    add(t.id, {
      kind: 'investigations',
      resources: renderTestResult(t, ctx),
      heading: 'Lab Results',
      consultationId: t.consultationId,
      wanted: wants('investigations'),
    });
  }
  for (const f of r.referrals) {
    add(f.id, {
      kind: 'referrals',
      resources: [renderReferral(f, ctx)],
      heading: 'Referral',
      consultationId: f.consultationId,
      wanted: wants('referrals'),
    });
  }
  for (const d of r.documents) {
    add(d.id, {
      kind: 'documents',
      resources: [renderDocument(d, ctx)],
      heading: 'Document',
      consultationId: d.consultationId,
      wanted: false,
    });
  }
  return items;
}

/**
 * The items in the Bundle: those of the requested sections, plus what consultations contain and what problems
 * link to (with the route that pulled each extra one in, for the secondary Lists).
 */
function includedItems(items: ReadonlyMap<string, RenderedItem>): Map<string, 'consultations' | 'problems' | null> {
  const included = new Map<string, 'consultations' | 'problems' | null>();
  const queue: string[] = [];
  for (const [id, item] of items) {
    if (item.wanted) {
      included.set(id, null);
      queue.push(id);
    }
  }
  while (queue.length > 0) {
    const id = queue.shift() ?? '';
    const item = items.get(id);
    if (!item || (item.kind !== 'consultations' && item.kind !== 'problems')) continue;
    for (const linked of item.links) {
      if (included.has(linked) || !items.has(linked)) continue;
      included.set(linked, item.kind);
      queue.push(linked);
    }
  }
  return included;
}

function list(
  title: string,
  code: Json,
  ctx: ItemContext,
  asOf: string,
  entries: readonly Json[],
  extra: Json = {},
): Json {
  return {
    resourceType: 'List',
    ...extra,
    meta: meta('List'),
    status: 'current',
    mode: 'snapshot',
    title,
    code,
    subject: ref('Patient', ctx.patient.sourceId),
    date: `${asOf}T00:00:00+00:00`,
    orderedBy: {
      coding: [{ system: 'http://hl7.org/fhir/list-order', code: 'event-date', display: 'Sorted by Event Date' }],
    },
    ...(entries.length > 0
      ? { entry: entries.map((item) => ({ item })) }
      : {
          note: [{ text: 'Information not available' }],
          emptyReason: {
            coding: [
              {
                system: 'https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-ListEmptyReasonCode-1',
                code: 'no-content-recorded',
                display: 'No Content Recorded',
              },
            ],
          },
        }),
  };
}

function primaryList(key: Section | 'ended-allergies', entries: readonly Json[], ctx: ItemContext, asOf: string): Json {
  const [code, title] = PRIMARY_LISTS[key];
  return list(title, { coding: [{ system: SNOMED, code, display: title }] }, ctx, asOf, entries, {
    extension: [
      {
        url: EXT.clinicalSetting,
        valueCodeableConcept: {
          coding: [{ system: SNOMED, code: '1060971000000108', display: 'General practice service' }],
        },
      },
    ],
  });
}

function secondaryList(
  route: 'consultations' | 'problems',
  kind: Kind,
  entries: readonly Json[],
  ctx: ItemContext,
  asOf: string,
): Json {
  const name = KIND_NAMES[kind];
  const relation = route === 'consultations' ? (kind === 'referrals' ? 'in' : 'contained in') : 'related to';
  const title = `${route === 'consultations' ? 'Consultations' : 'Problems'} - ${name} ${relation} ${route}`;
  const code = title.toLowerCase().replace(/ - /g, '-').replace(/ /g, '-');
  return list(
    title,
    {
      coding: [
        { system: 'https://fhir.hl7.org.uk/STU3/CodeSystem/GPConnect-SecondaryListValues-1', code, display: title },
      ],
    },
    ctx,
    asOf,
    entries,
  );
}

/** The consultation → topic → heading Lists of one consultation. */
function consultationLists(
  c: Consultation,
  items: ReadonlyMap<string, RenderedItem>,
  included: ReadonlyMap<string, unknown>,
  ctx: ItemContext,
  asOf: string,
): Json[] {
  const consultation = items.get(c.id);
  const headings = new Map<string, Json[]>();
  const file = (heading: string, entry: Json) => headings.set(heading, [...(headings.get(heading) ?? []), entry]);
  const narrative = consultation?.resources[1];
  if (narrative) file('Comment', ref('Observation', String(narrative['id'])));
  for (const id of c.itemIds) {
    const item = items.get(id);
    if (!item || !included.has(id)) continue;
    const entry = item.kind === 'medications' ? ref('MedicationRequest', id) : primaryReference(item);
    file(item.heading, entry);
  }
  const problemId = c.itemIds.find((id) => items.get(id)?.kind === 'problems' && included.has(id));
  const problemResource = problemId === undefined ? undefined : items.get(problemId)?.resources[0];
  const structure = (
    id: string,
    code: string,
    display: string,
    title: string | undefined,
    entries: Json[],
    extra: Json = {},
  ) => ({
    resourceType: 'List',
    id,
    ...extra,
    meta: meta('List', c.confidential),
    status: 'current',
    mode: 'snapshot',
    ...(title ? { title } : {}),
    code: { coding: [{ system: SNOMED, code, display }] },
    subject: ref('Patient', ctx.patient.sourceId),
    encounter: ref('Encounter', c.id),
    date: `${asOf}T00:00:00+00:00`,
    orderedBy: { coding: [{ system: 'http://hl7.org/fhir/list-order', code: 'system', display: 'Sorted by System' }] },
    entry: entries.map((item) => ({ item })),
  });
  const headingLists = [...headings.entries()].map(([title, entries], n) =>
    structure(`${c.id}-PG0-HD${n}`, '24781000000107', 'Category (EHR)', title, entries),
  );
  const topic = structure(
    `${c.id}-PG0`,
    '25851000000105',
    'Topic (EHR)',
    problemResource ? String((problemResource['code'] as { text?: string }).text) : undefined,
    headingLists.map((h) => ref('List', h.id)),
    problemResource
      ? {
          extension: [
            {
              url: EXT.relatedProblemHeader,
              extension: [{ url: 'target', valueReference: ref('Condition', String(problemResource['id'])) }],
            },
          ],
        }
      : {},
  );
  const top = structure(`${c.id}-LST`, '325851000000107', 'Consultation', c.type, [ref('List', topic.id)]);
  return [top, topic, ...headingLists];
}

export interface StructuredRecordOptions {
  readonly practice: Practice;
  readonly asOf: string;
  readonly baseUrl: string;
}

export function renderStructuredRecord(
  patient: SyntheticPatient,
  req: RecordRequest,
  options: StructuredRecordOptions,
): Json {
  const { practice, asOf } = options;
  const clinicians = new Map<string, Clinician>(practice.clinicians.map((c) => [c.sdsUserId, c]));
  const references = new Map<string, string>();
  const r = patient.record;
  for (const a of r.allergies) references.set(a.id, `AllergyIntolerance/${a.id}`);
  for (const m of r.medications) references.set(m.id, `MedicationRequest/${m.id}`);
  for (const p of r.problems) references.set(p.id, `Condition/${p.id}`);
  for (const c of r.consultations) references.set(c.id, `Encounter/${c.id}`);
  for (const o of r.observations) references.set(o.id, `Observation/${o.id}`);
  for (const i of r.immunisations) references.set(i.id, `Immunization/${i.id}`);
  for (const t of r.testResults) references.set(t.id, `DiagnosticReport/${t.id}`);
  for (const f of r.referrals) references.set(f.id, `ReferralRequest/${f.id}`);
  for (const d of r.documents) references.set(d.id, `DocumentReference/${d.id}`);
  const ctx: ItemContext = {
    practice,
    patient,
    clinicians,
    consultations: new Map(r.consultations.map((c) => [c.id, c])),
    references,
    baseUrl: options.baseUrl,
  };

  const items = renderItems(patient, req, ctx);
  const included = includedItems(items);
  const resources = new Map<string, Json>();
  const put = (resource: Json) =>
    resources.set(`${String(resource['resourceType'])}/${String(resource['id'])}`, resource);

  put(renderPatient(patient, practice));
  put(renderOrganization(practice));
  put(renderLocation(practice));
  for (const clinician of practice.clinicians) {
    put(renderPractitioner(clinician));
    put(renderPractitionerRole(clinician, practice));
  }
  for (const id of included.keys()) for (const resource of items.get(id)?.resources ?? []) put(resource);

  const lists: Json[] = [];
  for (const section of SECTIONS) {
    if (!req.sections.has(section)) continue;
    const ofSection = (filter: (id: string) => boolean) =>
      [...included.keys()]
        .filter((id) => items.get(id)?.kind === section && items.get(id)?.wanted && filter(id))
        .map((id) => primaryReference(items.get(id)!));
    if (section === 'allergies') {
      const resolved = new Set(r.allergies.filter((a) => a.status === 'resolved').map((a) => a.id));
      lists.push(
        primaryList(
          'allergies',
          ofSection((id) => !resolved.has(id)),
          ctx,
          asOf,
        ),
      );
      if (req.includeResolvedAllergies)
        lists.push(
          primaryList(
            'ended-allergies',
            ofSection((id) => resolved.has(id)),
            ctx,
            asOf,
          ),
        );
    } else {
      lists.push(
        primaryList(
          section,
          ofSection(() => true),
          ctx,
          asOf,
        ),
      );
    }
  }
  for (const route of ['consultations', 'problems'] as const) {
    const byKind = new Map<Kind, Json[]>();
    for (const [id, via] of included) {
      const item = items.get(id);
      if (via !== route || !item) continue;
      byKind.set(item.kind, [...(byKind.get(item.kind) ?? []), primaryReference(item)]);
    }
    for (const [kind, entries] of byKind) lists.push(secondaryList(route, kind, entries, ctx, asOf));
  }
  for (const c of r.consultations)
    if (included.has(c.id)) lists.push(...consultationLists(c, items, included, ctx, asOf));

  const warnings = req.warnings.map((text) => ({
    resourceType: 'OperationOutcome',
    id: `warning-${req.warnings.indexOf(text) + 1}`,
    meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-OperationOutcome-1'] },
    issue: [{ severity: 'warning', code: 'not-supported', diagnostics: text }],
  }));
  return {
    resourceType: 'Bundle',
    meta: { profile: ['https://fhir.nhs.uk/STU3/StructureDefinition/GPConnect-StructuredRecord-Bundle-1'] },
    type: 'collection',
    entry: [...resources.values(), ...lists, ...warnings].map((resource) => ({ resource })),
  };
}
