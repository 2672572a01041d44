/**
 * Maps the vendor's journal (all its pages) to Lloyd's canonical record: the Patient, the practice, its clinicians,
 * one Encounter per consultation event, and the resources of every entry, each referencing the consultation it was
 * recorded in. Confidential entries (or entries of a confidential event) are marked, never removed.
 */
import { ODS_ORGANISATION_SYSTEM, SDS_USER_SYSTEM } from '@lloyd/fhir';
import type { CanonicalRecord, SupplierPatient } from '@lloyd/adapters-core';
import { compact } from '../compact.js';
import type { JournalEntry, JournalEvent, JournalPage, NativePatient, StaffMember } from '../native.js';
import { staffDisplay } from '../patient.js';
import {
  confidentialMeta,
  fhirDate,
  practitionerRef,
  reference,
  referencedType,
  type EntryContext,
} from './context.js';
import { mapAllergy, mapAttachment, mapImmunisation, mapObservation, mapProblem, mapReferral } from './map-entries.js';
import { mapInvestigation } from './map-investigation.js';
import { mapMedication } from './map-medication.js';

export interface RecordSource {
  readonly ods: string;
  readonly found: SupplierPatient;
  readonly native: NativePatient;
  readonly pages: readonly JournalPage[];
  /** The system's base URL, against which document links resolve. */
  readonly baseUrl: URL;
}

export type MapResult = { ok: true; record: CanonicalRecord } | { ok: false; reason: string };

const ENCOUNTER_CLASS: Record<string, fhir4.Coding> = {
  'Telephone consultation': {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
    code: 'VR',
    display: 'virtual',
  },
  'Home visit': { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH', display: 'home health' },
};
const AMBULATORY: fhir4.Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  code: 'AMB',
  display: 'ambulatory',
};

function mapEntry(entry: JournalEntry, ctx: EntryContext): fhir4.Resource[] {
  switch (entry.type) {
    case 'allergy':
      return [mapAllergy(entry, ctx)];
    case 'medication':
      return mapMedication(entry, ctx);
    case 'problem':
      return [mapProblem(entry, ctx)];
    case 'observation':
      return [mapObservation(entry, ctx)];
    case 'immunisation':
      return [mapImmunisation(entry, ctx)];
    case 'investigation':
      return mapInvestigation(entry, ctx);
    case 'referral':
      return [mapReferral(entry, ctx)];
    case 'attachment':
      return [mapAttachment(entry, ctx)];
  }
}

function mapEncounter(event: JournalEvent, patient: fhir4.Reference, practice: fhir4.Reference): fhir4.Encounter {
  const clinician = practitionerRef(event.clinician?.userId);
  return compact({
    resourceType: 'Encounter' as const,
    id: event.eventId,
    meta: confidentialMeta(event.privacyLevel === 'confidential'),
    status: 'finished' as const,
    class: ENCOUNTER_CLASS[event.consultationType ?? ''] ?? AMBULATORY,
    type: event.consultationType ? [{ text: event.consultationType }] : undefined,
    subject: patient,
    participant: clinician ? [{ individual: clinician }] : undefined,
    period: { start: fhirDate(event.date) },
    location: event.location ? [{ location: { display: event.location } }] : undefined,
    serviceProvider: practice,
  });
}

/**
 * The consultation's free text, as GP Connect carries it: an uncategorised Observation in the consultation. It has
 * no code in the source, so only its text.
 */
function mapNarrative(event: JournalEvent, ctx: EntryContext): fhir4.Observation | undefined {
  if (!event.narrative) return undefined;
  return compact({
    resourceType: 'Observation' as const,
    id: `${event.eventId}-note`.slice(0, 64),
    meta: confidentialMeta(ctx.confidential),
    status: 'final' as const,
    code: { text: 'Consultation note' },
    subject: ctx.patient,
    encounter: ctx.encounter,
    effectiveDateTime: fhirDate(event.date),
    performer: ctx.clinician ? [ctx.clinician] : undefined,
    valueString: event.narrative,
  });
}

function practitioner(member: StaffMember): fhir4.Practitioner {
  return compact({
    resourceType: 'Practitioner' as const,
    id: member.userId,
    identifier: [{ system: SDS_USER_SYSTEM, value: member.userId }],
    name:
      member.surname || member.forenames
        ? [
            compact({
              use: 'official' as const,
              family: member.surname || undefined,
              given: member.forenames ? member.forenames.split(' ').filter(Boolean) : undefined,
              prefix: member.title ? [member.title] : undefined,
            }),
          ]
        : undefined,
  });
}

function referencedUsers(events: readonly JournalEvent[]): string[] {
  const users: (string | undefined)[] = [];
  for (const event of events) {
    users.push(event.clinician?.userId);
    for (const entry of event.entries) {
      if (entry.type === 'medication') users.push(entry.prescriber?.userId);
      if (entry.type === 'attachment') users.push(entry.author?.userId);
    }
  }
  return users.filter((u) => u !== undefined);
}

/** Every resource id must be unique per type within one record (canonical convention). */
function firstDuplicate(resources: readonly fhir4.Resource[]): string | undefined {
  const seen = new Set<string>();
  for (const r of resources) {
    const key = `${r.resourceType}/${r.id ?? ''}`;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}

export function mapRecord(source: RecordSource): MapResult {
  const { ods, found, native, pages } = source;
  const first = pages[0];
  if (!first) return { ok: false, reason: 'journal has no pages' };
  for (const page of pages) {
    if (page.patientId !== native.patient.id || page.nhsNumber !== native.patient.nhsNumber)
      return { ok: false, reason: 'journal page is for another patient' };
    if (page.practice.odsCode !== ods)
      return { ok: false, reason: `journal is from practice ${page.practice.odsCode}, not ${ods}` };
  }
  const events = pages.flatMap((p) => p.events);

  const patientRef = reference('Patient', native.patient.id);
  const practiceRef = reference('Organization', ods);
  const entryRefs = new Map<string, fhir4.Reference>();
  const encounterRefs = new Map<string, fhir4.Reference>();
  for (const event of events) {
    if (event.eventType === 'consultation') encounterRefs.set(event.eventId, reference('Encounter', event.eventId));
    for (const entry of event.entries) entryRefs.set(entry.entryId, reference(referencedType(entry), entry.entryId));
  }

  const resources: fhir4.Resource[] = [];
  for (const event of events) {
    const consultation = event.eventType === 'consultation';
    const eventConfidential = event.privacyLevel === 'confidential';
    const base = {
      ods,
      patient: patientRef,
      practice: practiceRef,
      encounter: consultation ? reference('Encounter', event.eventId) : undefined,
      clinician: practitionerRef(event.clinician?.userId),
      referenceTo: (id: string) => entryRefs.get(id),
      encounterRef: (id: string) => encounterRefs.get(id),
      documentUrl: (href: string) => new URL(href, source.baseUrl).href,
    };
    if (consultation) {
      resources.push(mapEncounter(event, patientRef, practiceRef));
      const note = mapNarrative(event, { ...base, confidential: eventConfidential });
      if (note) resources.push(note);
    }
    for (const entry of event.entries) {
      const confidential = eventConfidential || entry.privacyLevel === 'confidential';
      resources.push(...mapEntry(entry, { ...base, confidential }));
    }
  }
  const duplicate = firstDuplicate(resources);
  if (duplicate) return { ok: false, reason: `journal holds ${duplicate} more than once` };

  const staff = new Map(pages.flatMap((p) => p.staff).map((s) => [s.userId, s]));
  const usualGp = native.registration.usualGp;
  const userIds = [...new Set([...(usualGp ? [usualGp.userId] : []), ...referencedUsers(events)])];
  const practitioners = userIds.map((id) =>
    practitioner(staff.get(id) ?? (usualGp?.userId === id ? usualGp : { userId: id })),
  );
  const practitionerRoles = userIds.map((id): fhir4.PractitionerRole =>
    compact({
      resourceType: 'PractitionerRole' as const,
      id: `${ods}-${id}`.slice(0, 64),
      practitioner: reference('Practitioner', id),
      organization: practiceRef,
      code: (staff.get(id) ?? usualGp)?.jobRole ? [{ text: (staff.get(id) ?? usualGp)?.jobRole }] : undefined,
    }),
  );

  const p = first.practice;
  const practice: fhir4.Organization = compact({
    resourceType: 'Organization' as const,
    id: ods,
    identifier: [{ system: ODS_ORGANISATION_SYSTEM, value: ods }],
    name: p.name ?? native.registration.practice.name,
    telecom: p.telephone ? [{ system: 'phone' as const, value: p.telephone, use: 'work' as const }] : undefined,
    address: p.address
      ? [
          compact({
            use: 'work' as const,
            line: p.address.lines.filter(Boolean),
            city: p.address.town || undefined,
            postalCode: p.address.postcode || undefined,
          }),
        ]
      : undefined,
  });

  const patient: fhir4.Patient = compact({
    ...found.patient,
    id: native.patient.id,
    generalPractitioner: [
      ...(usualGp ? [reference('Practitioner', usualGp.userId, staffDisplay(usualGp))] : []),
      reference('Organization', ods, practice.name),
    ],
    managingOrganization: reference('Organization', ods, practice.name),
  });

  return { ok: true, record: { patient, practice, practitioners, practitionerRoles, resources } };
}
