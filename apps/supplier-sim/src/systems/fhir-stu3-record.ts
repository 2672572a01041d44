/**
 * `$gpc.getstructuredrecord` for P40004: the STU3 `collection` Bundle of GP Connect Access Record Structured,
 * with the framing resources, each requested section and its primary List, the consultation List structure
 * (consultation → topic → heading), and secondary Lists for items pulled in by consultations and problems.
 */
import type { Clinician, Practice, SyntheticPatient } from '../generator/model.js';
import {
  renderLocation,
  renderOrganization,
  renderPatient,
  renderPractitioner,
  renderPractitionerRole,
  type Json,
} from './fhir-stu3-common.js';
import { renderTestResult } from './fhir-stu3-investigations.js';
import {
  renderAllergy,
  renderDocument,
  renderEncounter,
  renderImmunisation,
  renderNarrative,
  renderObservation,
  renderProblem,
  renderReferral,
  type ItemContext,
} from './fhir-stu3-items.js';
import { renderMedication } from './fhir-stu3-medication.js';
import {
  consultationLists,
  primaryList,
  primaryReference,
  secondaryList,
  SECTIONS,
  type Kind,
  type RecordRequest,
  type RenderedItem,
  type Section,
} from './fhir-stu3-sections.js';

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
