import { Readable } from 'node:stream';
import { hasConfidentialityLabel } from '@lloyd/fhir';
import { type CanonicalRecord } from '@lloyd/adapters-core';
import { OIDS } from '../datatypes/code-systems.js';
import { writeConcept } from '../datatypes/codeable-concept.js';
import { derivedUuid } from '../datatypes/identifiers.js';
import { fhirToTs } from '../datatypes/timestamp.js';
import { NON_CONSULTATION_CODES } from '../extract/translate-composition.js';
import { ODS_SYSTEM } from '../extract/finalize-record.js';
import { XmlWriter } from '../xml/xml-writer.js';
import {
  BuildContext,
  writeId,
  writeInterval,
  writeTs,
  type ExtractInteraction,
  type PartNotCarried,
  type SkipReason,
} from './build-context.js';
import { reportUncarriableCodings } from './uncarriable-codings.js';
import { planItems, type ExtractItem } from './plan-items.js';
import { writeAgentDirectory } from './write-agents.js';
import { writeMessageStart, writeMessageEnd } from '../messages/message-header.js';

export interface BuildEhrExtractOptions {
  /** The HL7 message id (also the ebXML MessageId); an upper-case UUID. */
  messageId: string;
  /** The GP2GP conversation; used as the EHR request id when `ehrRequestId` is not given. */
  conversationId?: string;
  /** The id of the EhrRequest this extract answers (`inFulfillmentOf/priorEhrRequest`). */
  ehrRequestId?: string;
  /** The EhrExtract's own id; derived from the message id when absent. */
  extractId?: string;
  fromAsid: string;
  toAsid: string;
  /** The sending practice; defaults to the record's practice ODS code. */
  fromOds?: string;
  toOds: string;
  /**
   * `RCMR_IN030000UK06`, or `RCMR_IN030000UK07` — the version that carries confidentiality codes. The default `auto`
   * picks UK07 when the record has confidential items and UK06 otherwise. Asking for UK06 with confidential items is
   * refused, because UK06 cannot mark them.
   */
  interaction?: 'auto' | ExtractInteraction;
  /** Creation time (tests pass a fixed one). */
  now?: Date;
  /** Told about every resource that cannot travel in an EHR extract. */
  onSkipped?: (resource: fhir4.Resource, reason: SkipReason) => void;
  /**
   * Told about every part of a sent resource that the extract cannot carry: a coding whose system has no HL7 V3
   * form (no system, or not an absolute URI), a link between problems GP2GP cannot express. The resource travels
   * (degraded to its text and other codings where needed); only the part named is lost.
   */
  onPartNotCarried?: (resource: fhir4.Resource, part: PartNotCarried) => void;
}

const NON_CONSULTATION = { code: '196401000000100', display: 'Non-consultation data' };
const NON_CONSULTATION_MEDICATION = { code: '196391000000103', display: 'Non-consultation medication data' };

function chooseInteraction(
  record: CanonicalRecord,
  requested: BuildEhrExtractOptions['interaction'],
): ExtractInteraction {
  const confidential = record.resources.some((r) => hasConfidentialityLabel(r));
  if (requested === 'RCMR_IN030000UK07') return requested;
  if (requested === 'RCMR_IN030000UK06') {
    if (confidential) {
      throw new Error(
        'The record has confidential (NOPAT) items, which RCMR_IN030000UK06 cannot mark: send RCMR_IN030000UK07 ' +
          "(interaction 'auto' or 'RCMR_IN030000UK07'), or remove the items by policy before building the extract.",
      );
    }
    return requested;
  }
  return confidential ? 'RCMR_IN030000UK07' : 'RCMR_IN030000UK06';
}

interface CompositionHeader {
  id: string;
  code: (w: XmlWriter) => void;
  point?: string;
  period?: fhir4.Period;
  authorAgentId: string;
  authorTime?: string;
  performerAgentId?: string;
  location?: string;
  confidential: fhir4.Resource[];
}

function writeComposition(w: XmlWriter, ctx: BuildContext, header: CompositionHeader, body: () => void): void {
  w.element('component', { typeCode: 'COMP' }, () => {
    w.element('ehrComposition', { classCode: 'COMPOSITION', moodCode: 'EVN' }, () => {
      writeId(w, header.id);
      header.code(w);
      w.empty('statusCode', { code: 'COMPLETE' });
      writeInterval(w, 'effectiveTime', header.point, header.period);
      writeTs(w, 'availabilityTime', header.point ?? header.period?.start ?? ctx.now);
      ctx.writeConfidentiality(w, ...header.confidential);
      w.element('author', { typeCode: 'AUT', contextControlCode: 'OP' }, () => {
        writeTs(w, 'time', header.authorTime ?? header.point ?? header.period?.start ?? ctx.now);
        w.element('agentRef', { classCode: 'AGNT' }, () => writeId(w, header.authorAgentId));
      });
      if (header.location) {
        w.element('location', { typeCode: 'LOC' }, () => {
          w.element('locatedEntity', { classCode: 'LOCE' }, () => {
            w.element('locatedPlace', { classCode: 'PLC', determinerCode: 'INSTANCE' }, () =>
              w.text('name', header.location!),
            );
          });
        });
      }
      if (header.performerAgentId) {
        w.element('Participant2', { typeCode: 'PRF', contextControlCode: 'OP' }, () => {
          w.element('agentRef', { classCode: 'AGNT' }, () => writeId(w, header.performerAgentId!));
        });
      }
      body();
    });
  });
}

/**
 * Where a consultation took place, as GP2GP names it (the composition's `location`, by name): the reference's display,
 * else the name of the Location it points at.
 */
export function encounterPlace(ctx: BuildContext, encounter: fhir4.Encounter): string | undefined {
  const reference = encounter.location?.[0]?.location;
  return reference?.display ?? ctx.resolve<fhir4.Location>(reference)?.name;
}

function participantAgent(ctx: BuildContext, encounter: fhir4.Encounter, code: string): string | undefined {
  const p = (encounter.participant ?? []).find((x) =>
    (x.type ?? []).some((t) => (t.coding ?? []).some((c) => c.code === code)),
  );
  return ctx.agentId(p?.individual);
}

function encounterComposition(ctx: BuildContext, encounter: fhir4.Encounter): CompositionHeader {
  const type = encounter.type?.[0];
  const safeType = (type?.coding ?? []).some((c) => c.code && NON_CONSULTATION_CODES.has(c.code)) ? undefined : type;
  const author =
    participantAgent(ctx, encounter, 'AUT') ??
    ctx.agentId(encounter.participant?.[0]?.individual) ??
    ctx.defaultAgentId;
  const performer = participantAgent(ctx, encounter, 'PPRF');
  const point = encounter.period?.end ? undefined : encounter.period?.start;
  const header: CompositionHeader = {
    id: ctx.xmlId(encounter),
    code: (w) => writeConcept(w, 'code', safeType, { degraded: 'generic' }),
    authorAgentId: author,
    confidential: [encounter],
  };
  if (point) header.point = point;
  else if (encounter.period) header.period = encounter.period;
  if (performer) header.performerAgentId = performer;
  const location = encounterPlace(ctx, encounter);
  if (location) header.location = location;
  return header;
}

function itemComposition(ctx: BuildContext, item: ExtractItem): CompositionHeader {
  const code = item.medication ? NON_CONSULTATION_MEDICATION : NON_CONSULTATION;
  const header: CompositionHeader = {
    id: ctx.derivedId(`composition:${item.resource.resourceType}/${item.resource.id}`),
    code: (w) => w.empty('code', { code: code.code, codeSystem: OIDS.snomed, displayName: code.display }),
    authorAgentId: ctx.agentId(item.author) ?? ctx.defaultAgentId,
    confidential: [item.resource],
  };
  if (item.date) header.point = item.date;
  return header;
}

/**
 * Builds an EHR extract (`RCMR_IN030000UK06`, or `UK07` when confidential items need marking) from a canonical
 * record, one composition at a time. Each Encounter becomes a consultation composition holding the items recorded
 * in it; every other item gets a non-consultation composition of its own, as GP2GP senders do. Coded items without
 * a SNOMED CT coding are sent degraded (the transfer-degraded code, the original text, the original codes as
 * translations). Yields the document in pieces; see {@link buildEhrExtract} and {@link streamEhrExtract}.
 */
export function* ehrExtractChunks(record: CanonicalRecord, options: BuildEhrExtractOptions): Generator<string> {
  const interaction = chooseInteraction(record, options.interaction ?? 'auto');
  const ctx = new BuildContext(
    record,
    interaction,
    options.now ?? new Date(),
    options.onSkipped ?? (() => undefined),
    options.onPartNotCarried,
  );
  reportUncarriableCodings(ctx);
  const { items, encounters } = planItems(ctx);
  const w = new XmlWriter();
  const fromOds = options.fromOds ?? record.practice.identifier?.find((i) => i.system === ODS_SYSTEM)?.value;
  if (!fromOds)
    throw new Error('The sending practice ODS code is unknown: pass fromOds or give the practice an ODS identifier.');
  const nhsNumber = record.patient.identifier?.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')?.value;
  if (!nhsNumber)
    throw new Error('The patient has no NHS number identifier; an EHR extract cannot be addressed without it.');
  const nowTs = fhirToTs(ctx.now)!;
  const orgAgent = (ods: string) => () => {
    w.element('AgentOrgSDS', { classCode: 'AGNT' }, () => {
      w.element('agentOrganizationSDS', { classCode: 'ORG', determinerCode: 'INSTANCE' }, () =>
        writeId(w, OIDS.sdsOrganization, ods),
      );
    });
  };

  writeMessageStart(w, interaction, {
    messageId: options.messageId,
    fromAsid: options.fromAsid,
    toAsid: options.toAsid,
    creationTime: nowTs,
  });
  w.start('subject', { typeCode: 'SUBJ', contextConductionInd: 'false' });
  w.start('EhrExtract', { classCode: 'EXTRACT', moodCode: 'EVN' });
  writeId(w, options.extractId ?? derivedUuid(`lloyd-extract:${options.messageId}`));
  w.empty('statusCode', { code: 'COMPLETE' });
  w.empty('availabilityTime', { value: nowTs });
  w.element('recordTarget', { typeCode: 'RCT' }, () => {
    w.element('patient', { classCode: 'PAT' }, () => writeId(w, OIDS.nhsNumber, nhsNumber));
  });
  w.element('author', { typeCode: 'AUT' }, () => {
    w.empty('time', { value: nowTs });
    orgAgent(fromOds)();
  });
  w.element('destination', { typeCode: 'DST' }, orgAgent(options.toOds));
  w.start('component', { typeCode: 'COMP' });
  w.start('ehrFolder', { classCode: 'FOLDER', moodCode: 'EVN' });
  writeId(w, derivedUuid(`lloyd-folder:${options.messageId}`));
  w.empty('statusCode', { code: 'COMPLETE' });
  const dates = [...encounters.map((e) => e.period?.start), ...items.map((i) => i.date)]
    .map((d) => fhirToTs(d))
    .filter((d): d is string => d !== undefined)
    .sort();
  w.element('effectiveTime', undefined, () => {
    if (dates[0]) w.empty('low', { value: dates[0] });
    w.empty('high', { value: nowTs });
  });
  w.empty('availabilityTime', { value: nowTs });
  w.element('author', { typeCode: 'AUT' }, () => {
    w.empty('time', { value: nowTs });
    orgAgent(fromOds)();
  });
  writeAgentDirectory(w, ctx);
  yield w.take();

  const byEncounter = new Map<fhir4.Encounter, ExtractItem[]>(encounters.map((e) => [e, []]));
  const standalone: ExtractItem[] = [];
  for (const item of items) {
    const list = item.encounter ? byEncounter.get(item.encounter) : undefined;
    if (list) list.push(item);
    else standalone.push(item);
  }
  for (const [encounter, encounterItems] of byEncounter) {
    writeComposition(w, ctx, encounterComposition(ctx, encounter), () => {
      if (encounterItems.length === 0) writeEmptyTopic(w, ctx, encounter);
      for (const item of encounterItems) item.write(w);
    });
    yield w.take();
  }
  for (const item of standalone) {
    writeComposition(w, ctx, itemComposition(ctx, item), () => item.write(w));
    yield w.take();
  }
  if (byEncounter.size === 0 && standalone.length === 0) {
    writeComposition(
      w,
      ctx,
      {
        id: ctx.derivedId('composition:empty'),
        code: (x) =>
          x.empty('code', {
            code: NON_CONSULTATION.code,
            codeSystem: OIDS.snomed,
            displayName: NON_CONSULTATION.display,
          }),
        authorAgentId: ctx.defaultAgentId,
        confidential: [],
      },
      () => {
        w.element('component', { typeCode: 'COMP' }, () => {
          w.element('EhrEmpty', { classCode: 'OBS', moodCode: 'EVN' }, () => writeId(w, ctx.derivedId('ehr-empty')));
        });
      },
    );
  }

  w.end(); // ehrFolder
  w.end(); // component
  w.element('inFulfillmentOf', { typeCode: 'FLFS' }, () => {
    w.element('priorEhrRequest', { classCode: 'EXTRACT', moodCode: 'RQO' }, () => {
      writeId(w, options.ehrRequestId ?? options.conversationId ?? derivedUuid(`lloyd-request:${options.messageId}`));
    });
  });
  w.element('limitation', { typeCode: 'LIMIT', inversionInd: 'true' }, () => {
    w.element('limitingEhrExtractSpecification', { classCode: 'OBS', moodCode: 'DEF' }, () => {
      writeId(w, derivedUuid(`lloyd-limitation:${options.messageId}`));
      w.empty('code', {
        code: '37241000000102',
        codeSystem: OIDS.snomed,
        displayName: 'Entire record available to originator',
      });
    });
  });
  w.end(); // EhrExtract
  w.end(); // subject
  writeMessageEnd(w);
  yield w.toString();
}

/**
 * A consultation with no entries still needs one component: an empty topic (a TOPIC holding an EhrEmpty) keeps the
 * Encounter without inventing an entry.
 */
function writeEmptyTopic(w: XmlWriter, ctx: BuildContext, encounter: fhir4.Encounter): void {
  w.element('component', { typeCode: 'COMP' }, () => {
    w.element('CompoundStatement', { classCode: 'TOPIC', moodCode: 'EVN' }, () => {
      writeId(w, ctx.derivedId(`empty-topic:${encounter.id}`));
      w.empty('code', { nullFlavor: 'UNK' });
      w.empty('statusCode', { code: 'COMPLETE' });
      writeInterval(w, 'effectiveTime', undefined);
      writeTs(w, 'availabilityTime', encounter.period?.start ?? ctx.now);
      w.element('component', { typeCode: 'COMP', contextConductionInd: 'true' }, () => {
        w.element('EhrEmpty', { classCode: 'OBS', moodCode: 'EVN' }, () =>
          writeId(w, ctx.derivedId(`empty:${encounter.id}`)),
        );
      });
    });
  });
}

/** The whole extract as a string. */
export function buildEhrExtract(record: CanonicalRecord, options: BuildEhrExtractOptions): string {
  return [...ehrExtractChunks(record, options)].join('');
}

/** The extract as a stream of UTF-8 text, produced one composition at a time. */
export function streamEhrExtract(record: CanonicalRecord, options: BuildEhrExtractOptions): Readable {
  return Readable.from(ehrExtractChunks(record, options), { objectMode: false });
}
