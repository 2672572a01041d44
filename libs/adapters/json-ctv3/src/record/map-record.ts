/**
 * Maps the vendor's journal (all its pages) to Lloyd's canonical record: the Patient, the practice, its clinicians,
 * one Encounter per consultation event, and the resources of every entry, each referencing the consultation it was
 * recorded in. Confidential entries (or entries of a confidential event) are marked, never removed.
 */
import type { CanonicalRecord, SupplierPatient } from '@lloyd/adapters-core';
import { compact } from '@lloyd/adapters-core';
import type { JournalEntry, JournalEvent, JournalPage, NativePatient } from '../native.js';
import {
  confidentialMeta,
  fhirDate,
  practitionerRef,
  reference,
  referencedType,
  type EntryContext,
} from './context.js';
import { mapClinicians, recordPatient } from './map-clinicians.js';
import { mapAllergy, mapAttachment, mapImmunisation, mapObservation, mapProblem, mapReferral } from './map-entries.js';
import { mapInvestigation } from './map-investigation.js';
import { mapMedication } from './map-medication.js';

export interface RecordSource {
  readonly ods: string;
  readonly found: SupplierPatient;
  readonly native: NativePatient;
  readonly pages: readonly JournalPage[];
}

export type MapResult = { ok: true; record: CanonicalRecord } | { ok: false; reason: string };

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ENCOUNTER_CLASS: Record<string, fhir4.Coding> = {
  'Telephone consultation': { system: ACT_CODE, code: 'VR', display: 'virtual' },
  'Home visit': { system: ACT_CODE, code: 'HH', display: 'home health' },
};
const AMBULATORY: fhir4.Coding = { system: ACT_CODE, code: 'AMB', display: 'ambulatory' };

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

function escapeXhtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A consultation event. Its entries point at it through their `encounter`; its free-text narrative, for which R4
 * Encounter has no element, is the Encounter's narrative text (as the XML/Read v2 adapter does).
 */
function mapEncounter(event: JournalEvent, patient: fhir4.Reference, practice: fhir4.Reference): fhir4.Encounter {
  const clinician = practitionerRef(event.clinician?.userId);
  return compact({
    resourceType: 'Encounter' as const,
    id: event.eventId,
    meta: confidentialMeta(event.privacyLevel === 'confidential'),
    text: event.narrative
      ? {
          status: 'additional' as const,
          div: `<div xmlns="http://www.w3.org/1999/xhtml">${escapeXhtml(event.narrative)}</div>`,
        }
      : undefined,
    status: 'finished' as const,
    class: ENCOUNTER_CLASS[event.consultationType ?? ''] ?? AMBULATORY,
    type: event.consultationType ? [{ text: event.consultationType }] : undefined,
    subject: patient,
    participant: clinician
      ? [
          {
            type: [{ coding: [{ system: PARTICIPATION, code: 'PPRF', display: 'primary performer' }] }],
            individual: clinician,
          },
        ]
      : undefined,
    period: { start: fhirDate(event.date) },
    location: event.location ? [{ location: { display: event.location } }] : undefined,
    serviceProvider: practice,
  });
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
  if (pages.length === 0) return { ok: false, reason: 'journal has no pages' };
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
    if (consultation) resources.push(mapEncounter(event, patientRef, practiceRef));
    for (const entry of event.entries) {
      resources.push(
        ...mapEntry(entry, {
          ods,
          patient: patientRef,
          encounter: consultation ? reference('Encounter', event.eventId) : undefined,
          consultingClinician: consultation ? practitionerRef(event.clinician?.userId) : undefined,
          confidential: eventConfidential || entry.privacyLevel === 'confidential',
          referenceTo: (id) => entryRefs.get(id),
          encounterRef: (id) => encounterRefs.get(id),
        }),
      );
    }
  }
  const duplicate = firstDuplicate(resources);
  if (duplicate) return { ok: false, reason: `journal holds ${duplicate} more than once` };

  const clinicians = mapClinicians(ods, native, pages, events);
  return {
    ok: true,
    record: {
      patient: recordPatient(found.patient, native.patient.id, clinicians),
      practice: clinicians.practice,
      practitioners: clinicians.practitioners,
      practitionerRoles: clinicians.practitionerRoles,
      resources,
    },
  };
}
