import { readXml } from './safe-xml-reader.js';
import { escapeAttribute, escapeText, XmlWriter } from './xml-writer.js';
import { TreeBuilder } from './xml-tree.js';

describe('XmlWriter', () => {
  it('escapes markup in text and attributes so it reads back unchanged', async () => {
    const nasty = `a < b && c > d "quoted" 'single' </text><evil/>`;
    const w = new XmlWriter();
    w.declaration().element('root', { note: nasty, skip: undefined }, () => w.text('text', nasty));
    const xml = w.toString();
    expect(xml).not.toContain('<evil/>');
    expect(xml).not.toContain('skip=');
    const tree = new TreeBuilder();
    await readXml(xml, tree);
    expect(tree.documentElement!.attrs['note']).toBe(nasty);
    expect(tree.documentElement!.children[0]!.text).toBe(nasty);
  });

  it('keeps newlines and tabs in attributes as character references', () => {
    expect(escapeAttribute('a\nb\tc\r')).toBe('a&#10;b&#9;c&#13;');
  });

  it('replaces characters XML cannot carry instead of writing an unreadable document', () => {
    expect(escapeText('ok\u0000\u0007\uFFFE\uD800end')).toBe('ok\uFFFD\uFFFD\uFFFD\uFFFDend');
    expect(escapeText('emoji 😀 stays')).toBe('emoji 😀 stays');
  });

  it('refuses invalid element and attribute names', () => {
    expect(() => new XmlWriter().empty('bad name')).toThrow(/Invalid XML name/);
    expect(() => new XmlWriter().empty('a', { 'x"y': '1' })).toThrow(/Invalid XML name/);
  });

  it('refuses to finish a document with open elements, and hands out pieces with take()', () => {
    const w = new XmlWriter('');
    w.start('a');
    w.empty('b');
    expect(w.take()).toBe('<a>\n<b/>\n');
    expect(() => w.toString()).toThrow(/not closed/);
    w.end();
    expect(w.toString()).toBe('</a>\n');
  });
});
