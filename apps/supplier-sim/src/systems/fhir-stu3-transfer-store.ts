/**
 * P40004's own store of records received by GP2GP transfer: attachments staged per conversation (streamed to disk,
 * never held in memory), held records waiting for a clinician's decision, and filed patients, which the system's
 * normal read endpoints serve beside the generated ones. Every step is keyed by the conversation id, so a repeated
 * delivery files nothing twice.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Json } from './fhir-stu3-common.js';
import {
  binaryIdOf,
  fileItem,
  FRAMING_TYPES,
  rewriteReferences,
  withAttachmentUrl,
} from './fhir-stu3-transfer-filing.js';

export interface ItemOutcome {
  readonly sourceId: string;
  readonly outcome: 'integrated' | 'degraded' | 'not-integrated';
  readonly note?: string;
}

export interface ImportAnswer {
  readonly status: 'integrated' | 'awaiting-acceptance' | 'rejected';
  readonly reasonCode?: string;
  readonly items: readonly ItemOutcome[];
}

export interface StoredBinary {
  readonly id: string;
  readonly contentType: string;
  readonly filename?: string;
  readonly size: number;
  readonly path: string;
}

/** A transferred patient as this system keeps it. */
export interface FiledRecord {
  readonly nhsNumber: string;
  readonly patientId: string;
  /** The Patient as received (demographics); registration here is added when it is served. */
  readonly patient: Json;
  /** Clinical items and the sending practice's framing resources, STU3, references to `Patient/<patientId>`. */
  readonly resources: readonly Json[];
  readonly conversationId: string;
  readonly fromOds: string;
  /** When it was filed here: the start of the registration. */
  readonly filedOn: string;
  /** The patient dissented from record sharing (kept from the sending practice; served as an opt-out Consent). */
  readonly dissent: boolean;
}

interface Prepared {
  readonly record: FiledRecord;
  readonly binaries: readonly StoredBinary[];
  readonly items: readonly ItemOutcome[];
}

interface Conversation {
  readonly staged: Map<string, StoredBinary>;
  prepared?: Prepared;
  answer?: ImportAnswer;
}

export interface ImportRequest {
  readonly conversationId: string;
  readonly nhsNumber: string;
  readonly fromOds: string;
  readonly mode: 'integrate' | 'hold';
  readonly bundle: Json;
  /** The patient's sharing decision that came with the record. */
  readonly dissent: boolean;
}

export class ImportRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GP2GP allows 100 MB per attachment. */
export const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

export class AttachmentTooLarge extends Error {}

/** Passes bytes through, failing once more than `max` have gone by (so a huge upload stops early). */
function capped(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > max ? new AttachmentTooLarge(`The attachment is larger than ${max} bytes.`) : null, chunk);
    },
  });
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export class FhirStu3TransferStore {
  private readonly conversations = new Map<string, Conversation>();
  private readonly filed = new Map<string, FiledRecord>();
  private readonly binaries = new Map<string, StoredBinary>();
  private dir: Promise<string> | undefined;
  private sequence = 0;

  constructor(private readonly today: () => string) {}

  /** A transferred patient filed here, by NHS number. */
  patient(nhsNumber: string): FiledRecord | undefined {
    return this.filed.get(nhsNumber);
  }

  patientById(id: string): FiledRecord | undefined {
    return [...this.filed.values()].find((r) => r.patientId === id);
  }

  binary(id: string): StoredBinary | undefined {
    return this.binaries.get(id);
  }

  /**
   * Streams one attachment of a conversation to disk. Once the conversation has been answered the upload is a
   * repeat: it is drained and ignored (`false`).
   */
  async stage(
    conversationId: string,
    id: string,
    meta: { contentType: string; filename?: string },
    body: Readable,
  ): Promise<boolean> {
    const conversation = this.conversation(conversationId);
    if (conversation.answer) {
      body.resume();
      return false;
    }
    const path = join(await this.directory(), `${++this.sequence}.bin`);
    try {
      await pipeline(body, capped(MAX_ATTACHMENT_BYTES), createWriteStream(path));
    } catch (err) {
      await unlink(path).catch(() => undefined);
      throw err;
    }
    const { size } = await stat(path);
    const previous = conversation.staged.get(id);
    conversation.staged.set(id, { id, path, size, contentType: meta.contentType, filename: meta.filename });
    if (previous) await unlink(previous.path).catch(() => undefined);
    return true;
  }

  /** Files (mode `integrate`) or holds (mode `hold`) a record; a repeat returns the first answer. */
  receive(request: ImportRequest): ImportAnswer {
    const conversation = this.conversation(request.conversationId);
    if (conversation.answer) return conversation.answer;
    const prepared = this.prepare(request, conversation);
    conversation.prepared = prepared;
    if (request.mode === 'hold') {
      conversation.answer = { status: 'awaiting-acceptance', items: prepared.items };
    } else {
      this.file(prepared);
      conversation.answer = { status: 'integrated', items: prepared.items };
    }
    return conversation.answer;
  }

  /** A clinician's decision on a held record; a repeat (or a decision on a filed record) returns the answer. */
  async decide(conversationId: string, accept: boolean, reasonCode: string): Promise<ImportAnswer | undefined> {
    const conversation = this.conversations.get(conversationId);
    if (!conversation?.answer || !conversation.prepared) return undefined;
    if (conversation.answer.status !== 'awaiting-acceptance') return conversation.answer;
    const { prepared } = conversation;
    if (accept) {
      this.file(prepared);
      conversation.answer = { status: 'integrated', items: prepared.items };
    } else {
      await Promise.all(prepared.binaries.map((b) => unlink(b.path).catch(() => undefined)));
      conversation.answer = {
        status: 'rejected',
        reasonCode,
        items: prepared.items.map((i) => ({
          sourceId: i.sourceId,
          outcome: 'not-integrated',
          note: 'The practice rejected the record.',
        })),
      };
    }
    return conversation.answer;
  }

  async close(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }

  private conversation(id: string): Conversation {
    let conversation = this.conversations.get(id);
    if (!conversation) {
      conversation = { staged: new Map() };
      this.conversations.set(id, conversation);
    }
    return conversation;
  }

  private directory(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'supplier-sim-p40004-'));
    return this.dir;
  }

  private prepare(request: ImportRequest, conversation: Conversation): Prepared {
    const entries = Array.isArray(request.bundle['entry']) ? request.bundle['entry'].filter(isObject) : [];
    const resources = entries.map((e) => e['resource']).filter(isObject);
    const patients = resources.filter((r) => r['resourceType'] === 'Patient');
    const [patient] = patients;
    if (patients.length !== 1 || !patient)
      throw new ImportRefusal('21', `The record must hold exactly one Patient; it holds ${patients.length}.`);
    const identifiers = Array.isArray(patient['identifier']) ? patient['identifier'].filter(isObject) : [];
    if (
      !identifiers.some((i) => i['system'] === 'https://fhir.nhs.uk/Id/nhs-number' && i['value'] === request.nhsNumber)
    )
      throw new ImportRefusal('28', 'The record is not about the patient named in the request (NHS number differs).');

    const patientId = `gp2gp-${request.nhsNumber}`;
    const oldReference = `Patient/${String(patient['id'])}`;
    const rehome = (r: Json) =>
      rewriteReferences(r, (ref) => (ref === oldReference ? `Patient/${patientId}` : ref)) as Json;

    const items: ItemOutcome[] = [];
    const binaries: StoredBinary[] = [];
    const filed: Json[] = [];
    const described = new Set<string>();
    for (const resource of resources) {
      const type = String(resource['resourceType']);
      if (type === 'Patient') continue;
      if (FRAMING_TYPES.has(type)) {
        filed.push(rehome(resource));
        continue;
      }
      const item = fileItem(rehome(resource));
      let kept = item.resource;
      const sourceId = `${type}/${String(resource['id'])}`;
      items.push({ sourceId, outcome: item.outcome, ...(item.note ? { note: item.note } : {}) });
      if (type === 'DocumentReference') {
        const attachmentId = binaryIdOf(kept);
        if (attachmentId !== undefined) {
          described.add(attachmentId);
          const staged = conversation.staged.get(attachmentId);
          if (staged) {
            const binary = { ...staged, id: `gp2gp-${++this.sequence}` };
            binaries.push(binary);
            kept = withAttachmentUrl(kept, `Binary/${binary.id}`, binary.size);
            items.push({ sourceId: attachmentId, outcome: 'integrated' });
          } else {
            items.push({
              sourceId: attachmentId,
              outcome: 'not-integrated',
              note: 'The attachment never arrived: the document is filed without its content.',
            });
          }
        }
      }
      filed.push(kept);
    }
    for (const staged of conversation.staged.values()) {
      if (described.has(staged.id)) continue;
      // An attachment no DocumentReference describes is still kept, under a minimal one of its own.
      const binary = { ...staged, id: `gp2gp-${++this.sequence}` };
      binaries.push(binary);
      filed.push({
        resourceType: 'DocumentReference',
        id: `${binary.id}-document`,
        status: 'current',
        type: { text: staged.filename ?? 'Transferred attachment' },
        subject: { reference: `Patient/${patientId}` },
        indexed: `${this.today()}T00:00:00+00:00`,
        content: [
          {
            attachment: {
              contentType: staged.contentType,
              url: `Binary/${binary.id}`,
              size: staged.size,
              title: staged.filename,
            },
          },
        ],
      });
      items.push({ sourceId: staged.id, outcome: 'integrated' });
    }
    return {
      record: {
        nhsNumber: request.nhsNumber,
        patientId,
        patient: { ...patient, id: patientId },
        resources: filed,
        conversationId: request.conversationId,
        fromOds: request.fromOds,
        filedOn: this.today(),
        dissent: request.dissent,
      },
      binaries,
      items,
    };
  }

  private file(prepared: Prepared): void {
    const previous = this.filed.get(prepared.record.nhsNumber);
    if (previous) {
      // A later transfer of the same patient replaces the earlier one (its documents go with it).
      for (const r of previous.resources) {
        if (r['resourceType'] !== 'DocumentReference') continue;
        const id = binaryIdOf(r);
        if (id !== undefined) this.binaries.delete(id);
      }
    }
    this.filed.set(prepared.record.nhsNumber, prepared.record);
    for (const b of prepared.binaries) this.binaries.set(b.id, b);
  }
}
