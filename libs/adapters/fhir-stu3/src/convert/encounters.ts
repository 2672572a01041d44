/** Encounter, Observation, DiagnosticReport and Specimen (STU3 → R4). */
import { encounterOnly, header, patientOf } from './base.js';
import { careConnect, compact, isObject, type ConversionContext, type Source } from './context.js';
import { ReportBuilder } from './report.js';

const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';

/** GP Connect's Encounter has no class, which R4 requires: it is recorded as unknown rather than guessed. */
const UNKNOWN_CLASS: fhir4.Coding = { system: NULL_FLAVOR, code: 'UNK', display: 'unknown' };

export function convertEncounter(src: Source, id: string): fhir4.Encounter {
  const appointment = src.dt<fhir4.Reference | fhir4.Reference[]>('appointment');
  return compact({
    ...header(src, 'Encounter', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    status: (src.string('status') ?? 'unknown') as fhir4.Encounter['status'],
    statusHistory: src.dt<fhir4.EncounterStatusHistory[]>('statusHistory'),
    class: src.dt<fhir4.Coding>('class') ?? { ...UNKNOWN_CLASS },
    classHistory: src.dt<fhir4.EncounterClassHistory[]>('classHistory'),
    type: src.concepts('type'),
    priority: src.concept('priority'),
    subject: patientOf(src, 'subject'),
    episodeOfCare: src.dt<fhir4.Reference[]>('episodeOfCare'),
    basedOn: src.dt<fhir4.Reference[]>('incomingReferral'),
    participant: src.dt<fhir4.EncounterParticipant[]>('participant'),
    // STU3 has one appointment, R4 a list.
    appointment: appointment === undefined || Array.isArray(appointment) ? appointment : [appointment],
    period: src.dt<fhir4.Period>('period'),
    length: src.dt<fhir4.Duration>('length'),
    reasonCode: src.concepts('reason'),
    diagnosis: src.dt<fhir4.EncounterDiagnosis[]>('diagnosis'),
    account: src.dt<fhir4.Reference[]>('account'),
    hospitalization: src.dt<fhir4.EncounterHospitalization>('hospitalization'),
    location: src.dt<fhir4.EncounterLocation[]>('location'),
    serviceProvider: src.dt<fhir4.Reference>('serviceProvider'),
    partOf: src.dt<fhir4.Reference>('partOf'),
  });
}

const V2_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v2-0078';
const V3_INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

/** STU3 has one interpretation (often v2 table 0078), R4 a list bound to the v3 codes, which are the same codes. */
function interpretation(value: unknown, ctx: ConversionContext, path: string): fhir4.CodeableConcept[] | undefined {
  const concept = ctx.concept(value, path);
  if (!concept) return undefined;
  return [
    {
      ...concept,
      ...(concept.coding
        ? {
            coding: concept.coding.map((c) =>
              c.system === V2_INTERPRETATION ? { ...c, system: V3_INTERPRETATION } : c,
            ),
          }
        : {}),
    },
  ];
}

const VALUE_KEYS = [
  'valueQuantity',
  'valueString',
  'valueBoolean',
  'valueRange',
  'valueRatio',
  'valueSampledData',
  'valueTime',
  'valueDateTime',
  'valuePeriod',
] as const;

/** value[x] as R4 has it; STU3's valueAttachment has no R4 equivalent and is counted as dropped. */
function observationValue(src: Source): Partial<fhir4.Observation> {
  const value: Record<string, unknown> = {};
  for (const key of VALUE_KEYS) value[key] = src.dt(key);
  value['valueCodeableConcept'] = src.concept('valueCodeableConcept');
  if (src.take('valueAttachment') !== undefined)
    ReportBuilder.count(src.ctx.report.droppedElements, 'Observation.valueAttachment');
  return compact(value);
}

function component(value: unknown, ctx: ConversionContext): fhir4.ObservationComponent | undefined {
  if (!isObject(value)) return undefined;
  const { interpretation: stu3Interpretation, code, valueCodeableConcept, valueAttachment, ...rest } = value;
  if (valueAttachment !== undefined)
    ReportBuilder.count(ctx.report.droppedElements, 'Observation.component.valueAttachment');
  const concept = ctx.concept(code, 'Observation.component.code');
  if (!concept) return undefined;
  return compact({
    ...(ctx.convert(rest, 'Observation.component') as Partial<fhir4.ObservationComponent> | undefined),
    code: concept,
    valueCodeableConcept: ctx.concept(valueCodeableConcept, 'Observation.component.valueCodeableConcept'),
    interpretation: interpretation(stu3Interpretation, ctx, 'Observation.component.interpretation'),
  });
}

/** STU3 `related` → R4 `hasMember` / `derivedFrom`; the other relationship types have no R4 element. */
function related(src: Source): { hasMember?: fhir4.Reference[]; derivedFrom?: fhir4.Reference[] } {
  const value = src.take('related');
  const hasMember: fhir4.Reference[] = [];
  const derivedFrom: fhir4.Reference[] = [];
  for (const link of Array.isArray(value) ? value.filter(isObject) : []) {
    const target = src.ctx.convert(link['target'], 'Observation.related.target') as fhir4.Reference | undefined;
    if (!target) continue;
    if (link['type'] === 'has-member') hasMember.push(target);
    else if (link['type'] === 'derived-from') derivedFrom.push(target);
    else ReportBuilder.count(src.ctx.report.droppedElements, `Observation.related(${String(link['type'])})`);
  }
  return compact({ hasMember, derivedFrom });
}

export function convertObservation(src: Source, id: string): fhir4.Observation {
  const comment = src.string('comment');
  const components = src.take('component');
  return compact({
    ...header(src, 'Observation', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    basedOn: src.dt<fhir4.Reference[]>('basedOn'),
    status: (src.string('status') ?? 'unknown') as fhir4.Observation['status'],
    category: src.concepts('category'),
    code: src.concept('code') ?? { text: 'unknown' },
    subject: patientOf(src, 'subject'),
    encounter: encounterOnly(src.dt<fhir4.Reference>('context')),
    effectiveDateTime: src.string('effectiveDateTime'),
    effectivePeriod: src.dt<fhir4.Period>('effectivePeriod'),
    issued: src.string('issued'),
    performer: src.dt<fhir4.Reference[]>('performer'),
    ...observationValue(src),
    dataAbsentReason: src.concept('dataAbsentReason'),
    interpretation: interpretation(src.take('interpretation'), src.ctx, 'Observation.interpretation'),
    note: comment ? [{ text: comment }] : undefined,
    bodySite: src.concept('bodySite'),
    method: src.concept('method'),
    specimen: src.dt<fhir4.Reference>('specimen'),
    device: src.dt<fhir4.Reference>('device'),
    referenceRange: src.dt<fhir4.ObservationReferenceRange[]>('referenceRange'),
    ...related(src),
    component: (Array.isArray(components) ? components : [])
      .map((c) => component(c, src.ctx))
      .filter((c) => c !== undefined),
  });
}

export function convertDiagnosticReport(src: Source, id: string): fhir4.DiagnosticReport {
  const performers = src.take('performer');
  const performer = (Array.isArray(performers) ? performers.filter(isObject) : [])
    .map((p) => src.ctx.convert(p['actor'], 'DiagnosticReport.performer.actor') as fhir4.Reference | undefined)
    .filter((r) => r !== undefined);
  const images = src.take('image');
  return compact({
    ...header(src, 'DiagnosticReport', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    basedOn: src.dt<fhir4.Reference[]>('basedOn'),
    status: (src.string('status') ?? 'unknown') as fhir4.DiagnosticReport['status'],
    // STU3 has one category, R4 a list.
    category: src.concepts('category'),
    code: src.concept('code') ?? { text: 'unknown' },
    subject: patientOf(src, 'subject'),
    encounter: encounterOnly(src.dt<fhir4.Reference>('context')),
    effectiveDateTime: src.string('effectiveDateTime'),
    effectivePeriod: src.dt<fhir4.Period>('effectivePeriod'),
    issued: src.string('issued'),
    performer,
    specimen: src.dt<fhir4.Reference[]>('specimen'),
    result: src.dt<fhir4.Reference[]>('result'),
    imagingStudy: src.dt<fhir4.Reference[]>('imagingStudy'),
    media: src.ctx.convert(images, 'DiagnosticReport.image') as fhir4.DiagnosticReportMedia[] | undefined,
    conclusion: src.string('conclusion'),
    conclusionCode: src.concepts('codedDiagnosis'),
    presentedForm: src.dt<fhir4.Attachment[]>('presentedForm'),
  });
}

/** Care Connect's FastingStatus extension became R4's `collection.fastingStatus[x]`. */
function collection(src: Source): fhir4.SpecimenCollection | undefined {
  const value = src.take('collection');
  if (!isObject(value)) return undefined;
  const { extension, ...rest } = value;
  const extensions = Array.isArray(extension) ? extension.filter(isObject) : [];
  const fasting = careConnect('FastingStatus');
  const fastingExt = extensions.find((e) => typeof e['url'] === 'string' && fasting.test(e['url']));
  src.ctx.dropExtensions(extensions.filter((e) => e !== fastingExt));
  const converted = compact({
    ...(src.ctx.convert(rest, 'Specimen.collection') as fhir4.SpecimenCollection | undefined),
    fastingStatusCodeableConcept: src.ctx.concept(fastingExt?.['valueCodeableConcept'], 'Specimen.collection.fasting'),
    fastingStatusDuration: src.ctx.convert(fastingExt?.['valueDuration'], 'Specimen.collection.fasting') as
      fhir4.Duration | undefined,
  });
  return Object.keys(converted).length > 0 ? converted : undefined;
}

export function convertSpecimen(src: Source, id: string): fhir4.Specimen {
  return compact({
    ...header(src, 'Specimen', id),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    accessionIdentifier: src.dt<fhir4.Identifier>('accessionIdentifier'),
    status: src.dt<fhir4.Specimen['status']>('status'),
    type: src.concept('type'),
    subject: patientOf(src, 'subject'),
    receivedTime: src.string('receivedTime'),
    parent: src.dt<fhir4.Reference[]>('parent'),
    request: src.dt<fhir4.Reference[]>('request'),
    collection: collection(src),
    processing: src.dt<fhir4.SpecimenProcessing[]>('processing'),
    container: src.dt<fhir4.SpecimenContainer[]>('container'),
    note: src.dt<fhir4.Annotation[]>('note'),
  });
}
