/**
 * The GP2GP EHR extract message (`RCMR_IN030000UK06`, or UK07 for records with confidential items, see
 * hl7v3-gp2gp-compositions.ts): transmission wrapper, EhrExtract, ehrFolder with its agent directory, the
 * compositions, and the link back to the EHR request it fulfils.
 */
import type { Clinician, DocumentItem, Practice, SyntheticPatient } from '../generator/model.js';
import { CODES, derivedId, OID, ts, writeCoded } from './hl7v3-gp2gp-codes.js';
import {
  earliestDate,
  extractInteraction,
  planCompositions,
  statementIdsOf,
  writeComposition,
} from './hl7v3-gp2gp-compositions.js';
import {
  writeMessageHeader,
  writeOrganisationSds,
  writeSystemAuthor,
  type EhrRequestInfo,
} from './hl7v3-gp2gp-messages.js';
import type { StatementContext } from './hl7v3-gp2gp-statements.js';
import { Hl7Writer } from './hl7v3-gp2gp-xml.js';

export interface ExtractOptions {
  readonly patient: SyntheticPatient;
  readonly practice: Practice;
  readonly asid: string;
  readonly request: EhrRequestInfo;
  /** When the extract was made (ISO date-time); the simulator passes its dataset's as-of date, for reproducibility. */
  readonly createdAt: string;
  documentUrl(document: DocumentItem): string;
}

/** Agent-directory ids are derived from what the agent stands for: an SDS user id, an ODS code, a name. */
function agentId(key: string): string {
  return derivedId('agent', key);
}

function writePracticeOrganisation(w: Hl7Writer, element: string, practice: Practice): void {
  w.wrap(element, { classCode: 'ORG', determinerCode: 'INSTANCE' }, () => {
    w.element('id', { root: OID.odsOrganisation, extension: practice.ods });
    w.text('name', practice.name);
    w.element('telecom', { use: 'WP', value: `tel:${practice.phone.replace(/\s/g, '')}` });
    w.wrap('addr', { use: 'WP' }, () => {
      for (const line of practice.address.lines) w.text('streetAddressLine', line);
      w.text('streetAddressLine', practice.address.town);
      w.text('postalCode', practice.address.postcode);
    });
  });
}

function writeClinicianAgent(w: Hl7Writer, clinician: Clinician, practice: Practice): void {
  w.wrap('part', { typeCode: 'PART' }, () =>
    w.wrap('Agent', { classCode: 'AGNT' }, () => {
      w.element('id', { root: agentId(clinician.sdsUserId) });
      w.element('id', { root: OID.sdsUser, extension: clinician.sdsUserId });
      w.wrap('code', { nullFlavor: 'UNK' }, () => w.text('originalText', clinician.role));
      w.wrap('agentPerson', { classCode: 'PSN', determinerCode: 'INSTANCE' }, () =>
        w.wrap('name', { use: 'L' }, () => {
          w.text('prefix', clinician.name.title);
          for (const given of clinician.name.given) w.text('given', given);
          w.text('family', clinician.name.family);
        }),
      );
      writePracticeOrganisation(w, 'representedOrganization', practice);
    }),
  );
}

function writeOrganisationAgent(w: Hl7Writer, key: string, write: () => void): void {
  w.wrap('part', { typeCode: 'PART' }, () =>
    w.wrap('Agent', { classCode: 'AGNT' }, () => {
      w.element('id', { root: agentId(key) });
      write();
    }),
  );
}

function writeAgentDirectory(w: Hl7Writer, patient: SyntheticPatient, practice: Practice): void {
  const recipients = [...new Set(patient.record.referrals.map((r) => r.recipient))];
  w.wrap('responsibleParty', { typeCode: 'RESP' }, () =>
    w.wrap('agentDirectory', { classCode: 'AGNT' }, () => {
      writeOrganisationAgent(w, practice.ods, () => writePracticeOrganisation(w, 'agentOrganization', practice));
      for (const clinician of practice.clinicians) writeClinicianAgent(w, clinician, practice);
      for (const recipient of recipients) {
        writeOrganisationAgent(w, recipient, () =>
          w.wrap('agentOrganization', { classCode: 'ORG', determinerCode: 'INSTANCE' }, () =>
            w.text('name', recipient),
          ),
        );
      }
    }),
  );
}

/** The whole extract message for one patient, answering one EHR request. */
export function renderExtract(options: ExtractOptions): string {
  const { patient, practice, request } = options;
  const interaction = extractInteraction(patient);
  const created = ts(options.createdAt);
  const w = new Hl7Writer();
  const ctx: StatementContext = {
    w,
    confidentialityCodes: interaction === 'RCMR_IN030000UK07',
    agentId,
    documentUrl: (d) => options.documentUrl(d),
  };
  const compositions = planCompositions(patient);
  const idOf = statementIdsOf(patient);
  const orgSds = (ods: string) => writeOrganisationSds(w, ods);

  w.start(interaction, { xmlns: 'urn:hl7-org:v3', 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance' });
  writeMessageHeader(w, {
    id: derivedId('extract-message', request.messageId, patient.sourceId),
    interaction,
    createdAt: created,
    receiverAsid: request.requesterAsid,
    senderAsid: options.asid,
  });
  w.wrap('ControlActEvent', { classCode: 'CACT', moodCode: 'EVN' }, () => {
    writeSystemAuthor(w, options.asid);
    w.wrap('subject', { typeCode: 'SUBJ', contextConductionInd: 'false' }, () =>
      w.wrap('EhrExtract', { classCode: 'EXTRACT', moodCode: 'EVN' }, () => {
        w.element('id', { root: derivedId('ehr-extract', request.ehrRequestId, patient.sourceId) });
        w.element('statusCode', { code: 'COMPLETE' });
        w.element('availabilityTime', { value: created });
        w.wrap('recordTarget', { typeCode: 'RCT' }, () =>
          w.wrap('patient', { classCode: 'PAT' }, () =>
            w.element('id', { root: OID.nhsNumber, extension: patient.demographics.nhsNumber }),
          ),
        );
        w.wrap('author', { typeCode: 'AUT' }, () => {
          w.element('time', { value: created });
          orgSds(practice.ods);
        });
        w.wrap('destination', { typeCode: 'DST' }, () => orgSds(request.requesterOds ?? practice.ods));
        w.wrap('component', { typeCode: 'COMP' }, () =>
          w.wrap('ehrFolder', { classCode: 'FOLDER', moodCode: 'EVN' }, () => {
            w.element('id', { root: derivedId('ehr-folder', request.ehrRequestId, patient.sourceId) });
            w.element('statusCode', { code: 'COMPLETE' });
            w.wrap('effectiveTime', undefined, () => {
              w.element('low', { value: earliestDate(compositions) ?? created });
              w.element('high', { value: created });
            });
            w.element('availabilityTime', { value: created });
            w.wrap('author', { typeCode: 'AUT' }, () => {
              w.element('time', { value: created });
              orgSds(practice.ods);
            });
            writeAgentDirectory(w, patient, practice);
            for (const composition of compositions) writeComposition(ctx, composition, idOf);
          }),
        );
        w.wrap('inFulfillmentOf', { typeCode: 'FLFS' }, () =>
          w.wrap('priorEhrRequest', { classCode: 'EXTRACT', moodCode: 'RQO' }, () =>
            w.element('id', { root: request.ehrRequestId }),
          ),
        );
        w.wrap('limitation', { typeCode: 'LIMIT', inversionInd: 'true' }, () =>
          w.wrap('limitingEhrExtractSpecification', { classCode: 'OBS', moodCode: 'DEF' }, () => {
            w.element('id', { root: derivedId('extract-specification', request.ehrRequestId) });
            writeCoded(w, 'code', CODES.entireRecord);
          }),
        );
      }),
    );
  });
  w.end();
  return w.toString();
}
