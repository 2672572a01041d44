import { isUcumUnit } from '@lloyd/adapters-core';
import { attr, child, childText, type XNode } from '../xml/xml-tree.js';
import type { XmlWriter } from '../xml/xml-writer.js';

const UCUM = 'http://unitsofmeasure.org';
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal as text without exponent notation (HL7 `real`). */
export function formatDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/\.?0+$/, '');
}

/** Parses an HL7 `real`; undefined when absent or not a number. */
export function parseDecimal(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim().replace(/^\+/, '');
  if (!NUMBER.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * An HL7 PQ as a FHIR Quantity. GP2GP systems send `unit="1"` and the unit text in `translation/originalText`; a
 * real UCUM unit is kept as a coded unit, and so is unit text that is a UCUM code as written (`g/L`, not `mmHg`).
 */
export function parseQuantity(node: XNode | undefined): fhir4.Quantity | undefined {
  if (!node || attr(node, 'nullFlavor')) return undefined;
  const value = parseDecimal(attr(node, 'value'));
  const unitCode = attr(node, 'unit');
  const unitText = childText(child(node, 'translation'), 'originalText');
  if (value === undefined && !unitText) return undefined;
  const quantity: fhir4.Quantity = {};
  if (value !== undefined) quantity.value = value;
  if (unitText) quantity.unit = unitText;
  if (unitCode && unitCode !== '1') {
    quantity.unit ??= unitCode;
    quantity.system = UCUM;
    quantity.code = unitCode;
  } else if (unitText && isUcumUnit(unitText)) {
    quantity.system = UCUM;
    quantity.code = unitText;
  }
  return quantity;
}

/** Writes a FHIR Quantity as an HL7 PQ (unit text in a translation, as GP2GP receivers read it). */
export function writeQuantity(
  w: XmlWriter,
  name: string,
  quantity: fhir4.Quantity | undefined,
  extra: Record<string, string> = {},
): void {
  if (!quantity || quantity.value === undefined) {
    w.empty(name, { ...extra, nullFlavor: 'UNK' });
    return;
  }
  const value = formatDecimal(quantity.value);
  const ucum = quantity.system === UCUM && quantity.code && !/\s/.test(quantity.code) ? quantity.code : '1';
  const unitText = quantity.unit ?? (ucum !== '1' ? ucum : undefined);
  if (unitText === undefined) {
    w.empty(name, { ...extra, value, unit: ucum });
    return;
  }
  w.element(name, { ...extra, value, unit: ucum }, () => {
    w.element('translation', { value }, () => w.text('originalText', unitText));
  });
}
