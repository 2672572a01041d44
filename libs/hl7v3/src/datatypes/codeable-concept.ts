import { CODE_SYSTEMS, EXTENSIONS } from '@lloyd/adapters-core';
import { attr, child, childText, children, type XNode } from '../xml/xml-tree.js';
import type { XmlWriter } from '../xml/xml-writer.js';
import {
  DEGRADED_CODES,
  isDegradedCode,
  OIDS,
  systemForCode,
  v3CodeSystemFor,
  type DegradedKind,
} from './code-systems.js';

/** The marker Lloyd puts on a CodeableConcept (and its resource) whose code could not be carried in SNOMED CT. */
export const DEGRADED_EXTENSION: fhir4.Extension = { url: EXTENSIONS.degradedCode, valueBoolean: true };

export function isDegraded(concept: fhir4.CodeableConcept | undefined): boolean {
  return (concept?.extension ?? []).some((e) => e.url === EXTENSIONS.degradedCode);
}

function codingOf(node: XNode): fhir4.Coding | undefined {
  const code = attr(node, 'code');
  if (!code || attr(node, 'nullFlavor')) return undefined;
  const coding: fhir4.Coding = {};
  const system = systemForCode(attr(node, 'codeSystem'), attr(node, 'codeSystemName'));
  if (system) coding.system = system;
  coding.code = code;
  const display = attr(node, 'displayName')?.trim();
  if (display) coding.display = display;
  return coding;
}

/**
 * An HL7 CD/CE/CV as a CodeableConcept: the code and every translation become codings (systems mapped, unknown OIDs
 * kept as `urn:oid:`), `originalText` (else the display name) becomes the text. A transfer-degraded code is not kept
 * as a coding; the concept is marked degraded instead. Undefined when nothing at all is carried.
 */
export function parseConcept(node: XNode | undefined): fhir4.CodeableConcept | undefined {
  if (!node) return undefined;
  const codings: fhir4.Coding[] = [];
  let degraded = false;
  const primary = codingOf(node);
  const all = primary ? [primary] : [];
  for (const t of children(node, 'translation')) {
    const coding = codingOf(t);
    if (coding) all.push(coding);
  }
  for (const coding of all) {
    if (isDegradedCode(coding.system, coding.code)) degraded = true;
    else if (!codings.some((c) => c.system === coding.system && c.code === coding.code)) codings.push(coding);
  }
  const text = childText(node, 'originalText') ?? primary?.display ?? codings[0]?.display;
  if (codings.length === 0 && !text) return undefined;
  const concept: fhir4.CodeableConcept = {};
  if (degraded) concept.extension = [{ ...DEGRADED_EXTENSION }];
  if (codings.length > 0) concept.coding = codings;
  if (text) concept.text = text;
  return concept;
}

/** Qualifier name codes on a CD (`<qualifier><name code=…/></qualifier>`), e.g. problem significance. */
export function qualifierNames(node: XNode | undefined): string[] {
  return children(node, 'qualifier')
    .map((q) => attr(child(q, 'name'), 'code'))
    .filter((c): c is string => c !== undefined);
}

interface CdOptions {
  /**
   * Which transfer-degraded code stands in when the concept has no SNOMED coding; `none` for values, where the
   * first original coding is sent as it is instead.
   */
  degraded: DegradedKind | 'none';
  /** A SNOMED code to send instead of the degraded one (e.g. "Other digital signal" for a document type). */
  fallback?: { code: string; display: string };
  /** Extra attributes on the element (e.g. `xsi:type`). */
  attributes?: Record<string, string>;
  /** CV elements take no translations. */
  translations?: boolean;
  /** Qualifiers (CD only), written between originalText and translations. */
  qualifiers?: readonly { code: string; display: string }[];
}

/**
 * Writes a concept as an HL7 CD. A SNOMED coding becomes the code and the other codings translations; without one
 * the item is degraded: the transfer-degraded SNOMED code for its kind, the original text, and the original codings
 * as translations. A concept with no coding at all is sent as `nullFlavor="UNK"` with its text.
 */
export function writeConcept(
  w: XmlWriter,
  name: string,
  concept: fhir4.CodeableConcept | undefined,
  options: CdOptions,
): void {
  const codings = (concept?.coding ?? []).filter((c) => c.code);
  const snomed = codings.find((c) => c.system === CODE_SYSTEMS.snomed);
  const text = concept?.text ?? codings.find((c) => c.display)?.display;
  const expressible = codings.filter((c) => c !== snomed && v3CodeSystemFor(c.system));
  const withTranslations = options.translations !== false;
  const qualifiers = options.qualifiers ?? [];

  if (!snomed && codings.length === 0 && !(isDegraded(concept) && options.degraded !== 'none')) {
    const body = text !== undefined || qualifiers.length > 0;
    if (!body) {
      w.empty(name, { ...options.attributes, nullFlavor: 'UNK' });
      return;
    }
    w.element(name, { ...options.attributes, nullFlavor: 'UNK' }, () => {
      if (text !== undefined) w.text('originalText', text);
      writeQualifiers(w, qualifiers);
    });
    return;
  }

  const asIs = !snomed && options.degraded === 'none' ? expressible[0] : undefined;
  const primary =
    snomed ??
    asIs ??
    (options.fallback
      ? { system: CODE_SYSTEMS.snomed, ...options.fallback }
      : { system: CODE_SYSTEMS.snomed, ...DEGRADED_CODES[options.degraded === 'none' ? 'generic' : options.degraded] });
  const attributes = {
    ...options.attributes,
    code: primary.code,
    ...(v3CodeSystemFor(primary.system) ?? { codeSystem: OIDS.snomed }),
    displayName: primary.display,
  };
  const translations = withTranslations ? expressible.filter((c) => c !== asIs) : [];
  if (text === undefined && translations.length === 0 && qualifiers.length === 0) {
    w.empty(name, attributes);
    return;
  }
  w.element(name, attributes, () => {
    if (text !== undefined) w.text('originalText', text);
    writeQualifiers(w, qualifiers);
    for (const t of translations) {
      w.empty('translation', { code: t.code, ...v3CodeSystemFor(t.system), displayName: t.display });
    }
  });
}

function writeQualifiers(w: XmlWriter, qualifiers: readonly { code: string; display: string }[]): void {
  for (const q of qualifiers) {
    w.element('qualifier', { inverted: 'false' }, () => {
      w.empty('name', { code: q.code, codeSystem: OIDS.snomed, displayName: q.display });
    });
  }
}
