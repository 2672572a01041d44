import { EXTENSIONS } from '@lloyd/adapters-core';
import { parseConcept, qualifierNames } from '../../datatypes/codeable-concept.js';
import { attr, child, children, path, type XNode } from '../../xml/xml-tree.js';
import {
  availability,
  parseInterval,
  participants,
  put,
  statementId,
  statementMeta,
  type CompositionScope,
} from '../statement-common.js';

/** What the target of a related-problem link (EXTENSIONS.relatedProblem) is to the problem that carries it. */
export type RelatedProblemType = 'parent' | 'child' | 'sibling';

export function relatedProblemExtension(type: RelatedProblemType, reference: string): fhir4.Extension {
  return {
    url: EXTENSIONS.relatedProblem,
    extension: [
      { url: 'type', valueCode: type },
      { url: 'target', valueReference: { reference } },
    ],
  };
}

/** A Condition's related-problem links, as type and target reference. */
export function relatedProblemsOf(condition: fhir4.Condition): { type: string; reference: string }[] {
  return (condition.extension ?? [])
    .filter((e) => e.url === EXTENSIONS.relatedProblem)
    .map((e) => ({
      type: e.extension?.find((p) => p.url === 'type')?.valueCode ?? '',
      reference: e.extension?.find((p) => p.url === 'target')?.valueReference?.reference ?? '',
    }))
    .filter((r) => r.type !== '' && r.reference !== '');
}

/** SNOMED codes GP2GP puts on a LinkSet to say whether the problem is active (the problem itself is named). */
export const PROBLEM_STATUS = { active: '394774009', inactive: '394775005', unspecified: '394776006' } as const;
/** SNOMED "Significant": the qualifier that makes a problem major. */
export const MAJOR_SIGNIFICANCE = '386134007';

const STATUS_CODES = new Set<string>(Object.values(PROBLEM_STATUS));

/**
 * A LinkSet (a problem) becomes a Condition once the whole extract is read: its code is the code of the statement
 * it names (`conditionNamed`), and the statements it links become related clinical content. A LinkSet coded "Active
 * problem" or "Inactive problem" is always a problem, whatever it names; only one coded otherwise that names a
 * referral links documents to that referral instead (see `finalize-record.ts`).
 */
export function translateLinkSet(scope: CompositionScope, node: XNode): void {
  const ctx = scope.ctx;
  const sourceId = statementId(node);
  const codeNode = child(node, 'code');
  const statusCode = attr(codeNode, 'code');
  const interval = parseInterval(child(node, 'effectiveTime'));
  const inactive =
    statusCode === PROBLEM_STATUS.inactive || (statusCode !== PROBLEM_STATUS.active && interval.high !== undefined);
  const major = qualifierNames(codeNode).includes(MAJOR_SIGNIFICANCE);
  const condition: fhir4.Condition = {
    resourceType: 'Condition',
    id: ctx.uniqueId('Condition', sourceId, `problem-${ctx.linkSets.length}`),
    extension: [{ url: EXTENSIONS.problemSignificance, valueCode: major ? 'major' : 'minor' }],
    clinicalStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
          code: inactive ? 'inactive' : 'active',
          display: inactive ? 'Inactive' : 'Active',
        },
      ],
    },
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/condition-category',
            code: 'problem-list-item',
            display: 'Problem List Item',
          },
        ],
      },
    ],
    subject: ctx.patientRef,
  };
  put(condition, 'meta', statementMeta(scope, node));
  put(condition, 'encounter', scope.encounter);
  put(condition, 'onsetDateTime', interval.low ?? interval.center ?? availability(node));
  put(condition, 'abatementDateTime', interval.high);
  put(condition, 'recordedDate', availability(node));
  const who = participants(scope, node);
  put(condition, 'asserter', who[0]?.reference ?? scope.performer ?? scope.recorder);
  const namedId = attr(path(node, 'conditionNamed', 'namedStatementRef', 'id'), 'root')?.trim();
  const componentIds = children(node, 'component')
    .map((c) => attr(path(c, 'statementRef', 'id'), 'root')?.trim())
    .filter((id): id is string => id !== undefined);
  const ownCode = statusCode && STATUS_CODES.has(statusCode) ? undefined : parseConcept(codeNode);
  ctx.linkSets.push({ condition, statusCode, namedId, componentIds, fallbackCode: ownCode, sourceId });
}
