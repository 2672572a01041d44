/**
 * Test helpers for the P30003 GP2GP system: an EHR request as a GP2GP requester would send it, and a lenient
 * reader for the answers. Used by the simulator's own specs only.
 */
import { XMLParser } from 'fast-xml-parser';

export interface TestEhrRequest {
  readonly nhsNumber: string;
  readonly messageId?: string;
  readonly ehrRequestId?: string;
  readonly requesterOds?: string;
  readonly requesterAsid?: string;
  readonly senderOds?: string;
}

export const TEST_MESSAGE_ID = '6F1A2B3C-4D5E-4F60-8A7B-9C0D1E2F3A4B';
export const TEST_EHR_REQUEST_ID = '0B1C2D3E-4F50-4A61-B7C8-D9E0F1A2B3C4';

/** An `RCMR_IN010000UK05` EHR request, shaped like those the NHS adaptors send. */
export function ehrRequestXml(request: TestEhrRequest): string {
  const org = (ods: string) =>
    `<AgentOrgSDS classCode="AGNT"><agentOrganizationSDS classCode="ORG" determinerCode="INSTANCE">` +
    `<id root="1.2.826.0.1285.0.1.10" extension="${ods}"/></agentOrganizationSDS></AgentOrgSDS>`;
  const device = (asid: string) =>
    `<device classCode="DEV" determinerCode="INSTANCE"><id root="1.2.826.0.1285.0.2.0.107" extension="${asid}"/></device>`;
  const asid = request.requesterAsid ?? '200000000026';
  return `<?xml version="1.0" encoding="UTF-8"?>
<RCMR_IN010000UK05 xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <id root="${request.messageId ?? TEST_MESSAGE_ID}"/>
  <creationTime value="20250601090000"/>
  <versionCode code="V3NPfIT3.1.10"/>
  <interactionId root="2.16.840.1.113883.2.1.3.2.4.12" extension="RCMR_IN010000UK05"/>
  <processingCode code="P"/>
  <processingModeCode code="T"/>
  <acceptAckCode code="NE"/>
  <communicationFunctionRcv typeCode="RCV">${device('200000030003')}</communicationFunctionRcv>
  <communicationFunctionSnd typeCode="SND">${device(asid)}</communicationFunctionSnd>
  <ControlActEvent classCode="CACT" moodCode="EVN">
    <author1 typeCode="AUT"><AgentSystemSDS classCode="AGNT"><agentSystemSDS classCode="DEV" determinerCode="INSTANCE"><id root="1.2.826.0.1285.0.2.0.107" extension="${asid}"/></agentSystemSDS></AgentSystemSDS></author1>
    <subject typeCode="SUBJ" contextConductionInd="false">
      <EhrRequest classCode="EXTRACT" moodCode="RQO">
        <id root="${request.ehrRequestId ?? TEST_EHR_REQUEST_ID}"/>
        <recordTarget typeCode="RCT"><patient classCode="PAT"><id root="2.16.840.1.113883.2.1.4.1" extension="${request.nhsNumber}"/></patient></recordTarget>
        <author typeCode="AUT">${org(request.requesterOds ?? 'X26')}</author>
        <destination typeCode="DST">${org(request.senderOds ?? 'P30003')}</destination>
      </EhrRequest>
    </subject>
  </ControlActEvent>
</RCMR_IN010000UK05>`;
}

export type XNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (_name, _jpath, _leaf, isAttribute) => !isAttribute,
  jPath: false,
});

/** Parses XML with every element as an array, so tests can walk it without guessing cardinalities. */
export function parseHl7(xml: string): XNode {
  return parser.parse(xml) as XNode;
}

/** Every node named `name` anywhere below `node`. */
export function findAll(node: unknown, name: string): XNode[] {
  const found: XNode[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value as XNode)) {
      if (key === name) (Array.isArray(child) ? child : [child]).forEach((c) => found.push(c as XNode));
      visit(child);
    }
  };
  visit(node);
  return found;
}

/** The first node along a path of element names (each step takes the first element of that name). */
export function at(node: unknown, ...path: string[]): XNode | undefined {
  let current: unknown = node;
  for (const name of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    const next = (current as XNode)[name];
    current = Array.isArray(next) ? next[0] : next;
  }
  return typeof current === 'object' && current !== null ? (current as XNode) : undefined;
}

export function attrOf(node: XNode | undefined, name: string): string | undefined {
  const value = node?.[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** The text of the first element along a path (a leaf parses as a plain string, an element with attributes not). */
export function textAt(node: unknown, ...path: string[]): string | undefined {
  const last = path.pop();
  const parent = path.length > 0 ? at(node, ...path) : (node as XNode | undefined);
  const value = last === undefined ? undefined : parent?.[last];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first;
  const text = (first as XNode | undefined)?.['#text'];
  return typeof text === 'string' ? text : undefined;
}
