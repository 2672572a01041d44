/** DocumentReference (STU3 → R4): `class` became `category`, `indexed` became `date`, the context holds a list. */
import { header, patientOf } from './base.js';
import { compact, isObject, type Source } from './context.js';

type Json = Record<string, unknown>;

/** R4 `date` is an instant; STU3 `created` may be a partial date, which only dates the attachment. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** STU3 context: one encounter and `related: { identifier, ref }`; R4: a list of encounters and plain references. */
function context(src: Source): fhir4.DocumentReferenceContext | undefined {
  const value = src.take('context');
  if (!isObject(value)) return undefined;
  const { encounter, related, ...rest } = value;
  const encounterRef = src.ctx.convert(encounter, 'DocumentReference.context.encounter') as fhir4.Reference | undefined;
  const relatedRefs = (Array.isArray(related) ? related.filter(isObject) : [])
    .map((r: Json) => {
      const ref = r['ref'] ?? (r['identifier'] !== undefined ? { identifier: r['identifier'] } : undefined);
      return src.ctx.convert(ref, 'DocumentReference.context.related') as fhir4.Reference | undefined;
    })
    .filter((r) => r !== undefined);
  const converted = compact({
    ...(src.ctx.convert(rest, 'DocumentReference.context') as fhir4.DocumentReferenceContext | undefined),
    encounter: encounterRef ? [encounterRef] : undefined,
    related: relatedRefs,
  });
  return Object.keys(converted).length > 0 ? converted : undefined;
}

/** STU3 `created` (when the document was written) has no R4 element of its own: it dates the attachment. */
function content(src: Source, created: string | undefined): fhir4.DocumentReferenceContent[] {
  const value = src.dt<fhir4.DocumentReferenceContent[]>('content') ?? [];
  return value
    .filter((c) => c.attachment !== undefined)
    .map((c) => (created && !c.attachment.creation ? { ...c, attachment: { ...c.attachment, creation: created } } : c));
}

export function convertDocumentReference(src: Source, id: string): fhir4.DocumentReference {
  const created = src.string('created');
  const category = src.concept('class');
  return compact({
    ...header(src, 'DocumentReference', id),
    masterIdentifier: src.dt<fhir4.Identifier>('masterIdentifier'),
    identifier: src.dt<fhir4.Identifier[]>('identifier'),
    status: (src.string('status') ?? 'current') as fhir4.DocumentReference['status'],
    docStatus: src.dt<fhir4.DocumentReference['docStatus']>('docStatus'),
    type: src.concept('type'),
    category: category ? [category] : undefined,
    subject: patientOf(src, 'subject'),
    date: src.string('indexed') ?? (created && INSTANT.test(created) ? created : undefined),
    author: src.dt<fhir4.Reference[]>('author'),
    authenticator: src.dt<fhir4.Reference>('authenticator'),
    custodian: src.dt<fhir4.Reference>('custodian'),
    relatesTo: src.dt<fhir4.DocumentReferenceRelatesTo[]>('relatesTo'),
    description: src.string('description'),
    securityLabel: src.concepts('securityLabel'),
    content: content(src, created),
    context: context(src),
  });
}
