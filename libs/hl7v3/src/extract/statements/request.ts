import { CODE_SYSTEMS } from '@lloyd/adapters-core';
import { parseConcept } from '../../datatypes/codeable-concept.js';
import { attr, child, type XNode } from '../../xml/xml-tree.js';
import {
  availability,
  edText,
  intervalStart,
  parseInterval,
  participants,
  put,
  statementId,
  statementMeta,
  type CompositionScope,
} from '../statement-common.js';

/** SNOMED "Patient referral": the category Lloyd gives GP2GP RequestStatements. */
export const REFERRAL_CATEGORY: fhir4.CodeableConcept = {
  coding: [{ system: CODE_SYSTEMS.snomed, code: '3457005', display: 'Patient referral' }],
};

/** GP2GP priority codes (SNOMED) and their FHIR request priorities, both ways. */
export const PRIORITIES: readonly { code: string; display: string; fhir: fhir4.ServiceRequest['priority'] }[] = [
  { code: '394848005', display: 'Normal priority', fhir: 'routine' },
  { code: '394849002', display: 'High priority', fhir: 'urgent' },
  { code: '88694003', display: 'Immediate', fhir: 'stat' },
  { code: '709122007', display: 'As soon as possible', fhir: 'asap' },
];

function priorityOf(node: XNode): fhir4.ServiceRequest['priority'] | undefined {
  const code = attr(child(node, 'priorityCode'), 'code');
  return PRIORITIES.find((p) => p.code === code)?.fhir;
}

function requestStatus(code: string | undefined): fhir4.ServiceRequest['status'] {
  if (code === 'ACTIVE') return 'active';
  if (code === 'COMPLETE') return 'completed';
  return 'unknown';
}

/**
 * A RequestStatement (a referral) as a ServiceRequest with intent `order`, or a PlanStatement (a planned
 * procedure or recall) as a ServiceRequest with intent `plan`.
 */
export function translateRequestOrPlan(scope: CompositionScope, node: XNode, intent: 'order' | 'plan'): void {
  const ctx = scope.ctx;
  const sourceId = statementId(node);
  const request: fhir4.ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: ctx.uniqueId('ServiceRequest', sourceId, `request-${ctx.resources.length}`),
    status: requestStatus(attr(child(node, 'statusCode'), 'code')),
    intent,
    subject: ctx.patientRef,
  };
  put(request, 'meta', statementMeta(scope, node));
  if (intent === 'order') request.category = [structuredClone(REFERRAL_CATEGORY)];
  put(request, 'priority', priorityOf(node));
  request.code = parseConcept(child(node, 'code')) ?? { text: intent === 'plan' ? 'Plan' : 'Referral' };
  put(request, 'encounter', scope.encounter);
  put(request, 'occurrenceDateTime', intervalStart(parseInterval(child(node, 'effectiveTime'))));
  put(request, 'authoredOn', availability(node));
  const who = participants(scope, node);
  put(request, 'requester', who.find((p) => p.typeCode === 'AUT')?.reference ?? who[0]?.reference ?? scope.recorder);
  const performer = ctx.agentReference(child(child(node, 'responsibleParty'), 'agentRef'));
  if (performer) request.performer = [performer];
  const text = edText(child(node, 'text'));
  if (text) request.note = [{ text }];
  ctx.add(request, sourceId);
}
