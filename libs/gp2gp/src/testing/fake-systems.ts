import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { settleHeldImport, TransferEndpoint, TransferRefusedError } from '@lloyd/adapters-core';
import type {
  AttachmentSource,
  ExportedRecord,
  ImportDecision,
  IntegrationResult,
  RecordDelivery,
  TransferCallContext,
} from '@lloyd/adapters-core';
import type { CanonicalRecord } from '@lloyd/adapters-core';
import { generatedAttachment, generateBytes } from '@lloyd/adapters-core-testing';

export { generatedAttachment, generateBytes };

/** Reads a stream to its end, returning its bytes (for tests with small content). */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** How a fake receiving system answers a delivery. */
export type ReceiverBehaviour = 'integrate' | 'reject' | 'hold';

/** One import the fake received, with the attachments' bytes and digests as it read them. */
export interface ReceivedImport {
  conversationId: string;
  nhsNumber: string;
  delivery: RecordDelivery;
  attachments: { id: string; bytes: number; sha256: string }[];
  status: IntegrationResult['status'];
  /** The practice's reason code when it rejected a held record. */
  reasonCode?: string;
}

export interface FakeSystemOptions {
  /** What the system exports as a sender (omit for a receiver only). */
  exports?: (nhsNumber: string) => ExportedRecord | Promise<ExportedRecord>;
  /** How it answers deliveries; `integrate` by default. */
  receive?: ReceiverBehaviour;
  /** Reason code when rejecting. */
  rejectCode?: string;
  /** Items the system cannot hold as coded and files as degraded, beyond those Lloyd marked degraded. */
  degrades?: (resource: fhir4.Resource) => boolean;
  /** How long a decision takes (to let decisions race). */
  decisionDelayMs?: number;
}

/**
 * An in-memory supplier system with a {@link TransferEndpoint}, for tests: a sender exporting a canonical record or
 * an HL7 extract with attachments, and a receiver that integrates, rejects or holds records for acceptance. Imports
 * are idempotent per conversation, like a real endpoint, and counted.
 */
export class FakeTransferSystem extends TransferEndpoint {
  readonly imports = new Map<string, ReceivedImport>();
  importCalls = 0;
  exportCalls = 0;
  completeCalls = 0;

  constructor(private readonly options: FakeSystemOptions = {}) {
    super();
  }

  /** A sender of `record` (canonical) with these attachments. */
  static sendingCanonical(
    record: (nhsNumber: string) => CanonicalRecord,
    attachments: () => AttachmentSource[] = () => [],
  ): FakeTransferSystem {
    return new FakeTransferSystem({
      exports: (nhs) => ({ extract: { format: 'canonical', record: record(nhs) }, attachments: attachments() }),
    });
  }

  /** A GP2GP-native sender that gives its own HL7 V3 extract. */
  static sendingHl7(
    xml: (nhsNumber: string) => string,
    attachments: () => AttachmentSource[] = () => [],
  ): FakeTransferSystem {
    return new FakeTransferSystem({
      exports: (nhs) => ({
        extract: { format: 'hl7v3', open: () => Promise.resolve(Readable.from([Buffer.from(xml(nhs), 'utf8')])) },
        attachments: attachments(),
      }),
    });
  }

  async exportRecord(nhsNumber: string, _ctx: TransferCallContext): Promise<ExportedRecord> {
    this.exportCalls++;
    if (!this.options.exports) throw new TransferRefusedError('06', `patient ${nhsNumber} is not at this surgery`);
    return this.options.exports(nhsNumber);
  }

  async importRecord(
    nhsNumber: string,
    delivery: RecordDelivery,
    ctx: TransferCallContext,
  ): Promise<IntegrationResult> {
    this.importCalls++;
    const earlier = this.imports.get(ctx.conversationId);
    if (earlier) return this.result(earlier);
    const attachments: ReceivedImport['attachments'] = [];
    for (const attachment of delivery.attachments) {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of await attachment.open()) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      attachments.push({ id: attachment.id, bytes, sha256: hash.digest('hex') });
    }
    const behaviour = this.options.receive ?? 'integrate';
    const status: IntegrationResult['status'] =
      behaviour === 'reject'
        ? 'rejected'
        : behaviour === 'hold' || delivery.mode === 'hold'
          ? 'awaiting-acceptance'
          : 'integrated';
    const received: ReceivedImport = { conversationId: ctx.conversationId, nhsNumber, delivery, attachments, status };
    this.imports.set(ctx.conversationId, received);
    return this.result(received);
  }

  /** Decides a held record; like a real system, a record already integrated or rejected stays so. */
  async completeImport(
    _nhsNumber: string,
    decision: ImportDecision,
    ctx: TransferCallContext,
    heldNote: IntegrationResult,
  ): Promise<IntegrationResult> {
    this.completeCalls++;
    const held = this.imports.get(ctx.conversationId);
    if (!held) throw new Error(`No import held for conversation ${ctx.conversationId}`);
    if (this.options.decisionDelayMs) await new Promise((resolve) => setTimeout(resolve, this.options.decisionDelayMs));
    if (held.status === 'awaiting-acceptance') {
      held.status = decision.accept ? 'integrated' : 'rejected';
      if (!decision.accept) held.reasonCode = decision.reasonCode;
    }
    return settleHeldImport(heldNote, this.result(held));
  }

  /** The practice files a held record in its own system, outside Lloyd. */
  fileAtPractice(conversationId: string): void {
    const held = this.imports.get(conversationId);
    if (held?.status === 'awaiting-acceptance') held.status = 'integrated';
  }

  private result(received: ReceivedImport): IntegrationResult {
    const items = received.delivery.record.resources.map((r) => ({
      sourceId: `${r.resourceType}/${r.id ?? ''}`,
      outcome: isDegraded(r) || this.options.degrades?.(r) ? ('degraded' as const) : ('integrated' as const),
    }));
    return {
      status: received.status,
      items,
      ...(received.status === 'rejected' ? { reasonCode: received.reasonCode ?? this.options.rejectCode ?? '11' } : {}),
    };
  }
}

function isDegraded(resource: fhir4.Resource): boolean {
  return ((resource as fhir4.DomainResource).extension ?? []).some((e) => e.url.endsWith('/degraded-code'));
}
