/**
 * The messages around the extract: reading the EHR request (`RCMR_IN010000UK05`), the negative acknowledgement
 * (`MCCI_IN010000UK13` with a GP2GP reason code), the HL7 transmission wrapper they share, and the simulator's own
 * small answers (health, patient summary).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Gender, Practice, SyntheticPatient } from '../generator/model.js';
import { derivedId, OID, ts, VERSION_CODE } from './hl7v3-gp2gp-codes.js';
import { Hl7Writer } from './hl7v3-gp2gp-xml.js';

export const HL7_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** What the system reads from an EHR request. */
export interface EhrRequestInfo {
  /** The request message's id (acknowledgements refer to it). */
  readonly messageId: string;
  /** The EhrRequest act's id (the extract is `inFulfillmentOf` it). */
  readonly ehrRequestId: string;
  readonly nhsNumber: string;
  readonly requesterAsid?: string;
  readonly requesterOds?: string;
}

/** The GP2GP reason codes this system sends (reference/gp2gp.md), with their meaning. */
export const NACK_REASONS: Readonly<Record<string, string>> = {
  '06': 'Patient not at surgery.',
  '07': 'GP2GP messaging is not enabled on this system.',
  '10': 'Failed to successfully generate EHR Extract.',
  '13': "The system's configuration prevents it from processing this message.",
  '18': 'Request message not well-formed or not able to be processed.',
  '19': "Sender check indicates that Requester is not the patient's current healthcare provider.",
  '20': 'Spine system responded with an error.',
  '24': 'SDS lookup provided zero or more than one result to the query for each interaction.',
  '99': 'Unexpected condition.',
};

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  maxNestedTags: 64,
  jPath: false,
});

type Node = Record<string, unknown>;

function child(node: unknown, ...path: string[]): Node | undefined {
  let current: unknown = node;
  for (const name of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Node)[name];
    if (Array.isArray(current)) current = current[0];
  }
  return typeof current === 'object' && current !== null ? (current as Node) : undefined;
}

function attribute(node: Node | undefined, name: string): string | undefined {
  const value = node?.[`@${name}`];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Reads an EHR request leniently (real senders vary), but insists on what the answer depends on: the interaction,
 * the request ids and a 10-digit NHS number. A failure is answered with reason 18 (not well-formed).
 */
export function parseEhrRequest(body: string): { ok: true; request: EhrRequestInfo } | { ok: false; reason: string } {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) return { ok: false, reason: 'document type declarations are not accepted' };
  const valid = XMLValidator.validate(body);
  if (valid !== true) return { ok: false, reason: `malformed XML at line ${valid.err.line}: ${valid.err.msg}` };
  let document: Node;
  try {
    document = parser.parse(body) as Node;
  } catch (err) {
    return { ok: false, reason: `unreadable XML: ${(err as Error).message}` };
  }
  const root = child(document, 'RCMR_IN010000UK05');
  if (!root) return { ok: false, reason: 'the message is not an EHR request (RCMR_IN010000UK05)' };
  const request = child(root, 'ControlActEvent', 'subject', 'EhrRequest');
  const messageId = attribute(child(root, 'id'), 'root');
  const ehrRequestId = attribute(child(request, 'id'), 'root');
  const nhsNumber = attribute(child(request, 'recordTarget', 'patient', 'id'), 'extension');
  if (!messageId) return { ok: false, reason: 'the message has no id' };
  if (!ehrRequestId) return { ok: false, reason: 'the EhrRequest has no id' };
  if (!nhsNumber || !/^\d{10}$/.test(nhsNumber)) {
    return { ok: false, reason: 'the EhrRequest has no 10-digit NHS number at recordTarget/patient/id/@extension' };
  }
  const requesterAsid = attribute(child(root, 'communicationFunctionSnd', 'device', 'id'), 'extension');
  const requesterOds = attribute(child(request, 'author', 'AgentOrgSDS', 'agentOrganizationSDS', 'id'), 'extension');
  return {
    ok: true,
    request: {
      messageId,
      ehrRequestId,
      nhsNumber,
      ...(requesterAsid ? { requesterAsid } : {}),
      ...(requesterOds ? { requesterOds } : {}),
    },
  };
}

export interface MessageHeader {
  readonly id: string;
  readonly interaction: string;
  /** HL7 TS. */
  readonly createdAt: string;
  readonly receiverAsid: string | undefined;
  readonly senderAsid: string;
  /** Written between `acceptAckCode` and the communication functions (MCCI's acknowledgement). */
  readonly acknowledgement?: () => void;
}

function writeDevice(w: Hl7Writer, element: string, typeCode: string, asid: string): void {
  w.wrap(element, { typeCode }, () =>
    w.wrap('device', { classCode: 'DEV', determinerCode: 'INSTANCE' }, () =>
      w.element('id', { root: OID.asid, extension: asid }),
    ),
  );
}

/** The HL7 V3 transmission wrapper every GP2GP message starts with. */
export function writeMessageHeader(w: Hl7Writer, header: MessageHeader): void {
  w.element('id', { root: header.id });
  w.element('creationTime', { value: header.createdAt });
  w.element('versionCode', { code: VERSION_CODE });
  w.element('interactionId', { root: OID.interaction, extension: header.interaction });
  w.element('processingCode', { code: 'P' });
  w.element('processingModeCode', { code: 'T' });
  w.element('acceptAckCode', { code: 'NE' });
  header.acknowledgement?.();
  // An unknown requester is still addressed: the NULL ASID keeps the message well-formed.
  writeDevice(w, 'communicationFunctionRcv', 'RCV', header.receiverAsid ?? '000000000000');
  writeDevice(w, 'communicationFunctionSnd', 'SND', header.senderAsid);
}

export function writeSystemAuthor(w: Hl7Writer, asid: string): void {
  w.wrap('author1', { typeCode: 'AUT' }, () =>
    w.wrap('AgentSystemSDS', { classCode: 'AGNT' }, () =>
      w.wrap('agentSystemSDS', { classCode: 'DEV', determinerCode: 'INSTANCE' }, () =>
        w.element('id', { root: OID.asid, extension: asid }),
      ),
    ),
  );
}

export function writeOrganisationSds(w: Hl7Writer, ods: string): void {
  w.wrap('AgentOrgSDS', { classCode: 'AGNT' }, () =>
    w.wrap('agentOrganizationSDS', { classCode: 'ORG', determinerCode: 'INSTANCE' }, () =>
      w.element('id', { root: OID.sdsOrganisation, extension: ods }),
    ),
  );
}

export interface NackOptions {
  readonly reason: string;
  readonly asid: string;
  readonly createdAt: string;
  /** The message being refused, when it could be read. */
  readonly request?: Pick<EhrRequestInfo, 'messageId' | 'requesterAsid'>;
}

/**
 * A negative application acknowledgement (`MCCI_IN010000UK13`, typeCode AE). The reason code is given in both
 * places GP2GP receivers look: the acknowledgement detail and the control act's reason.
 */
export function renderNack(options: NackOptions): string {
  const display = NACK_REASONS[options.reason] ?? NACK_REASONS['99']!;
  const coded = { code: options.reason, codeSystem: OID.gp2gpReason, displayName: display };
  const refersTo = options.request?.messageId ?? derivedId('unreadable-request', options.createdAt);
  const w = new Hl7Writer();
  w.start('MCCI_IN010000UK13', { xmlns: 'urn:hl7-org:v3' });
  writeMessageHeader(w, {
    id: derivedId('nack', refersTo, options.reason),
    interaction: 'MCCI_IN010000UK13',
    createdAt: ts(options.createdAt),
    receiverAsid: options.request?.requesterAsid,
    senderAsid: options.asid,
    acknowledgement: () =>
      w.wrap('acknowledgement', { typeCode: 'AE' }, () => {
        w.wrap('acknowledgementDetail', { typeCode: 'ER' }, () => w.element('code', coded));
        w.wrap('messageRef', undefined, () => w.element('id', { root: refersTo }));
      }),
  });
  w.wrap('ControlActEvent', { classCode: 'CACT', moodCode: 'EVN' }, () => {
    writeSystemAuthor(w, options.asid);
    w.wrap('reason', { typeCode: 'RSON' }, () =>
      w.wrap('justifyingDetectedIssueEvent', { classCode: 'ALRT', moodCode: 'EVN' }, () => w.element('code', coded)),
    );
  });
  w.end();
  return w.toString();
}

/** PDS's administrative gender codes. */
const GENDER_CODE: Record<Gender, { code: string; displayName: string }> = {
  male: { code: '1', displayName: 'Male' },
  female: { code: '2', displayName: 'Female' },
  other: { code: '9', displayName: 'Indeterminate' },
  unknown: { code: '0', displayName: 'Not known' },
};

/**
 * `GET /gp2gp/patients/{nhs}/summary`: the simulator's pragmatic "PDS-like" lookup. GP2GP has no demographics
 * query (the extract names the patient only by NHS number), so this small document, in PDS's HL7 V3 style, gives a
 * caller the demographics, registration and the flags (dissent, S-flag) the practice holds.
 */
export function renderSummary(patient: SyntheticPatient, practice: Practice): string {
  const d = patient.demographics;
  const gp = d.usualGp;
  const w = new Hl7Writer();
  w.wrap('PatientSummary', { nhsNumber: d.nhsNumber, sourceId: patient.sourceId }, () => {
    w.wrap('name', { use: 'L' }, () => {
      w.text('prefix', d.name.title);
      for (const given of d.name.given) w.text('given', given);
      w.text('family', d.name.family);
    });
    w.element('administrativeGenderCode', GENDER_CODE[d.gender]);
    w.element('birthTime', { value: ts(d.birthDate) });
    if (d.deceasedDate) w.element('deceasedTime', { value: ts(d.deceasedDate) });
    w.wrap('addr', { use: 'H' }, () => {
      for (const line of d.address.lines) w.text('streetAddressLine', line);
      w.text('city', d.address.town);
      w.text('postalCode', d.address.postcode);
    });
    w.element('telecom', { use: 'HP', value: `tel:${d.phone.replace(/\s/g, '')}` });
    w.wrap('registration', { status: d.registration.status, type: d.registration.type }, () => {
      w.element('effectiveTime', { value: ts(d.registration.since) });
      w.element('practice', { ods: practice.ods, name: practice.name });
      w.element('usualGp', {
        sdsUserId: gp.sdsUserId,
        prefix: gp.name.title,
        given: gp.name.given.join(' '),
        family: gp.name.family,
      });
    });
    w.element('consent', { dissent: patient.consent.dissent });
    w.element('confidentiality', { sensitive: d.sensitive });
  });
  return w.toString();
}

export function renderError(status: number, code: string, message: string): string {
  return new Hl7Writer().element('Error', { status, code }, message).toString();
}

export function renderHealth(practice: Practice, asid: string, patients: number): string {
  return new Hl7Writer()
    .element('Health', {
      status: 'ok',
      practice: practice.ods,
      asid,
      interactions: 'RCMR_IN010000UK05 RCMR_IN030000UK06 RCMR_IN030000UK07 MCCI_IN010000UK13',
      patients,
    })
    .toString();
}
