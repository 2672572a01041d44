import type { Readable } from 'node:stream';
import type { CanonicalRecord } from '@lloyd/adapters-core';
import {
  buildAcknowledgement,
  buildCopcContinue,
  buildCopcFragment,
  buildEhrRequest,
  fhirToTs,
  parseCopc,
  parseEhrExtract,
  streamEhrExtract,
  type BuildEhrExtractOptions,
  type ParsedEhrExtract,
} from '@lloyd/hl7v3';
import type { Transfer } from '../model/transfer.js';
import type { Gp2gpClock } from '../options.js';
import { asidFor, messageIdFor } from './ids.js';

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/** A message Lloyd built: its HL7 message id and its XML. */
export interface BuiltMessage {
  messageId: string;
  xml: string;
}

/** How the requester ends the transfer (GP2GP final `MCCI_IN010000UK13` on the extract). */
export type FinalAck = { typeCode: 'AA' } | { typeCode: 'AE' | 'AR'; reasonCode: string; reasonText?: string };

/**
 * The GP2GP HL7 V3 messages of one transfer, built with `@lloyd/hl7v3`. Lloyd brokers for both practices, so it
 * builds the requester's messages (EHR request, continue, COPC acks, final ack) and, for senders that are not
 * GP2GP-native, the sender's (request ack, extract, COPC fragments). Message ids are derived from the conversation
 * and the message's purpose, so a repeated step rebuilds identical messages.
 */
export class Gp2gpMessages {
  constructor(private readonly clock: Gp2gpClock) {}

  /** `RCMR_IN010000UK05` from the new practice to the old one. */
  ehrRequest(t: Transfer): BuiltMessage {
    const messageId = messageIdFor(t.conversationId, 'ehr-request');
    const xml = buildEhrRequest({
      messageId,
      creationTime: this.ts(),
      fromAsid: asidFor(t.toOds),
      toAsid: asidFor(t.fromOds),
      ehrRequestId: this.ehrRequestId(t),
      nhsNumber: t.nhsNumber,
      requestingOds: t.toOds,
      sendingOds: t.fromOds,
    });
    return { messageId, xml };
  }

  /** The sender's positive acknowledgement of the EHR request. */
  requestAck(t: Transfer, requestMessageId: string): BuiltMessage {
    return this.ack(t, 'request-ack', requestMessageId, { typeCode: 'AA' }, 'sender');
  }

  /** The requester's acknowledgement of one COPC fragment (GP2GP: every COPC is acknowledged). */
  fragmentAck(t: Transfer, index: number, fragmentMessageId: string): BuiltMessage {
    return this.ack(t, `fragment-ack-${index}`, fragmentMessageId, { typeCode: 'AA' }, 'requester');
  }

  /** The requester's final acknowledgement of the extract: AA integrated, AE/AR with a reason code. */
  finalAck(t: Transfer, extractMessageId: string, ack: FinalAck): BuiltMessage {
    return this.ack(t, 'final-ack', extractMessageId, ack, 'requester');
  }

  /** The message id of the transfer's extract (core) message. */
  extractMessageId(t: Transfer): string {
    return messageIdFor(t.conversationId, 'extract');
  }

  /** The requester's negative acknowledgement of a message it cannot take (e.g. reason 12, a duplicate extract). */
  negativeAck(t: Transfer, purpose: string, refersTo: string, reasonCode: string): BuiltMessage {
    return this.ack(t, purpose, refersTo, { typeCode: 'AE', reasonCode }, 'requester');
  }

  /** The extract built from a canonical record (`RCMR_IN030000UK06`/`UK07`), streamed. */
  extractFromRecord(
    t: Transfer,
    record: CanonicalRecord,
    report: Pick<BuildEhrExtractOptions, 'onSkipped' | 'onPartNotCarried'> = {},
  ): { messageId: string; stream: Readable } {
    const messageId = this.extractMessageId(t);
    const stream = streamEhrExtract(record, {
      messageId,
      conversationId: t.conversationId,
      ehrRequestId: this.ehrRequestId(t),
      fromAsid: asidFor(t.fromOds),
      toAsid: asidFor(t.toOds),
      fromOds: t.fromOds,
      toOds: t.toOds,
      now: new Date(this.clock()),
      ...report,
    });
    return { messageId, stream };
  }

  /**
   * The core of a large message whose extract is too big for one message: a skeleton extract whose only item is a
   * document referring to the compressed extract, which travels as an attachment (GP2GP `X-GP2GP-Skeleton: Yes`).
   */
  skeletonCore(t: Transfer, skeletonFile: string): { messageId: string; stream: Readable } {
    const document: fhir4.DocumentReference = {
      resourceType: 'DocumentReference',
      id: 'skeleton',
      status: 'current',
      subject: { reference: 'Patient/patient' },
      description: 'The EHR extract, compressed: it was too large for one message',
      content: [
        {
          attachment: { contentType: 'application/xml', url: `file://localhost/${skeletonFile}`, title: skeletonFile },
        },
      ],
    };
    return this.extractFromRecord(t, {
      patient: {
        resourceType: 'Patient',
        id: 'patient',
        identifier: [{ system: NHS_NUMBER_SYSTEM, value: t.nhsNumber }],
      },
      practice: {
        resourceType: 'Organization',
        id: 'practice',
        identifier: [{ system: ODS_SYSTEM, value: t.fromOds }],
      },
      practitioners: [],
      practitionerRoles: [],
      resources: [document],
    });
  }

  /** The requester's COPC "continue" for a large message. */
  continue(t: Transfer, extractMessageId: string): BuiltMessage {
    const messageId = messageIdFor(t.conversationId, 'continue');
    const xml = buildCopcContinue({
      messageId,
      creationTime: this.ts(),
      fromAsid: asidFor(t.toOds),
      toAsid: asidFor(t.fromOds),
      fromOds: t.toOds,
      toOds: t.fromOds,
      extractMessageId,
    });
    return { messageId, xml };
  }

  /** The message id of the COPC carrying fragment `index`. */
  fragmentMessageId(t: Transfer, index: number): string {
    return messageIdFor(t.conversationId, `fragment-${index}`);
  }

  /** The sender's COPC carrying fragment `index` (its content travels beside it as the MIME part `fileName`). */
  fragment(t: Transfer, index: number, fileName: string): BuiltMessage {
    const messageId = this.fragmentMessageId(t, index);
    const xml = buildCopcFragment({
      messageId,
      creationTime: this.ts(),
      fromAsid: asidFor(t.fromOds),
      toAsid: asidFor(t.toOds),
      fromOds: t.fromOds,
      toOds: t.toOds,
      fileName,
    });
    return { messageId, xml };
  }

  /** Reads a received COPC fragment: its message id and the file it carries. */
  async readFragment(source: Readable | string): Promise<{ messageId: string; fileName: string | undefined }> {
    const parsed = await parseCopc(source);
    return { messageId: parsed.messageId, fileName: parsed.references[0] };
  }

  /** Parses an extract, streaming, into the canonical record. */
  parseExtract(source: Readable): Promise<ParsedEhrExtract> {
    return parseEhrExtract(source);
  }

  private ack(
    t: Transfer,
    purpose: string,
    refersTo: string,
    ack: FinalAck,
    from: 'sender' | 'requester',
  ): BuiltMessage {
    const messageId = messageIdFor(t.conversationId, purpose);
    const [fromOds, toOds] = from === 'sender' ? [t.fromOds, t.toOds] : [t.toOds, t.fromOds];
    const xml = buildAcknowledgement({
      messageId,
      creationTime: this.ts(),
      fromAsid: asidFor(fromOds),
      toAsid: asidFor(toOds),
      typeCode: ack.typeCode,
      acknowledgedMessageId: refersTo,
      ...(ack.typeCode !== 'AA'
        ? { reasonCode: ack.reasonCode, ...(ack.reasonText ? { reasonText: ack.reasonText } : {}) }
        : {}),
    });
    return { messageId, xml };
  }

  private ehrRequestId(t: Transfer): string {
    return messageIdFor(t.conversationId, 'ehr-request-id');
  }

  /** The clock's now as an HL7 TS (UK local time, to the second). */
  private ts(): string {
    return fhirToTs(new Date(this.clock()).toISOString().replace(/\.\d+Z$/, 'Z'))!;
  }
}
