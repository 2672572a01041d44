import { writeConcept } from '../datatypes/codeable-concept.js';
import { toXmlId } from '../datatypes/identifiers.js';
import { fhirToTs } from '../datatypes/timestamp.js';
import { DOCUMENT_ID_SYSTEM } from '../extract/statements/narrative.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import { writeId, writeParticipant, writeTs, type BuildContext } from './build-context.js';

/** SNOMED "Other digital signal": GP2GP's generic type for an attached document. */
export const OTHER_DIGITAL_SIGNAL = { code: '37251000000104', display: 'Other digital signal' };

/**
 * A DocumentReference as a NarrativeStatement that refers to the external document (the attachment itself travels
 * beside the message, named by the reference URL).
 */
export function writeDocument(w: XmlWriter, ctx: BuildContext, document: fhir4.DocumentReference): void {
  const attachment = document.content[0]?.attachment ?? {};
  const title = attachment.title ?? attachment.url?.replace(/^.*\//, '');
  const when = document.date ?? attachment.creation;
  const docId = document.identifier?.find((i) => i.system === DOCUMENT_ID_SYSTEM)?.value;
  w.element('NarrativeStatement', { classCode: 'OBS', moodCode: 'EVN' }, () => {
    writeId(w, ctx.xmlId(document));
    w.text('text', document.description ?? title ?? 'Attached document');
    w.empty('statusCode', { code: 'COMPLETE' });
    writeTs(w, 'availabilityTime', fhirToTs(when) ? when : undefined);
    ctx.writeConfidentiality(w, document);
    writeParticipant(w, ctx, 'AUT', document.author?.[0]);
    w.element('reference', { typeCode: 'REFR' }, () => {
      w.element('referredToExternalDocument', { classCode: 'DOC', moodCode: 'EVN' }, () => {
        writeId(w, docId ? toXmlId(docId) : ctx.derivedId(`document:${document.id}`));
        writeConcept(w, 'code', document.type, { degraded: 'generic', fallback: OTHER_DIGITAL_SIGNAL });
        w.element('text', { mediaType: attachment.contentType ?? 'application/octet-stream' }, () => {
          w.empty('reference', { value: attachment.url ?? `file://localhost/${title ?? document.id}` });
        });
        ctx.writeConfidentiality(w, document);
      });
    });
  });
}
