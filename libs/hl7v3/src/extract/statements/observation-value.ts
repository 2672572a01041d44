import { parseConcept } from '../../datatypes/codeable-concept.js';
import { parseDecimal, parseQuantity } from '../../datatypes/quantity.js';
import { tsToFhir } from '../../datatypes/timestamp.js';
import { attr, child, childText, children, type XNode } from '../../xml/xml-tree.js';
import { edText, put } from '../statement-common.js';

type ObservationValue = Pick<
  fhir4.Observation,
  | 'valueQuantity'
  | 'valueCodeableConcept'
  | 'valueString'
  | 'valueRange'
  | 'valueBoolean'
  | 'valueInteger'
  | 'valueDateTime'
>;

/** An ObservationStatement `value` (typed by `xsi:type`) as the matching FHIR `value[x]`. */
export function parseObservationValue(node: XNode | undefined): ObservationValue | undefined {
  if (!node || attr(node, 'nullFlavor')) return undefined;
  switch (attr(node, 'type') ?? '') {
    case 'PQ':
      return wrap('valueQuantity', parseQuantity(node));
    case 'CD':
    case 'CE':
    case 'CV':
    case 'CS':
      return wrap('valueCodeableConcept', parseConcept(node));
    case 'IVL_PQ':
      return wrap('valueRange', parseRange(node));
    case 'BL':
      return attr(node, 'value') === undefined ? undefined : { valueBoolean: attr(node, 'value') === 'true' };
    case 'INT': {
      const n = parseDecimal(attr(node, 'value'));
      return n !== undefined && Number.isInteger(n) ? { valueInteger: n } : undefined;
    }
    case 'TS':
      return wrap('valueDateTime', tsToFhir(attr(node, 'value')));
    default:
      return wrap('valueString', edText(node) ?? attr(node, 'value'));
  }
}

function wrap<K extends keyof ObservationValue>(
  key: K,
  value: ObservationValue[K] | undefined,
): ObservationValue | undefined {
  if (value === undefined) return undefined;
  const out: ObservationValue = {};
  out[key] = value;
  return out;
}

/** An IVL_PQ as a FHIR Range. */
export function parseRange(node: XNode | undefined): fhir4.Range | undefined {
  if (!node) return undefined;
  const range: fhir4.Range = {};
  put(range, 'low', parseQuantity(child(node, 'low')));
  put(range, 'high', parseQuantity(child(node, 'high')));
  return range.low || range.high ? range : undefined;
}

/** `referenceRange/referenceInterpretationRange` entries as FHIR reference ranges. */
export function parseReferenceRanges(statement: XNode): fhir4.ObservationReferenceRange[] {
  const ranges: fhir4.ObservationReferenceRange[] = [];
  for (const r of children(statement, 'referenceRange')) {
    const interp = child(r, 'referenceInterpretationRange');
    const range: fhir4.ObservationReferenceRange = {};
    const bounds = parseRange(child(interp, 'value'));
    put(range, 'low', bounds?.low);
    put(range, 'high', bounds?.high);
    put(range, 'text', childText(interp, 'text'));
    if (range.low || range.high || range.text) ranges.push(range);
  }
  return ranges;
}
