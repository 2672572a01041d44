import type { NativeConsultation, NativeDocument, NativeReferral, NativeTestResult } from './record-schema.js';
import {
  compact,
  concept,
  encounterOf,
  metaFor,
  quantity,
  reference,
  ukLocalDateTime,
  type MappingContext,
} from './mapping-support.js';

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const REPORT_CATEGORY = 'http://terminology.hl7.org/CodeSystem/v2-0074';
const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

const ENCOUNTER_CLASS: Record<string, fhir4.Coding> = {
  'Telephone consultation': { system: ACT_CODE, code: 'VR', display: 'virtual' },
  'Home visit': { system: ACT_CODE, code: 'HH', display: 'home health' },
};
const AMBULATORY: fhir4.Coding = { system: ACT_CODE, code: 'AMB', display: 'ambulatory' };

const INTERPRETATIONS: Record<'normal' | 'low' | 'high', fhir4.Coding> = {
  normal: { system: INTERPRETATION, code: 'N', display: 'Normal' },
  low: { system: INTERPRETATION, code: 'L', display: 'Low' },
  high: { system: INTERPRETATION, code: 'H', display: 'High' },
};

/** Two-week-wait (suspected cancer) referrals are the most pressing the system knows: `asap`. */
const PRIORITY = { routine: 'routine', urgent: 'urgent', 'two-week-wait': 'asap' } as const;

function escapeXhtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A consultation. Its items point at it through their `encounter`; its free-text narrative, for which R4 Encounter
 * has no element, is the Encounter's narrative text.
 */
export function mapConsultation(ctx: MappingContext, c: NativeConsultation): fhir4.Encounter {
  const start = ukLocalDateTime(c['@date']);
  return compact({
    resourceType: 'Encounter' as const,
    id: c['@id'],
    ...metaFor(c['@confidential']),
    text: c.Narrative
      ? {
          status: 'additional' as const,
          div: `<div xmlns="http://www.w3.org/1999/xhtml">${escapeXhtml(c.Narrative)}</div>`,
        }
      : undefined,
    status: 'finished' as const,
    class: ENCOUNTER_CLASS[c['@type']] ?? AMBULATORY,
    type: [{ text: c['@type'] }],
    subject: ctx.patient,
    participant: c.Clinician
      ? [
          {
            type: [{ coding: [{ system: PARTICIPATION, code: 'PPRF', display: 'primary performer' }] }],
            individual: ctx.practitioner(c.Clinician['@sdsUserId']),
          },
        ]
      : undefined,
    period: { start },
    location: c.Location ? [{ location: { display: c.Location } }] : undefined,
    serviceProvider: reference('Organization', ctx.ods),
  });
}

/** A test battery: a laboratory DiagnosticReport and one laboratory Observation per result. */
export function mapTestResult(ctx: MappingContext, t: NativeTestResult): fhir4.Resource[] {
  const meta = metaFor(t['@confidential']);
  const encounter = encounterOf(ctx, t['@consultation']);
  const results = t.Result.map((r): fhir4.Observation =>
    compact({
      resourceType: 'Observation' as const,
      id: r['@id'],
      ...meta,
      status: t['@status'],
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }] }],
      code: concept(ctx, r),
      subject: ctx.patient,
      encounter,
      effectiveDateTime: t['@date'],
      valueQuantity: r.Value ? quantity(r.Value['@value'], r.Value['@unit']) : undefined,
      interpretation: r['@interpretation'] ? [{ coding: [INTERPRETATIONS[r['@interpretation']]] }] : undefined,
      referenceRange: r.Range
        ? [
            compact({
              low: r.Range['@low'] !== undefined ? quantity(r.Range['@low'], r.Range['@unit'] ?? '') : undefined,
              high: r.Range['@high'] !== undefined ? quantity(r.Range['@high'], r.Range['@unit'] ?? '') : undefined,
            }),
          ]
        : undefined,
    }),
  );
  const report: fhir4.DiagnosticReport = compact({
    resourceType: 'DiagnosticReport' as const,
    id: t['@id'],
    ...meta,
    status: t['@status'],
    category: [{ coding: [{ system: REPORT_CATEGORY, code: 'LAB', display: 'Laboratory' }] }],
    code: concept(ctx, t),
    subject: ctx.patient,
    encounter,
    effectiveDateTime: t['@date'],
    performer: t.Laboratory ? [{ display: t.Laboratory }] : undefined,
    result: results.length > 0 ? results.map((r) => reference('Observation', r.id!)) : undefined,
    conclusion: t.FilingComment,
  });
  return [report, ...results];
}

/** Who made a referral: the clinician of the consultation it was made in, when the record names one. */
function requesterOf(ctx: MappingContext, consultationId: string | undefined): fhir4.Reference | undefined {
  const sdsUserId = consultationId === undefined ? undefined : ctx.consultationClinicians.get(consultationId);
  return sdsUserId === undefined ? undefined : ctx.practitioner(sdsUserId);
}

/** An outbound referral. */
export function mapReferral(ctx: MappingContext, r: NativeReferral): fhir4.ServiceRequest {
  return compact({
    resourceType: 'ServiceRequest' as const,
    id: r['@id'],
    ...metaFor(r['@confidential']),
    status: r['@status'] === 'completed' ? ('completed' as const) : ('active' as const),
    intent: 'order' as const,
    priority: PRIORITY[r['@priority']],
    code: concept(ctx, r),
    subject: ctx.patient,
    encounter: encounterOf(ctx, r['@consultation']),
    authoredOn: r['@date'],
    requester: requesterOf(ctx, r['@consultation']),
    performerType: r['@specialty'] ? { text: r['@specialty'] } : undefined,
    performer: r.Recipient ? [{ display: r.Recipient }] : undefined,
    reasonCode: r.Reason ? [{ text: r.Reason }] : undefined,
  });
}

/**
 * A document. The attachment describes the content (type, size, title, date) without pointing at the supplier
 * system: its URLs are internal to Lloyd's connection to the practice and never leave it.
 */
export function mapDocument(ctx: MappingContext, d: NativeDocument): fhir4.DocumentReference {
  const encounter = encounterOf(ctx, d['@consultation']);
  return compact({
    resourceType: 'DocumentReference' as const,
    id: d['@id'],
    ...metaFor(d['@confidential']),
    status: 'current' as const,
    type: concept(ctx, d),
    subject: ctx.patient,
    author: d.Author ? [ctx.practitioner(d.Author['@sdsUserId'])] : undefined,
    description: d.Title,
    content: [
      {
        attachment: compact({
          contentType: d['@contentType'],
          size: d['@size'],
          title: d.Title || d.Term,
          creation: d['@date'],
        }),
      },
    ],
    context: compact({ encounter: encounter ? [encounter] : undefined, period: { start: d['@date'] } }),
  });
}
