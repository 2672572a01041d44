import { CODE_SYSTEMS } from '@lloyd/adapters-core';
import { readXml } from '../xml/safe-xml-reader.js';
import { TreeBuilder, type XNode } from '../xml/xml-tree.js';
import { XmlWriter } from '../xml/xml-writer.js';
import { isDegraded, parseConcept, writeConcept } from './codeable-concept.js';
import { oidForSystem, systemForCode, systemForOid, uidForSystemUrl, v3CodeSystemFor } from './code-systems.js';

async function node(xml: string): Promise<XNode> {
  const tree = new TreeBuilder();
  await readXml(xml, tree);
  return tree.documentElement!;
}

function written(
  concept: fhir4.CodeableConcept | undefined,
  degraded: Parameters<typeof writeConcept>[3]['degraded'] = 'generic',
): string {
  const w = new XmlWriter('');
  writeConcept(w, 'code', concept, { degraded });
  return w.toString().replace(/\n/g, '');
}

describe('code systems', () => {
  it('maps the NHS schemes to FHIR URIs and keeps unknown OIDs as urn:oid', () => {
    expect(systemForOid('2.16.840.1.113883.2.1.3.2.4.15')).toBe(CODE_SYSTEMS.snomed);
    expect(systemForOid('2.16.840.1.113883.2.1.6.2')).toBe(CODE_SYSTEMS.readv2);
    expect(systemForOid('2.16.840.1.113883.2.1.3.2.4.14')).toBe(CODE_SYSTEMS.ctv3);
    expect(systemForOid('2.16.840.1.113883.2.1.6.9')).toBe('urn:oid:2.16.840.1.113883.2.1.6.9');
    expect(oidForSystem('urn:oid:2.16.840.1.113883.2.1.6.9')).toBe('2.16.840.1.113883.2.1.6.9');
    expect(oidForSystem(`${CODE_SYSTEMS.localPrefix}P30003`)).toBe('lloyd-local-P30003');
    expect(systemForOid('lloyd-local-P30003')).toBe(`${CODE_SYSTEMS.localPrefix}P30003`);
    expect(oidForSystem('not a uri')).toBeUndefined();
    expect(oidForSystem(undefined)).toBeUndefined();
  });

  it('names a system known only by its URL by a Lloyd UUID derived from it, and the URL', () => {
    const emis = 'https://fhir.hl7.org.uk/Id/emis-drug-codes';
    const written = v3CodeSystemFor(emis);
    expect(written).toEqual({ codeSystem: uidForSystemUrl(emis), codeSystemName: emis });
    expect(written?.codeSystem).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(v3CodeSystemFor('https://fhir.hl7.org.uk/Id/egton-codes')?.codeSystem).not.toBe(written?.codeSystem);
    expect(systemForCode(written?.codeSystem, emis)).toBe(emis);
    // A codeSystemName is only trusted when the UUID was derived from exactly it.
    expect(systemForCode(written?.codeSystem, 'https://example.org/other')).toBe(
      `urn:uuid:${written!.codeSystem.toLowerCase()}`,
    );
    expect(systemForCode('2.16.840.1.113883.2.1.6.9', 'EMIS drug codes')).toBe('urn:oid:2.16.840.1.113883.2.1.6.9');
  });
});

describe('CD ⇄ CodeableConcept', () => {
  it('carries local codings (no OID) as translations under their URL, and reads them back exactly', async () => {
    const concept: fhir4.CodeableConcept = {
      coding: [
        { system: 'https://fhir.hl7.org.uk/Id/emis-drug-codes', code: 'ASDI224', display: 'Aspirin 75mg' },
        { system: CODE_SYSTEMS.snomed, code: '319773006', display: 'Aspirin 75mg dispersible tablets' },
      ],
      text: 'Aspirin 75mg dispersible tablets',
    };
    const xml = written(concept, 'medication');
    expect(xml).toContain('codeSystemName="https://fhir.hl7.org.uk/Id/emis-drug-codes"');
    expect(parseConcept(await node(xml))).toEqual({
      coding: [concept.coding![1], concept.coding![0]],
      text: concept.text,
    });
  });

  it('degrades a concept with only a local coding, keeping the coding as a translation', async () => {
    const concept: fhir4.CodeableConcept = {
      coding: [{ system: 'https://fhir.hl7.org.uk/Id/emis-drug-codes', code: 'LOCAL1', display: 'Local drug' }],
      text: 'Local drug',
    };
    const back = parseConcept(await node(written(concept, 'medication')));
    expect(isDegraded(back)).toBe(true);
    expect(back?.coding).toEqual(concept.coding);
    expect(back?.text).toBe('Local drug');
  });

  it('keeps the code, every translation and the original text', async () => {
    const concept = parseConcept(
      await node(
        '<code code="H33.." codeSystem="2.16.840.1.113883.2.1.6.2" displayName="Asthma"><originalText>Asthma (seen)</originalText>' +
          '<translation code="195967001" codeSystem="2.16.840.1.113883.2.1.3.2.4.15" displayName="Asthma"/>' +
          '<translation code="X1" codeSystem="2.16.840.1.113883.2.1.6.3"/></code>',
      ),
    );
    expect(concept).toEqual({
      coding: [
        { system: CODE_SYSTEMS.readv2, code: 'H33..', display: 'Asthma' },
        { system: CODE_SYSTEMS.snomed, code: '195967001', display: 'Asthma' },
        { system: 'urn:oid:2.16.840.1.113883.2.1.6.3', code: 'X1' },
      ],
      text: 'Asthma (seen)',
    });
  });

  it('recognises a transfer-degraded code: drops it as a coding and marks the concept', async () => {
    const concept = parseConcept(
      await node(
        '<code code="196411000000103" codeSystem="2.16.840.1.113883.2.1.3.2.4.15" displayName="Transfer-degraded record entry">' +
          '<originalText>Local thing</originalText><translation code="LOC1" codeSystem="2.16.840.1.113883.2.1.6.3"/></code>',
      ),
    );
    expect(isDegraded(concept)).toBe(true);
    expect(concept?.coding).toEqual([{ system: 'urn:oid:2.16.840.1.113883.2.1.6.3', code: 'LOC1' }]);
    expect(concept?.text).toBe('Local thing');
  });

  it('returns nothing for a null-flavoured code without text', async () => {
    expect(parseConcept(await node('<code nullFlavor="UNK"/>'))).toBeUndefined();
    expect(parseConcept(await node('<code nullFlavor="UNK"><originalText>Mocked</originalText></code>'))).toEqual({
      text: 'Mocked',
    });
  });

  it('sends a SNOMED coding as the code and the others as translations', () => {
    expect(
      written({
        coding: [
          { system: CODE_SYSTEMS.readv2, code: 'H33..', display: 'Asthma' },
          { system: CODE_SYSTEMS.snomed, code: '195967001', display: 'Asthma' },
        ],
        text: 'Asthma',
      }),
    ).toBe(
      '<code code="195967001" codeSystem="2.16.840.1.113883.2.1.3.2.4.15" displayName="Asthma"><originalText>Asthma</originalText>' +
        '<translation code="H33.." codeSystem="2.16.840.1.113883.2.1.6.2" displayName="Asthma"/></code>',
    );
  });

  it('degrades an item without SNOMED: the degraded code for its kind, the text, the originals as translations', () => {
    const xml = written(
      { coding: [{ system: CODE_SYSTEMS.readv2, code: 'TJ003', display: 'Amoxycillin reaction' }] },
      'drug-allergy',
    );
    expect(xml).toContain('code="196461000000101"');
    expect(xml).toContain('<originalText>Amoxycillin reaction</originalText>');
    expect(xml).toContain('<translation code="TJ003" codeSystem="2.16.840.1.113883.2.1.6.2"');
    expect(written({ coding: [{ system: CODE_SYSTEMS.readv2, code: '8H54.' }] }, 'referral')).toContain(
      'code="196431000000106"',
    );
    expect(written({ coding: [{ system: CODE_SYSTEMS.readv2, code: 'x' }] }, 'medication')).toContain(
      'code="196421000000109"',
    );
  });

  it('sends an uncoded item as nullFlavor UNK with its original text', () => {
    expect(written({ text: 'Free text' })).toBe('<code nullFlavor="UNK"><originalText>Free text</originalText></code>');
    expect(written(undefined)).toBe('<code nullFlavor="UNK"/>');
  });
});
