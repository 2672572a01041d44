import { OIDS } from '../datatypes/code-systems.js';
import { writeConcept } from '../datatypes/codeable-concept.js';
import { PROBLEM_STATUS } from '../extract/statements/linkset.js';
import { PRIORITIES } from '../extract/statements/request.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import { writeId, writeInterval, writeParticipant, writeTs, type BuildContext } from './build-context.js';

/**
 * A ServiceRequest: intent `plan` as a PlanStatement, anything else as a RequestStatement (a referral). Notes go in
 * the statement's text.
 */
export function writeServiceRequest(w: XmlWriter, ctx: BuildContext, request: fhir4.ServiceRequest): void {
  const plan = request.intent === 'plan';
  const text = (request.note ?? []).map((n) => n.text).join('\n\n');
  const priority = PRIORITIES.find((p) => p.fhir === request.priority);
  w.element(plan ? 'PlanStatement' : 'RequestStatement', { classCode: 'OBS', moodCode: plan ? 'INT' : 'RQO' }, () => {
    writeId(w, ctx.xmlId(request));
    writeConcept(w, 'code', request.code, { degraded: plan ? 'plan' : 'referral' });
    if (text) w.text('text', text);
    w.empty('statusCode', { code: request.status === 'active' ? 'ACTIVE' : 'COMPLETE' });
    writeInterval(w, 'effectiveTime', request.occurrenceDateTime, request.occurrencePeriod);
    writeTs(w, 'availabilityTime', request.authoredOn);
    if (priority)
      w.empty('priorityCode', { code: priority.code, codeSystem: OIDS.snomed, displayName: priority.display });
    ctx.writeConfidentiality(w, request);
    const performer = ctx.agentId(request.performer?.[0]);
    if (!plan && performer) {
      w.element('responsibleParty', { typeCode: 'RESP' }, () => {
        w.element('agentRef', { classCode: 'AGNT' }, () => writeId(w, performer));
      });
    }
    writeParticipant(w, ctx, 'AUT', request.requester);
  });
}

/** The documents supporting a referral, as GP2GP links them: a LinkSet naming the RequestStatement. */
export function writeReferralLinks(
  w: XmlWriter,
  ctx: BuildContext,
  request: fhir4.ServiceRequest,
  documents: fhir4.Resource[],
): void {
  w.element('LinkSet', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    writeId(w, ctx.derivedId(`referral-links:${request.id}`));
    w.empty('code', { code: PROBLEM_STATUS.unspecified, codeSystem: OIDS.snomed, displayName: 'Unspecified problem' });
    w.empty('statusCode', { code: 'COMPLETE' });
    writeTs(w, 'availabilityTime', request.authoredOn);
    ctx.writeConfidentiality(w, request);
    for (const document of documents) {
      w.element('component', { typeCode: 'COMP' }, () => {
        w.element('statementRef', { classCode: 'OBS', moodCode: 'EVN' }, () => writeId(w, ctx.xmlId(document)));
      });
    }
    w.element('conditionNamed', { typeCode: 'NAME', inversionInd: 'true' }, () => {
      w.element('namedStatementRef', { classCode: 'OBS', moodCode: 'EVN' }, () => writeId(w, ctx.xmlId(request)));
    });
  });
}
