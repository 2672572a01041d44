import { readXml } from '../xml/safe-xml-reader.js';
import type { XmlLimits } from '../xml/xml-limits.js';
import type { XmlSource } from '../xml/xml-source.js';
import { attr, child, childText, children, deepText, path, TreeBuilder } from '../xml/xml-tree.js';
import { parseAttachmentDescription, type AttachmentDescription } from './attachment-description.js';

/** One `eb:Manifest/eb:Reference`. */
export interface ManifestReference {
  /** `xlink:href` as written, e.g. `cid:…` (a MIME part of this message) or `mid:…` (another message). */
  href: string;
  scheme: 'cid' | 'mid' | 'other';
  /** The href without its scheme: a MIME Content-ID, or for `mid:` the message id of the COPC that carries it. */
  target: string;
  /** `eb:id`: GP2GP uses the external document's id (sometimes with a leading underscore). */
  id?: string;
  /** True for the HL7 payload itself (it has an `hl7ebxml:Payload` child). */
  hl7Payload: boolean;
  descriptionText?: string;
  description: AttachmentDescription;
}

/** What Lloyd needs from an ebXML (Spine reliable messaging) envelope. */
export interface EbxmlEnvelope {
  conversationId?: string;
  messageId?: string;
  refToMessageId?: string;
  action?: string;
  service?: string;
  cpaId?: string;
  fromPartyId?: string;
  toPartyId?: string;
  references: ManifestReference[];
}

/** Parses an ebXML SOAP envelope: message header fields and the manifest. */
export async function parseEbxml(source: XmlSource, limits?: Partial<XmlLimits>): Promise<EbxmlEnvelope> {
  const tree = new TreeBuilder();
  await readXml(source, tree, limits);
  const envelope = tree.documentElement;
  const header = path(envelope, 'Header', 'MessageHeader');
  const out: EbxmlEnvelope = { references: [] };
  const set = (key: Exclude<keyof EbxmlEnvelope, 'references'>, value: string | undefined): void => {
    if (value) out[key] = value;
  };
  set('conversationId', childText(header, 'ConversationId'));
  set('messageId', childText(child(header, 'MessageData'), 'MessageId'));
  set('refToMessageId', childText(child(header, 'MessageData'), 'RefToMessageId'));
  set('action', childText(header, 'Action'));
  set('service', childText(header, 'Service'));
  set('cpaId', childText(header, 'CPAId'));
  set('fromPartyId', childText(child(header, 'From'), 'PartyId'));
  set('toPartyId', childText(child(header, 'To'), 'PartyId'));
  for (const reference of children(path(envelope, 'Body', 'Manifest'), 'Reference')) {
    const href = attr(reference, 'href') ?? '';
    const colon = href.indexOf(':');
    const scheme = colon > 0 ? href.slice(0, colon).toLowerCase() : '';
    const descriptionText = deepText(child(reference, 'Description')).trim() || undefined;
    const entry: ManifestReference = {
      href,
      scheme: scheme === 'cid' || scheme === 'mid' ? scheme : 'other',
      target: colon > 0 ? href.slice(colon + 1) : href,
      hl7Payload: child(reference, 'Payload') !== undefined,
      description: parseAttachmentDescription(descriptionText),
    };
    const id = attr(reference, 'id');
    if (id) entry.id = id;
    if (descriptionText) entry.descriptionText = descriptionText;
    out.references.push(entry);
  }
  return out;
}

/** The attachments that travel as separate (COPC) messages: the manifest's `mid:` references, in manifest order. */
export function externalAttachments(envelope: EbxmlEnvelope): ManifestReference[] {
  return envelope.references.filter((r) => r.scheme === 'mid');
}

/** Document ids compare without GP2GP's optional leading underscore and case-insensitively. */
export function sameDocumentId(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const norm = (s: string): string => s.trim().replace(/^_/, '').toUpperCase();
  return norm(a) === norm(b);
}
