import { OIDS } from '../datatypes/code-systems.js';
import { nowTs } from '../datatypes/timestamp.js';
import { readXml } from '../xml/safe-xml-reader.js';
import type { XmlLimits } from '../xml/xml-limits.js';
import type { XmlSource } from '../xml/xml-source.js';
import { attr, child, path, TreeBuilder } from '../xml/xml-tree.js';
import { XmlWriter } from '../xml/xml-writer.js';
import { readMessageHeader, writeMessageEnd, writeMessageStart, type MessageHeader } from './message-header.js';

export const EHR_REQUEST_INTERACTION = 'RCMR_IN010000UK05';

/**
 * An EHR request (`RCMR_IN010000UK05`): the new practice asks the patient's previous practice for the record.
 * No XSD for this interaction is among the GP2GP schemas Lloyd has (only the extract, COPC and MCCI ones), so it is
 * built to the NHS adaptors' published shape and checked by round trip rather than by schema.
 */
export interface EhrRequest extends MessageHeader {
  /** The EhrRequest id; the extract answers it in `inFulfillmentOf/priorEhrRequest`. */
  ehrRequestId: string;
  nhsNumber: string;
  /** The requesting (new) practice. */
  requestingOds: string;
  /** The practice asked for the record (the previous one). */
  sendingOds: string;
}

export type EhrRequestInput = Omit<EhrRequest, 'creationTime'> & { creationTime?: string };

function writeOrg(w: XmlWriter, element: string, typeCode: string, ods: string): void {
  w.element(element, { typeCode }, () => {
    w.element('AgentOrgSDS', { classCode: 'AGNT' }, () => {
      w.element('agentOrganizationSDS', { classCode: 'ORG', determinerCode: 'INSTANCE' }, () =>
        w.empty('id', { root: OIDS.sdsOrganization, extension: ods }),
      );
    });
  });
}

/** Builds an EHR request message. */
export function buildEhrRequest(input: EhrRequestInput): string {
  const w = new XmlWriter();
  writeMessageStart(w, EHR_REQUEST_INTERACTION, { ...input, creationTime: input.creationTime ?? nowTs() });
  w.element('subject', { typeCode: 'SUBJ', contextConductionInd: 'false' }, () => {
    w.element('EhrRequest', { classCode: 'EXTRACT', moodCode: 'RQO' }, () => {
      w.empty('id', { root: input.ehrRequestId });
      w.element('recordTarget', { typeCode: 'RCT' }, () => {
        w.element('patient', { classCode: 'PAT' }, () =>
          w.empty('id', { root: OIDS.nhsNumber, extension: input.nhsNumber }),
        );
      });
      writeOrg(w, 'author', 'AUT', input.requestingOds);
      writeOrg(w, 'destination', 'DST', input.sendingOds);
    });
  });
  writeMessageEnd(w);
  return w.toString();
}

/** Parses an EHR request; fails with a clear message when a mandatory part is missing. */
export async function parseEhrRequest(source: XmlSource, limits?: Partial<XmlLimits>): Promise<EhrRequest> {
  const tree = new TreeBuilder();
  await readXml(source, tree, limits);
  const root = tree.documentElement;
  if (root?.name !== EHR_REQUEST_INTERACTION) {
    throw new Error(
      `Not an EHR request: the root element is <${root?.name ?? 'none'}>, expected <${EHR_REQUEST_INTERACTION}>.`,
    );
  }
  const request = path(root, 'ControlActEvent', 'subject', 'EhrRequest');
  const org = (element: string): string | undefined =>
    attr(path(request, element, 'AgentOrgSDS', 'agentOrganizationSDS', 'id'), 'extension');
  const fields = {
    ehrRequestId: attr(child(request, 'id'), 'root'),
    nhsNumber: attr(path(request, 'recordTarget', 'patient', 'id'), 'extension'),
    requestingOds: org('author'),
    sendingOds: org('destination'),
  };
  const missing = Object.entries(fields)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0)
    throw new Error(`EHR request is missing ${missing.join(', ')}; ask the requester to resend a complete request.`);
  return { ...readMessageHeader(root), ...(fields as Pick<EhrRequest, keyof typeof fields>) };
}
