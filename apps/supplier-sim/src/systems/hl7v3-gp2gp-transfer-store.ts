/**
 * P30003's inbound GP2GP store: the records received per conversation (with their attachments and the PDS-style
 * registration details), and the patients and documents filed from them, which the system's normal endpoints serve
 * beside the generated dataset.
 */
import type { Demographics, DocumentItem, Practice, SyntheticPatient } from '../generator/model.js';
import { derivedId } from './hl7v3-gp2gp-codes.js';
import type { FiledItem, ReadExtract } from './hl7v3-gp2gp-transfer-reader.js';

export type InboundState = 'receiving' | 'held' | 'integrated' | 'rejected';

/**
 * The patient details the receiving practice takes from its PDS trace at registration, with the patient's sharing
 * decision (kept as the patient's consent).
 */
export type RegistrationDetails = Omit<Demographics, 'registeredPracticeOds' | 'usualGp' | 'registration'> & {
  readonly dissent: boolean;
};

export interface InboundConversation {
  readonly id: string;
  readonly extract: ReadExtract;
  registration?: RegistrationDetails;
  readonly attachments: Map<string, Buffer>;
  state: InboundState;
  reason?: string;
}

export class InboundStore {
  readonly conversations = new Map<string, InboundConversation>();
  private readonly patients = new Map<string, SyntheticPatient>();
  private readonly documents = new Map<
    string,
    { document: DocumentItem; patient: SyntheticPatient; content: Buffer }
  >();

  constructor(
    private readonly practice: Practice,
    private readonly asOf: string,
  ) {}

  findPatient(nhsNumber: string): SyntheticPatient | undefined {
    return this.patients.get(nhsNumber);
  }

  findDocument(id: string): { document: DocumentItem; patient: SyntheticPatient; content: Buffer } | undefined {
    return this.documents.get(id);
  }

  get patientCount(): number {
    return this.patients.size;
  }

  /** Files a received record: the patient is registered here, with every item it brought and its documents. */
  file(conversation: InboundConversation): void {
    const { extract, registration: details } = conversation;
    if (!details) throw new Error('A record cannot be filed before the patient is registered');
    const { dissent, ...registration } = details;
    const usualGp = this.practice.clinicians[0]!;
    const documents = extract.record.documents.map((d) => ({
      ...d,
      size: conversation.attachments.get(d.id)?.byteLength ?? 0,
    }));
    const patient: SyntheticPatient = {
      sourceId: derivedId('gp2gp-received', conversation.id, extract.nhsNumber),
      demographics: {
        ...registration,
        registeredPracticeOds: this.practice.ods,
        usualGp,
        registration: { status: 'active', type: 'GMS', since: this.asOf },
      },
      consent: { dissent },
      record: { ...extract.record, documents },
    };
    this.patients.set(extract.nhsNumber, patient);
    for (const document of documents) {
      const content = conversation.attachments.get(document.id) ?? Buffer.alloc(0);
      this.documents.set(document.id, { document, patient, content });
    }
    conversation.state = 'integrated';
  }

  /** The items as the integration report gives them: documents whose content never came are not integrated. */
  itemsOf(conversation: InboundConversation): FiledItem[] {
    const documents = new Set(conversation.extract.documentIds);
    return conversation.extract.items.map((item) =>
      documents.has(item.id) && !conversation.attachments.has(item.id)
        ? { ...item, outcome: 'not-integrated', note: 'The document was not received' }
        : item,
    );
  }
}
