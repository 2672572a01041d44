import { OIDS } from '../datatypes/code-systems.js';
import { nowTs } from '../datatypes/timestamp.js';
import { readXml } from '../xml/safe-xml-reader.js';
import type { XmlLimits } from '../xml/xml-limits.js';
import type { XmlSource } from '../xml/xml-source.js';
import { attr, child, children, childText, deepText, path, TreeBuilder, type XNode } from '../xml/xml-tree.js';
import { XmlWriter } from '../xml/xml-writer.js';
import {
  HL7_NAMESPACE,
  readMessageHeader,
  writeMessageEnd,
  writeMessageStart,
  type MessageHeader,
} from './message-header.js';

export const COPC_INTERACTION = 'COPC_IN000001UK01';
const GP2GP_NAMESPACE = 'urn:nhs:names:services:gp2gp';
const LOCALISATION_NAMESPACE = 'NPFIT:HL7:Localisation';
/** The subject line that makes a COPC the requester's "continue" for a large message. */
export const CONTINUE_SUBJECT = 'Continue Acknowledgement';

/** The parties of a COPC (large-message) exchange. */
export interface CopcParties extends MessageHeader {
  fromOds: string;
  toOds: string;
}

export interface CopcFragmentInput extends Omit<CopcParties, 'creationTime'> {
  creationTime?: string;
  /** The attachment or fragment file name this COPC carries (the MIME part travels beside the HL7 payload). */
  fileName: string;
  /** The id of the payload body; defaults to the message id. */
  payloadId?: string;
}

export interface CopcContinueInput extends Omit<CopcParties, 'creationTime'> {
  creationTime?: string;
  /** The EHR extract message being acknowledged. */
  extractMessageId: string;
}

export interface ParsedCopc extends MessageHeader {
  kind: 'continue' | 'fragment';
  subject?: string;
  fromOds?: string;
  toOds?: string;
  /** The message id given inside the payload (`Gp2gpfragment/message-id`). */
  payloadMessageId?: string;
  /** File names referenced by the payload bodies (`pertinentPayloadBody/value/reference/@value`). */
  references: string[];
  /** For a continue: the extract it acknowledges. */
  acknowledgedMessageId?: string;
}

function writeFragmentHeader(w: XmlWriter, input: CopcParties, subject: string): void {
  w.element('Gp2gpfragment', { xmlns: GP2GP_NAMESPACE }, () => {
    w.text('Version', '01');
    w.element('Recipients', undefined, () => w.text('Recipient', input.toOds));
    w.text('From', input.fromOds);
    w.text('subject', subject);
    w.text('message-id', input.messageId);
  });
}

function writePayloadInformation(
  w: XmlWriter,
  input: CopcParties,
  options: {
    code: string;
    display: string;
    bodyCode: string;
    bodyDisplay: string;
    messageType: string;
    subject: string;
    payloadId: string;
  },
  body: () => void,
): void {
  w.element('subject', { typeCode: 'SUBJ', contextConductionInd: 'false' }, () => {
    w.element(
      'PayloadInformation',
      { classCode: 'OBS', moodCode: 'EVN', 'xmlns:npfitlc': LOCALISATION_NAMESPACE },
      () => {
        w.empty('code', { code: options.code, codeSystem: OIDS.gp2gpPayload, displayName: options.display });
        w.empty('id', { root: input.messageId });
        w.empty('npfitlc:messageType', { root: OIDS.messageType, extension: options.messageType });
        w.element('value', undefined, () => writeFragmentHeader(w, input, options.subject));
        w.element('pertinentInformation', { typeCode: 'PERT' }, () => {
          w.empty('sequenceNumber', { value: '1' });
          w.element('pertinentPayloadBody', { classCode: 'OBS', moodCode: 'EVN' }, () => {
            w.empty('code', {
              code: options.bodyCode,
              codeSystem: OIDS.gp2gpPayload,
              displayName: options.bodyDisplay,
            });
            w.empty('id', { root: options.payloadId });
            w.element('value', undefined, body);
          });
        });
      },
    );
  });
}

/** A COPC carrying one large-message attachment or fragment (the content is the message's MIME attachment). */
export function buildCopcFragment(input: CopcFragmentInput): string {
  const parties = { ...input, creationTime: input.creationTime ?? nowTs() };
  const w = new XmlWriter();
  writeMessageStart(w, COPC_INTERACTION, parties, { versionCode: 'V3NPfIT3.0' });
  writePayloadInformation(
    w,
    parties,
    {
      code: 'GP2GPLMATTACHMENTINFO',
      display: 'GP2GP Large Message Attachment Information',
      bodyCode: 'GP2GPLMATTACHMENT',
      bodyDisplay: 'GP2GP Large Message Attachment',
      messageType: 'RCMR_MT000001GB01',
      subject: `Attachment: ${input.fileName}`,
      payloadId: input.payloadId ?? input.messageId,
    },
    () => w.empty('reference', { value: input.fileName }),
  );
  writeMessageEnd(w);
  return w.toString();
}

/**
 * The requester's "continue" for a large message: a COPC whose subject is `Continue Acknowledgement`, embedding a
 * positive MCCI acknowledgement (code 0, "Continue") of the extract.
 */
export function buildCopcContinue(input: CopcContinueInput): string {
  const parties = { ...input, creationTime: input.creationTime ?? nowTs() };
  const w = new XmlWriter();
  writeMessageStart(w, COPC_INTERACTION, parties, { versionCode: 'V3NPfIT3.0' });
  writePayloadInformation(
    w,
    parties,
    {
      code: 'GP2GP_PI',
      display: 'GP2GP Payload Information',
      bodyCode: 'GP2GP_PB',
      bodyDisplay: 'GP2GP Payload Body',
      messageType: 'RCMR_MT000002GB01',
      subject: CONTINUE_SUBJECT,
      payloadId: input.messageId,
    },
    () => {
      w.element('Gp2gpfragment', { xmlns: GP2GP_NAMESPACE }, () => {
        w.element('Message', { xmlns: HL7_NAMESPACE, type: 'Message' }, () => {
          w.empty('id', { root: input.messageId });
          w.empty('code', { code: '0', codeSystem: OIDS.gp2gpReason, displayName: 'Continue' });
          w.empty('creationTime', { value: parties.creationTime });
          w.empty('versionCode', { code: 'V3NPfIT3.1.09' });
          w.empty('interactionId', { root: OIDS.interaction, extension: 'MCCI_IN010000UK13' });
          w.empty('processingCode', { code: 'P' });
          w.empty('processingModeCode', { code: 'T' });
          w.empty('acceptAckCode', { code: 'NE' });
          w.element('acknowledgement', { typeCode: 'AA' }, () => {
            w.element('acknowledgementDetail', { typeCode: 'IF' }, () => {
              w.empty('code', { code: '0', codeSystem: OIDS.gp2gpReason, displayName: 'Continue' });
            });
            w.element('messageRef', undefined, () => w.empty('id', { root: input.extractMessageId }));
          });
          w.element('communicationFunctionRcv', { typeCode: 'RCV' }, () => {
            w.element('device', { classCode: 'DEV', determinerCode: 'INSTANCE' }, () =>
              w.empty('id', { root: OIDS.asid, extension: input.toAsid }),
            );
          });
          w.element('communicationFunctionSnd', { typeCode: 'SND' }, () => {
            w.element('device', { classCode: 'DEV', determinerCode: 'INSTANCE' }, () =>
              w.empty('id', { root: OIDS.asid, extension: input.fromAsid }),
            );
          });
        });
        w.element('acknowledgedMessage', undefined, () => w.empty('id', { root: input.extractMessageId }));
      });
    },
  );
  writeMessageEnd(w);
  return w.toString();
}

function fragmentText(value: XNode | undefined, name: string): string | undefined {
  const fragment = child(value, 'Gp2gpfragment');
  return childText(fragment, name);
}

/** Parses a COPC message: a continue (with the extract it acknowledges) or a fragment/attachment carrier. */
export async function parseCopc(source: XmlSource, limits?: Partial<XmlLimits>): Promise<ParsedCopc> {
  const tree = new TreeBuilder();
  await readXml(source, tree, limits);
  const root = tree.documentElement;
  if (root?.name !== COPC_INTERACTION) {
    throw new Error(
      `Not a COPC message: the root element is <${root?.name ?? 'none'}>, expected <${COPC_INTERACTION}>.`,
    );
  }
  const info = path(root, 'ControlActEvent', 'subject', 'PayloadInformation');
  const headerValue = child(info, 'value');
  const subject = fragmentText(headerValue, 'subject');
  const bodies = children(info, 'pertinentInformation').map((p) => child(p, 'pertinentPayloadBody'));
  const references = bodies
    .map((b) => attr(path(b, 'value', 'reference'), 'value'))
    .filter((r): r is string => r !== undefined);
  const embedded = bodies.map((b) => path(b, 'value', 'Gp2gpfragment')).find((f) => f !== undefined);
  const ackMessage = child(embedded, 'Message');
  const continueCode =
    attr(path(ackMessage, 'acknowledgement', 'acknowledgementDetail', 'code'), 'code') ??
    attr(child(ackMessage, 'code'), 'code');
  const isContinue = (subject?.toLowerCase().includes('continue') ?? false) || continueCode === '0';
  const parsed: ParsedCopc = { ...readMessageHeader(root), kind: isContinue ? 'continue' : 'fragment', references };
  if (subject) parsed.subject = subject;
  const from = fragmentText(headerValue, 'From');
  const to = deepText(path(headerValue, 'Gp2gpfragment', 'Recipients', 'Recipient')).trim();
  const payloadMessageId = fragmentText(headerValue, 'message-id');
  if (from) parsed.fromOds = from;
  if (to) parsed.toOds = to;
  if (payloadMessageId) parsed.payloadMessageId = payloadMessageId;
  if (isContinue) {
    const acknowledged =
      attr(path(embedded, 'acknowledgedMessage', 'id'), 'root') ??
      attr(path(ackMessage, 'acknowledgement', 'messageRef', 'id'), 'root');
    if (acknowledged) parsed.acknowledgedMessageId = acknowledged;
  }
  return parsed;
}
