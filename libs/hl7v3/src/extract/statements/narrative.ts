import { CODE_SYSTEMS } from '@lloyd/adapters-core';
import { parseConcept } from '../../datatypes/codeable-concept.js';
import { tsToInstant } from '../../datatypes/timestamp.js';
import { attr, child, path, type XNode } from '../../xml/xml-tree.js';
import {
  availability,
  edText,
  participants,
  performerOf,
  put,
  statementId,
  statementMeta,
  type CompositionScope,
} from '../statement-common.js';

/** SNOMED "Comment note": the code of an Observation that only carries free text. */
export const COMMENT_NOTE_CODE: fhir4.Coding = {
  system: CODE_SYSTEMS.snomed,
  code: '37331000000100',
  display: 'Comment note',
};

/** Identifier system for the id of an external document (attachment) named in the extract. */
export const DOCUMENT_ID_SYSTEM = 'https://fhir.lloyd.example/Id/gp2gp-document-id';

/** The text of a NarrativeStatement. */
export function narrativeText(node: XNode): string | undefined {
  return edText(child(node, 'text'));
}

/** The reference as a FHIR `url` (spaces escaped), or undefined when it is not a URL at all. */
function attachmentUrl(reference: string): string | undefined {
  const escaped = reference.replace(/ /g, '%20');
  return URL.canParse(escaped) ? escaped : undefined;
}

function fileName(url: string): string | undefined {
  const last = url.replace(/^.*\//, '');
  try {
    return decodeURIComponent(last) || undefined;
  } catch {
    return last || undefined;
  }
}

/** A NarrativeStatement that refers to an external document (an attachment) as a DocumentReference. */
function documentReference(scope: CompositionScope, node: XNode, doc: XNode): fhir4.DocumentReference {
  const sourceId = statementId(node);
  const text = child(doc, 'text');
  const reference = attr(child(text, 'reference'), 'value')?.trim();
  const url = reference ? attachmentUrl(reference) : undefined;
  const attachment: fhir4.Attachment = {};
  put(attachment, 'contentType', attr(text, 'mediaType'));
  put(attachment, 'url', url);
  // The title a person reads is the statement's text (what the document is, e.g. "Orthopaedic clinic letter"); the
  // file name, usually a bare identifier, stays in the url. A reference that is not a URL (e.g. a redacted one) is
  // kept as the title rather than dropped.
  put(attachment, 'title', url ? (narrativeText(node) ?? fileName(url)) : reference);
  const document: fhir4.DocumentReference = {
    resourceType: 'DocumentReference',
    id: scope.ctx.uniqueId('DocumentReference', sourceId, `doc-${scope.ctx.resources.length}`),
    status: 'current',
    content: [{ attachment }],
  };
  put(document, 'meta', statementMeta(scope, node));
  const docId = attr(child(doc, 'id'), 'root')?.trim();
  if (docId) document.identifier = [{ system: DOCUMENT_ID_SYSTEM, value: docId }];
  const type = parseConcept(child(doc, 'code'));
  put(document, 'type', type);
  document.subject = scope.ctx.patientRef;
  put(document, 'date', tsToInstant(attr(child(node, 'availabilityTime'), 'value')));
  const author = participants(scope, node).map((p) => p.reference);
  put(document, 'author', author.length > 0 ? author : scope.recorder && [scope.recorder]);
  put(document, 'description', narrativeText(node));
  const created = availability(node);
  if (created && !document.date) attachment.creation = created;
  if (scope.encounter) document.context = { encounter: [scope.encounter] };
  return document;
}

/** A free-text NarrativeStatement as an Observation with the "Comment note" code and the text as a note. */
export function commentObservation(scope: CompositionScope, node: XNode): fhir4.Observation | undefined {
  const text = narrativeText(node);
  if (!text) {
    scope.ctx.skip('NarrativeStatement(empty)');
    return undefined;
  }
  const sourceId = statementId(node);
  const observation: fhir4.Observation = {
    resourceType: 'Observation',
    id: scope.ctx.uniqueId('Observation', sourceId, `note-${scope.ctx.resources.length}`),
    status: 'final',
    code: { coding: [{ ...COMMENT_NOTE_CODE }], text: COMMENT_NOTE_CODE.display! },
  };
  put(observation, 'meta', statementMeta(scope, node));
  observation.subject = scope.ctx.patientRef;
  put(observation, 'encounter', scope.encounter);
  put(observation, 'effectiveDateTime', availability(node));
  const performer = performerOf(scope, node);
  if (performer) observation.performer = [performer];
  observation.note = [{ text }];
  return observation;
}

/** A NarrativeStatement in a composition or topic: a DocumentReference or a comment Observation. */
export function translateNarrativeStatement(scope: CompositionScope, node: XNode): void {
  const doc = path(node, 'reference', 'referredToExternalDocument');
  const resource = doc ? documentReference(scope, node, doc) : commentObservation(scope, node);
  if (resource) scope.ctx.add(resource, statementId(node));
}

/** True when the NarrativeStatement points at an external document. */
export function isDocumentNarrative(node: XNode): boolean {
  return path(node, 'reference', 'referredToExternalDocument') !== undefined;
}
