/** AllergyIntolerance and Condition (STU3 → R4): status codes become CodeableConcepts, GP Connect extensions mapped. */
import { EXTENSIONS } from '@lloyd/adapters-core';
import { encounterOnly, header, patientOf } from './base.js';
import { careConnect, compact, subExtension, type Source } from './context.js';
import { ReportBuilder } from './report.js';

const THO = 'http://terminology.hl7.org/CodeSystem/';

function statusConcept(system: string, code: string | undefined): fhir4.CodeableConcept | undefined {
  return code ? { coding: [{ system: `${THO}${system}`, code }] } : undefined;
}

/** STU3 onset[x] / abatement[x] choices R4 kept. */
function timing(src: Source, prefix: 'onset' | 'abatement') {
  return {
    [`${prefix}DateTime`]: src.string(`${prefix}DateTime`),
    [`${prefix}Age`]: src.dt<fhir4.Age>(`${prefix}Age`),
    [`${prefix}Period`]: src.dt<fhir4.Period>(`${prefix}Period`),
    [`${prefix}Range`]: src.dt<fhir4.Range>(`${prefix}Range`),
    [`${prefix}String`]: src.string(`${prefix}String`),
  };
}

/** GP Connect's AllergyIntoleranceEnd → the canonical allergy-end extension, with the same parts. */
function allergyEnd(src: Source): fhir4.Extension[] {
  return src.extension(careConnect('AllergyIntoleranceEnd')).flatMap((ext) => {
    const date = subExtension(ext, 'endDate')?.['valueDateTime'];
    const reason = subExtension(ext, 'reasonEnded')?.['valueString'];
    const parts = [
      ...(typeof date === 'string' && date !== '' ? [{ url: 'endDate', valueDateTime: date }] : []),
      ...(typeof reason === 'string' && reason !== '' ? [{ url: 'reasonEnded', valueString: reason }] : []),
    ];
    return parts.length > 0 ? [{ url: EXTENSIONS.allergyEnd, extension: parts }] : [];
  });
}

export function convertAllergyIntolerance(src: Source, id: string): fhir4.AllergyIntolerance {
  const encounter = src
    .extension('http://hl7.org/fhir/StructureDefinition/encounter-associatedEncounter')
    .map((e) => src.ctx.convert(e['valueReference'], 'AllergyIntolerance.encounter') as fhir4.Reference | undefined)
    .find((r) => r !== undefined);
  const extension = allergyEnd(src);
  return compact({
    ...header(src, 'AllergyIntolerance', id),
    extension,
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    clinicalStatus: statusConcept('allergyintolerance-clinical', src.string('clinicalStatus')),
    verificationStatus: statusConcept('allergyintolerance-verification', src.string('verificationStatus')),
    type: src.dt<fhir4.AllergyIntolerance['type']>('type'),
    category: src.dt<fhir4.AllergyIntolerance['category']>('category'),
    criticality: src.dt<fhir4.AllergyIntolerance['criticality']>('criticality'),
    code: src.concept('code'),
    patient: patientOf(src, 'patient'),
    encounter,
    ...timing(src, 'onset'),
    recordedDate: src.string('assertedDate'),
    recorder: src.dt<fhir4.Reference>('recorder'),
    asserter: src.dt<fhir4.Reference>('asserter'),
    lastOccurrence: src.string('lastOccurrence'),
    note: src.dt<fhir4.Annotation[]>('note'),
    reaction: src.dt<fhir4.AllergyIntoleranceReaction[]>('reaction'),
  });
}

const CARE_CONNECT_CONDITION_CATEGORY = /\/CareConnect-ConditionCategory-\d+$/;

/** Care Connect's condition categories are R4's own codes under another system. */
function conditionCategory(src: Source): fhir4.CodeableConcept[] | undefined {
  return src.concepts('category')?.map((concept) => ({
    ...concept,
    coding: concept.coding?.map((c) =>
      c.system &&
      CARE_CONNECT_CONDITION_CATEGORY.test(c.system) &&
      ['problem-list-item', 'encounter-diagnosis'].includes(c.code ?? '')
        ? { ...c, system: `${THO}condition-category` }
        : c,
    ),
  }));
}

/** STU3's `unknown` verification status has no R4 code; it is dropped (and counted). */
function conditionVerification(src: Source): fhir4.CodeableConcept | undefined {
  const code = src.string('verificationStatus');
  if (code === 'unknown') {
    ReportBuilder.count(src.ctx.report.droppedElements, 'Condition.verificationStatus(unknown)');
    return undefined;
  }
  return statusConcept('condition-ver-status', code);
}

/** GP Connect's ActualProblem (0..1): kept when it points at an item of the record, else counted as dropped. */
function actualProblem(src: Source): fhir4.Extension[] {
  const kept: fhir4.Extension[] = [];
  for (const e of src.extension(careConnect('ActualProblem'))) {
    const valueReference = src.ctx.convert(e['valueReference'], 'Condition.actualProblem') as
      fhir4.Reference | undefined;
    if (valueReference?.reference && kept.length === 0) kept.push({ url: EXTENSIONS.actualProblem, valueReference });
    else ReportBuilder.count(src.ctx.report.droppedExtensions, String(e['url']));
  }
  return kept;
}

/** What the target of a RelatedProblemHeader is to the problem that carries it. */
const RELATED_PROBLEM_TYPES: ReadonlySet<string> = new Set(['parent', 'child', 'sibling']);

/** GP Connect's RelatedProblemHeader (0..*): kept when it has a known type and a target, else counted as dropped. */
function relatedProblems(src: Source): fhir4.Extension[] {
  const kept: fhir4.Extension[] = [];
  for (const e of src.extension(careConnect('RelatedProblemHeader'))) {
    const type = subExtension(e, 'type')?.['valueCode'];
    const valueReference = src.ctx.convert(
      subExtension(e, 'target')?.['valueReference'],
      'Condition.relatedProblem',
    ) as fhir4.Reference | undefined;
    if (
      typeof type === 'string' &&
      RELATED_PROBLEM_TYPES.has(type) &&
      valueReference?.reference?.startsWith('Condition/')
    ) {
      kept.push({
        url: EXTENSIONS.relatedProblem,
        extension: [
          { url: 'type', valueCode: type },
          { url: 'target', valueReference },
        ],
      });
    } else ReportBuilder.count(src.ctx.report.droppedExtensions, String(e['url']));
  }
  return kept;
}

/** GP Connect problem extensions that Lloyd's canonical model carries. */
function problemExtensions(src: Source): fhir4.Extension[] {
  const related = src
    .extension(careConnect('RelatedClinicalContent'))
    .map((e) => src.ctx.convert(e['valueReference'], 'Condition.relatedClinicalContent') as fhir4.Reference | undefined)
    .filter((r) => r !== undefined)
    .map((valueReference) => ({ url: EXTENSIONS.relatedClinicalContent, valueReference }));
  const significance = src
    .extension(careConnect('ProblemSignificance'))
    .map((e) => e['valueCode'])
    .filter((c): c is string => c === 'major' || c === 'minor')
    .slice(0, 1)
    .map((valueCode) => ({ url: EXTENSIONS.problemSignificance, valueCode }));
  return [...significance, ...actualProblem(src), ...related, ...relatedProblems(src)];
}

export function convertCondition(src: Source, id: string): fhir4.Condition {
  const stage = src.ctx.convert(src.take('stage'), 'Condition.stage') as fhir4.ConditionStage | undefined;
  if (src.boolean('abatementBoolean') !== undefined)
    ReportBuilder.count(src.ctx.report.droppedElements, 'Condition.abatementBoolean');
  const extension = problemExtensions(src);
  return compact({
    ...header(src, 'Condition', id),
    extension: extension.length > 0 ? extension : undefined,
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    clinicalStatus: statusConcept('condition-clinical', src.string('clinicalStatus')),
    verificationStatus: conditionVerification(src),
    category: conditionCategory(src),
    severity: src.concept('severity'),
    code: src.concept('code'),
    bodySite: src.concepts('bodySite'),
    subject: patientOf(src, 'subject'),
    encounter: encounterOnly(src.dt<fhir4.Reference>('context')),
    ...timing(src, 'onset'),
    ...timing(src, 'abatement'),
    recordedDate: src.string('assertedDate'),
    asserter: src.dt<fhir4.Reference>('asserter'),
    // STU3 has one stage, R4 a list.
    stage: stage && !Array.isArray(stage) ? [stage] : stage,
    evidence: src.dt<fhir4.ConditionEvidence[]>('evidence'),
    note: src.dt<fhir4.Annotation[]>('note'),
  });
}
