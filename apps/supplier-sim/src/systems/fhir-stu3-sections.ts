/**
 * The sections of P40004's structured record and GP Connect's Lists over them: the primary List per section,
 * the secondary Lists of items pulled in by consultations and problems, and the consultation structure
 * (consultation → topic → heading).
 */
import type { Consultation } from '../generator/model.js';
import { EXT, meta, ref, SNOMED, type Json } from './fhir-stu3-common.js';
import type { ItemContext } from './fhir-stu3-items.js';

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

export type Kind = Section | 'documents';

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

export interface RenderedItem {
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

export function primaryReference(item: RenderedItem): Json {
  const first = item.resources[0] ?? {};
  return ref(String(first['resourceType']), String(first['id']));
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

export function primaryList(
  key: Section | 'ended-allergies',
  entries: readonly Json[],
  ctx: ItemContext,
  asOf: string,
): Json {
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

export function secondaryList(
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
export function consultationLists(
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
