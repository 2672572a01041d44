/**
 * The small XML toolkit of P30003's inbound GP2GP side: a hardened fast-xml-parser set-up (no DTDs, capped nesting,
 * only XML's predefined entities) that keeps every element in an array, and helpers to walk the tree by local name.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: { enabled: true, maxEntityCount: 1, maxTotalExpansions: 100_000, maxExpandedLength: 10_000_000 },
  maxNestedTags: 256,
  // Every element is a list, so repeated and single elements are read alike; attributes stay scalar.
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  jPath: false,
});

/** Parses a whole document; the reason of a failure says what is wrong with it, never what it contains. */
export function parseXml(xml: string): { ok: true; root: XmlNode } | { ok: false; reason: string } {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, reason: 'document type declarations are not accepted' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, reason: `malformed XML at line ${valid.err.line}: ${valid.err.msg}` };
  try {
    return { ok: true, root: parser.parse(xml) as XmlNode };
  } catch (err) {
    return { ok: false, reason: `unreadable XML: ${(err as Error).message}` };
  }
}

/** The child elements called `name`. */
export function kids(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  if (!Array.isArray(value)) return [];
  return value.map((v) => (typeof v === 'object' && v !== null ? (v as XmlNode) : { '#text': String(v) }));
}

/** The first element down a path of child names. */
export function first(node: XmlNode | undefined, ...path: string[]): XmlNode | undefined {
  let current = node;
  for (const name of path) current = kids(current, name)[0];
  return current;
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`@${name}`];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** An element's text content. */
export function text(node: XmlNode | undefined): string | undefined {
  const value = node?.['#text'];
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' ? String(value) : undefined;
}

/** The element names of a node's children, in no particular order. */
export function childNames(node: XmlNode): string[] {
  return Object.keys(node).filter((k) => !k.startsWith('@') && k !== '#text');
}

/** HL7 TS (`YYYYMMDDHHmm…`) to the ISO form the neutral model keeps, at the precision it has. */
export function isoOf(value: string | undefined): string | undefined {
  if (!value || !/^\d{4}/.test(value)) return undefined;
  const [y, mo, d, h, mi] = [
    value.slice(0, 4),
    value.slice(4, 6),
    value.slice(6, 8),
    value.slice(8, 10),
    value.slice(10, 12),
  ];
  if (mo.length < 2) return y;
  if (d.length < 2) return `${y}-${mo}`;
  if (h.length < 2 || mi.length < 2) return `${y}-${mo}-${d}`;
  return `${y}-${mo}-${d}T${h}:${mi}`;
}
