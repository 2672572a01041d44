/**
 * How P20002 files a transferred-in record. The sender's record arrives in the vendor's own transfer document: the
 * patient's demographics, the clinicians it names, and the journal events (as `GET …/journal` serves them) whose
 * entries carry a CTV3 or local `readCode`, or none. An entry without one the system can store (the sender had only
 * Read v2 or SNOMED CT codes) is filed as text under the system's transfer-degraded code, its original codes kept
 * beside it, and reported `filedAsText`: nothing clinical is dropped.
 */
import type { Practice } from '../generator/model.js';
import type { JournalEvent } from './json-ctv3-render.js';
import type { FiledPatient, StoredDocument } from './json-ctv3-transfer-store.js';

type Json = Record<string, unknown>;

/** CTV3 has no confirmed transfer-degraded code (Read v2 has 9bJ0–9bJ5), so the system uses a local one. */
export const DEGRADED_CODE = { scheme: 'LOCAL', code: 'TRFDEG', term: 'Transfer-degraded record entry' } as const;

const ENTRY_TYPES = new Set([
  'allergy',
  'medication',
  'problem',
  'observation',
  'immunisation',
  'investigation',
  'referral',
  'attachment',
]);
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const SEXES = new Set(['male', 'female', 'indeterminate', 'notKnown']);

export type ItemOutcome = 'filed' | 'filedAsText' | 'notFiled';

/** One line of the filing report: what happened to an event, entry, test result or attachment. */
export interface FilingItem {
  readonly kind: 'event' | 'entry' | 'result' | 'attachment';
  readonly id: string;
  readonly outcome: ItemOutcome;
  readonly note?: string;
  /** The sender's ids of what the item came from, as the transfer document's `sourceMap` gave them. */
  readonly sourceIds?: readonly string[];
}

export interface Filing {
  readonly patient: FiledPatient;
  readonly documents: StoredDocument[];
  readonly items: FilingItem[];
}

/** An attachment the transfer document announces, and its content once uploaded. */
export interface ExpectedAttachment {
  readonly documentId: string;
  readonly filename: string;
  readonly mimeType: string;
  received?: { readonly path: string; readonly size: number };
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';

/** The submission's problems, or an empty list: checked before anything is stored. */
export function submissionProblems(body: unknown): string[] {
  if (!isObject(body)) return ['the transfer document must be a JSON object'];
  const problems: string[] = [];
  const patient = body.patient;
  if (!isObject(patient)) problems.push('patient is required');
  else {
    if (!isString(patient.nhsNumber) || !/^\d{10}$/.test(patient.nhsNumber))
      problems.push('patient.nhsNumber must be 10 digits');
    if (!isObject(patient.name) || !isString(patient.name.surname)) problems.push('patient.name.surname is required');
    if (!isString(patient.sex) || !SEXES.has(patient.sex)) problems.push('patient.sex is not one of the known values');
    if (!isString(patient.dateOfBirth)) problems.push('patient.dateOfBirth is required');
  }
  if (!Array.isArray(body.events)) problems.push('events must be a list');
  else
    body.events.forEach((event, i) => {
      if (!isObject(event) || !isString(event.eventId) || !ID.test(event.eventId))
        problems.push(`events.${i}.eventId must be 1-64 letters, digits, "-" or "."`);
      else if (!Array.isArray(event.entries)) problems.push(`events.${i}.entries must be a list`);
      else if (!isObject(event.date)) problems.push(`events.${i}.date is required`);
    });
  if (body.attachments !== undefined && !Array.isArray(body.attachments)) problems.push('attachments must be a list');
  else
    ((body.attachments as unknown[] | undefined) ?? []).forEach((a, i) => {
      if (!isObject(a) || !isString(a.documentId) || !ID.test(a.documentId))
        problems.push(`attachments.${i}.documentId must be 1-64 letters, digits, "-" or "."`);
    });
  return problems;
}

/** The attachments a (checked) submission announces. */
export function expectedAttachments(body: Json): ExpectedAttachment[] {
  return ((body.attachments as Json[] | undefined) ?? []).map((a) => ({
    documentId: a.documentId as string,
    filename: isString(a.filename) ? a.filename : (a.documentId as string),
    mimeType: isString(a.mimeType) ? a.mimeType : 'application/octet-stream',
  }));
}

function hasStorableCode(code: unknown): boolean {
  return (
    isObject(code) &&
    (code.scheme === 'CTV3' || code.scheme === 'LOCAL') &&
    isString(code.code) &&
    code.code.length > 0 &&
    code.code !== DEGRADED_CODE.code
  );
}

/** The entry as filed, and what happened to it and its test results. */
function fileEntry(
  entry: Json,
  attachments: ReadonlyMap<string, ExpectedAttachment>,
  items: { push(item: FilingItem): void },
): Json | undefined {
  const id = entry.entryId;
  if (!isString(id) || !ID.test(id) || !isString(entry.type) || !ENTRY_TYPES.has(entry.type)) {
    items.push({
      kind: 'entry',
      id: isString(id) ? id : '',
      outcome: 'notFiled',
      note: `the system has no place for an entry of type ${String(entry.type)}`,
    });
    return undefined;
  }
  const filed: Json = { ...entry };
  let outcome: ItemOutcome = 'filed';
  let note: string | undefined;
  if (!hasStorableCode(entry.readCode)) {
    filed.readCode = DEGRADED_CODE;
    filed.text = isString(entry.text) && entry.text ? entry.text : DEGRADED_CODE.term;
    outcome = 'filedAsText';
    note = 'no CTV3 code: filed as text under the transfer-degraded code';
  }
  if (entry.type === 'investigation' && Array.isArray(entry.results)) {
    filed.results = (entry.results as Json[]).map((result) => {
      const resultId = isString(result.resultId) ? result.resultId : '';
      if (hasStorableCode(result.readCode)) {
        items.push({ kind: 'result', id: resultId, outcome: 'filed' });
        return result;
      }
      items.push({
        kind: 'result',
        id: resultId,
        outcome: 'filedAsText',
        note: 'no CTV3 code: filed as text under the transfer-degraded code',
      });
      return { ...result, readCode: DEGRADED_CODE, text: isString(result.text) ? result.text : DEGRADED_CODE.term };
    });
  }
  if (entry.type === 'attachment') {
    const documentId = isString(entry.documentId) ? entry.documentId : id;
    const content = attachments.get(documentId)?.received;
    filed.documentId = documentId;
    if (content) {
      filed.href = `/api/v2/documents/${documentId}`;
      filed.sizeBytes = content.size;
    } else {
      delete filed.href;
      filed.contentMissing = true;
      outcome = 'filedAsText';
      note = 'the document content was not received; its description is filed';
    }
  }
  items.push(note ? { kind: 'entry', id, outcome, note } : { kind: 'entry', id, outcome });
  return filed;
}

function sortEvents(events: JournalEvent[]): JournalEvent[] {
  return events.sort((a, b) =>
    a.date.value < b.date.value ? -1 : a.date.value > b.date.value ? 1 : a.eventId < b.eventId ? -1 : 1,
  );
}

/**
 * Files a checked submission: the patient is registered at `practice` (usual GP: the practice's first GP), the
 * events are kept in journal order, and every event, entry, result and attachment gets a line in the report.
 */
export function fileSubmission(options: {
  readonly body: Json;
  readonly patientId: string;
  readonly practice: Practice;
  readonly registeredOn: string;
  readonly attachments: readonly ExpectedAttachment[];
}): Filing {
  const { body, practice } = options;
  const patient = body.patient as Json;
  const sourceMap = isObject(body.sourceMap) ? body.sourceMap : {};
  const report: FilingItem[] = [];
  // Each line names what it came from in the sender's record, so the sender's integration note can say per item.
  const items = {
    push(item: FilingItem) {
      const sourceIds = sourceMap[`${item.kind}:${item.id}`];
      report.push(Array.isArray(sourceIds) ? { ...item, sourceIds: sourceIds.filter(isString) } : item);
    },
  };
  const attachments = new Map(options.attachments.map((a) => [a.documentId, a]));
  const seen = new Set<string>();
  const events: JournalEvent[] = [];
  for (const event of body.events as Json[]) {
    const eventId = event.eventId as string;
    if (seen.has(`event:${eventId}`)) {
      items.push({ kind: 'event', id: eventId, outcome: 'notFiled', note: 'the event id was sent twice' });
      continue;
    }
    seen.add(`event:${eventId}`);
    const entries: Json[] = [];
    for (const entry of event.entries as unknown[]) {
      if (!isObject(entry)) continue;
      if (isString(entry.entryId) && seen.has(`entry:${entry.entryId}`)) {
        items.push({ kind: 'entry', id: entry.entryId, outcome: 'notFiled', note: 'the entry id was sent twice' });
        continue;
      }
      const filed = fileEntry(entry, attachments, items);
      if (filed) {
        seen.add(`entry:${String(entry.entryId)}`);
        entries.push(filed);
      }
    }
    items.push({ kind: 'event', id: eventId, outcome: 'filed' });
    events.push({ ...event, eventId, date: event.date as JournalEvent['date'], entries });
  }

  const documents: StoredDocument[] = [];
  for (const a of options.attachments) {
    if (a.received) {
      documents.push({ id: a.documentId, contentType: a.mimeType, path: a.received.path, size: a.received.size });
      items.push({ kind: 'attachment', id: a.documentId, outcome: 'filed' });
    } else {
      items.push({ kind: 'attachment', id: a.documentId, outcome: 'notFiled', note: 'the content never arrived' });
    }
  }

  const gp = practice.clinicians.find((c) => c.role === 'General Medical Practitioner') ?? practice.clinicians[0];
  const consent = isObject(body.consent) ? body.consent : { recordSharing: 'consented' };
  const flags = isObject(body.flags) ? body.flags : { sensitive: false };
  const resource: Json = {
    patient: { ...patient, id: options.patientId, dateOfDeath: patient.dateOfDeath ?? null },
    registration: {
      status: 'registered',
      type: 'GMS',
      registeredOn: options.registeredOn,
      practice: { odsCode: practice.ods, name: practice.name },
      ...(gp
        ? {
            usualGp: {
              userId: gp.sdsUserId,
              title: gp.name.title,
              forenames: gp.name.given.join(' '),
              surname: gp.name.family,
              jobRole: gp.role,
            },
          }
        : {}),
    },
    consent,
    flags,
    transferredFrom: { odsCode: body.fromOds ?? null },
  };
  return {
    patient: {
      id: options.patientId,
      nhsNumber: patient.nhsNumber as string,
      resource,
      events: sortEvents(events),
      staff: Array.isArray(body.staff) ? (body.staff as unknown[]).filter(isObject) : [],
    },
    documents,
    items: report,
  };
}
