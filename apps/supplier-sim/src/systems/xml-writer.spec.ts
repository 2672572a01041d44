import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeXmlAttribute, escapeXmlText, XmlWriter } from './xml-writer.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
});

describe('XML escaping', () => {
  it('escapes markup characters in text', () => {
    expect(escapeXmlText('a < b & c > "d"')).toBe('a &lt; b &amp; c &gt; "d"');
  });

  it('escapes quotes and keeps line breaks in attributes', () => {
    expect(escapeXmlAttribute(`say "hi" & 'bye'\nnext\tcol`)).toBe(
      'say &quot;hi&quot; &amp; &apos;bye&apos;&#10;next&#9;col',
    );
  });

  it('replaces characters XML cannot carry', () => {
    expect(escapeXmlText('bell\u0007 nul\u0000 lone\uD800 ok\u00e9\u{1F600}')).toBe(
      'bell\uFFFD nul\uFFFD lone\uFFFD ok\u00e9\u{1F600}',
    );
  });

  it('round-trips hostile values through a real parser', () => {
    const hostile = `</Term><Injected attr="x">&amp; "quoted" 'single' <&>`;
    const xml = new XmlWriter().start('Root', { value: hostile }).text('Term', hostile).end().toString();
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = parser.parse(xml) as { Root: { '@value': string; Term: string } };
    expect(parsed.Root['@value']).toBe(hostile);
    expect(parsed.Root.Term).toBe(hostile);
    expect(xml).not.toContain('<Injected');
  });
});

describe('XmlWriter', () => {
  it('leaves out undefined attributes and text elements', () => {
    const xml = new XmlWriter(false)
      .start('A', { x: 1, y: undefined, z: false })
      .text('B', undefined)
      .text('C', 0)
      .end()
      .toString();
    expect(xml).toBe('<A x="1" z="false">\n  <C>0</C>\n</A>\n');
  });

  it('refuses invalid element and attribute names', () => {
    expect(() => new XmlWriter().element('bad name')).toThrow(/Invalid XML name/);
    expect(() => new XmlWriter().element('Ok', { 'on"x': 1 })).toThrow(/Invalid XML name/);
  });

  it('refuses to produce unbalanced documents', () => {
    expect(() => new XmlWriter().start('A').toString()).toThrow(/unclosed/);
    expect(() => new XmlWriter().end()).toThrow(/without a matching start/);
  });
});
