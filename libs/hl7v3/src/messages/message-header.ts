import { OIDS } from '../datatypes/code-systems.js';
import { attr, child, path, type XNode } from '../xml/xml-tree.js';
import type { XmlWriter } from '../xml/xml-writer.js';

/** The transmission wrapper every GP2GP HL7 message shares. */
export interface MessageHeader {
  /** HL7 message id (and ebXML MessageId): an upper-case UUID. */
  messageId: string;
  /** HL7 TS, e.g. `20240101120000`. */
  creationTime: string;
  /** Spine ASID of the sending system. */
  fromAsid: string;
  /** Spine ASID of the receiving system. */
  toAsid: string;
}

export const HL7_NAMESPACE = 'urn:hl7-org:v3';
const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

function writeDevice(w: XmlWriter, element: string, typeCode: string, asid: string): void {
  w.element(element, { typeCode }, () => {
    w.element('device', { classCode: 'DEV', determinerCode: 'INSTANCE' }, () =>
      w.empty('id', { root: OIDS.asid, extension: asid }),
    );
  });
}

/**
 * Opens `<interaction>` with the wrapper fields, the optional acknowledgement (MCCI puts it before the
 * communication functions), the communication functions and `ControlActEvent/author1`. Close with
 * {@link writeMessageEnd}.
 */
export function writeMessageStart(
  w: XmlWriter,
  interaction: string,
  header: MessageHeader,
  options: { versionCode?: string; acknowledgement?: (w: XmlWriter) => void; controlAct?: boolean } = {},
): void {
  w.declaration();
  w.start(interaction, { xmlns: HL7_NAMESPACE, 'xmlns:xsi': XSI_NAMESPACE });
  w.empty('id', { root: header.messageId });
  w.empty('creationTime', { value: header.creationTime });
  w.empty('versionCode', { code: options.versionCode ?? 'V3NPfIT3.1.10' });
  w.empty('interactionId', { root: OIDS.interaction, extension: interaction });
  w.empty('processingCode', { code: 'P' });
  w.empty('processingModeCode', { code: 'T' });
  w.empty('acceptAckCode', { code: 'NE' });
  options.acknowledgement?.(w);
  writeDevice(w, 'communicationFunctionRcv', 'RCV', header.toAsid);
  writeDevice(w, 'communicationFunctionSnd', 'SND', header.fromAsid);
  w.start('ControlActEvent', { classCode: 'CACT', moodCode: 'EVN' });
  w.element('author1', { typeCode: 'AUT' }, () => {
    w.element('AgentSystemSDS', { classCode: 'AGNT' }, () => {
      w.element('agentSystemSDS', { classCode: 'DEV', determinerCode: 'INSTANCE' }, () =>
        w.empty('id', { root: OIDS.asid, extension: header.fromAsid }),
      );
    });
  });
}

/** Closes `ControlActEvent` and the interaction element. */
export function writeMessageEnd(w: XmlWriter): void {
  w.end();
  w.end();
}

/** The wrapper fields of a parsed message (absent ones are empty strings). */
export function readMessageHeader(root: XNode): MessageHeader {
  const asid = (fn: string): string => attr(path(root, fn, 'device', 'id'), 'extension') ?? '';
  return {
    messageId: attr(child(root, 'id'), 'root') ?? '',
    creationTime: attr(child(root, 'creationTime'), 'value') ?? '',
    fromAsid: asid('communicationFunctionSnd'),
    toAsid: asid('communicationFunctionRcv'),
  };
}
