import { readXml } from '../xml/safe-xml-reader.js';
import { TreeBuilder, type XNode } from '../xml/xml-tree.js';
import { XmlWriter } from '../xml/xml-writer.js';
import { parseQuantity, writeQuantity } from './quantity.js';

const UCUM = 'http://unitsofmeasure.org';

async function node(xml: string): Promise<XNode> {
  const tree = new TreeBuilder();
  await readXml(xml, tree);
  return tree.documentElement!;
}

const pq = (attributes: string, unitText?: string) =>
  node(
    unitText === undefined
      ? `<value ${attributes}/>`
      : `<value ${attributes}><translation value="1"><originalText>${unitText}</originalText></translation></value>`,
  );

describe('parseQuantity', () => {
  it('codes the unit as UCUM when the PQ names a UCUM unit', async () => {
    expect(parseQuantity(await pq('value="5.4" unit="mmol/L"'))).toEqual({
      value: 5.4,
      unit: 'mmol/L',
      system: UCUM,
      code: 'mmol/L',
    });
  });

  it('codes GP2GP unit text (unit="1") as UCUM when the text is a UCUM code as written', async () => {
    expect(parseQuantity(await pq('value="107" unit="1"', 'g/L'))).toEqual({
      value: 107,
      unit: 'g/L',
      system: UCUM,
      code: 'g/L',
    });
  });

  it('keeps unit text that is not a UCUM code as plain text', async () => {
    // UCUM writes millimetres of mercury as mm[Hg]: "mmHg" is display text only.
    expect(parseQuantity(await pq('value="120" unit="1"', 'mmHg'))).toEqual({ value: 120, unit: 'mmHg' });
    expect(parseQuantity(await pq('value="2" unit="1"', 'tablets'))).toEqual({ value: 2, unit: 'tablets' });
  });

  it('has no unit for a bare number, and nothing for a null flavour', async () => {
    expect(parseQuantity(await pq('value="3" unit="1"'))).toEqual({ value: 3 });
    expect(parseQuantity(await pq('nullFlavor="UNK"'))).toBeUndefined();
  });

  it('writes a UCUM-coded quantity back with its UCUM unit, and reads it the same', async () => {
    const w = new XmlWriter('');
    writeQuantity(w, 'value', { value: 107, unit: 'g/L', system: UCUM, code: 'g/L' });
    const xml = w.toString();
    expect(xml).toContain('unit="g/L"');
    expect(parseQuantity(await node(xml))).toEqual({ value: 107, unit: 'g/L', system: UCUM, code: 'g/L' });
  });
});
