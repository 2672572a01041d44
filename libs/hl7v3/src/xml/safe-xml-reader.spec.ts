import { Readable } from 'node:stream';
import { parseEhrExtract } from '../extract/parse-ehr-extract.js';
import { readXml, type XmlEventHandler } from './safe-xml-reader.js';
import { XmlSafetyError, type XmlSafetyViolation } from './xml-safety-error.js';
import { TreeBuilder } from './xml-tree.js';

async function refusal(xml: string | Readable, limits?: Parameters<typeof readXml>[2]): Promise<XmlSafetyError> {
  const events: string[] = [];
  const handler: XmlEventHandler = {
    openElement: (name) => events.push(name),
    text: () => undefined,
    closeElement: () => undefined,
  };
  try {
    await readXml(xml, handler, limits);
  } catch (err) {
    if (err instanceof XmlSafetyError) return err;
    throw err;
  }
  throw new Error(`document was accepted (saw ${events.length} elements)`);
}

async function expectRefused(
  xml: string | Readable,
  violation: XmlSafetyViolation,
  limits?: Parameters<typeof readXml>[2],
): Promise<XmlSafetyError> {
  const err = await refusal(xml, limits);
  expect(err.violation).toBe(violation);
  expect(err.message).toMatch(/refused/);
  return err;
}

const extract = (body: string): string =>
  `<EhrExtract xmlns="urn:hl7-org:v3"><component><ehrFolder><component><ehrComposition><id root="C1"/>` +
  `<code code="11429006" codeSystem="2.16.840.1.113883.2.1.3.2.4.15"/>${body}</ehrComposition></component></ehrFolder></component></EhrExtract>`;

describe('SafeXmlReader', () => {
  it('reads a well-formed document and reports its elements and text', async () => {
    const tree = new TreeBuilder();
    await readXml('<?xml version="1.0"?><a x="1"><b>t &amp; &#65;</b><c/></a>', tree);
    const root = tree.documentElement!;
    expect(root.name).toBe('a');
    expect(root.attrs).toEqual({ x: '1' });
    expect(root.children.map((c) => c.name)).toEqual(['b', 'c']);
    expect(root.children[0]!.text).toBe('t & A');
  });

  it('refuses XXE: an external entity pointing at /etc/passwd is never resolved', async () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>';
    const err = await expectRefused(xml, 'doctype');
    expect(err.message).not.toMatch(/root:x:0:0/);
  });

  it('refuses billion laughs (nested entity expansion)', async () => {
    const entities = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    await expectRefused(`<?xml version="1.0"?><!DOCTYPE lolz [${entities.join('')}]><lolz>&lol9;</lolz>`, 'doctype');
  });

  it('refuses quadratic blowup (one large entity referenced many times)', async () => {
    const big = 'A'.repeat(50_000);
    const xml = `<!DOCTYPE kaboom [<!ENTITY a "${big}">]><kaboom>${'&a;'.repeat(50_000)}</kaboom>`;
    await expectRefused(xml, 'doctype');
  });

  it('refuses an entity reference even without a DOCTYPE (only the XML built-ins exist)', async () => {
    await expectRefused('<r>&undefined;</r>', 'malformed');
  });

  it('refuses nesting deeper than the cap', async () => {
    const depth = 300;
    await expectRefused(`${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`, 'depth');
    await expect(
      readXml(`${'<a>'.repeat(10)}${'</a>'.repeat(10)}`, new TreeBuilder(), { maxDepth: 10 }),
    ).resolves.toBeUndefined();
    await expectRefused(`${'<a>'.repeat(11)}${'</a>'.repeat(11)}`, 'depth', { maxDepth: 10 });
  });

  it('refuses a huge attribute and too many attributes', async () => {
    await expectRefused(`<a v="${'x'.repeat(70 * 1024)}"/>`, 'attribute-length');
    const attrs = Array.from({ length: 65 }, (_, i) => `a${i}="1"`).join(' ');
    await expectRefused(`<a ${attrs}/>`, 'attribute-count');
  });

  it('refuses an oversized text node and an oversized document', async () => {
    await expectRefused(`<a>${'x'.repeat(2000)}</a>`, 'text-length', { maxTextLength: 1000 });
    await expectRefused(`<a>${'<b/>'.repeat(1000)}</a>`, 'total-bytes', { maxBytes: 1000 });
  });

  it('stops a giant token before it completes (a tag that never ends)', async () => {
    function* endlessAttribute(): Generator<string> {
      yield '<a v="';
      for (let i = 0; i < 100; i++) yield 'x'.repeat(64 * 1024);
    }
    await expectRefused(Readable.from(endlessAttribute()), 'token-length', {
      maxTextLength: 1024,
      maxAttributeLength: 1024,
      maxAttributes: 4,
    });
  });

  it('refuses truncated input, whether cut in a tag or between elements', async () => {
    await expectRefused('<a><b>text</b>', 'truncated');
    await expectRefused('<a><b attr="x', 'truncated');
    await expectRefused('', 'truncated');
  });

  it('refuses malformed XML with a message saying what to do', async () => {
    const err = await expectRefused('<a></b>', 'malformed');
    expect(err.message).toMatch(/Ask the sender/);
  });

  it('decodes multi-byte characters split across stream chunks', async () => {
    const bytes = Buffer.from('<a>café – ✓</a>', 'utf8');
    const chunks = Array.from(bytes).map((b) => Buffer.from([b]));
    const tree = new TreeBuilder();
    await readXml(Readable.from(chunks), tree);
    expect(tree.documentElement!.text).toBe('café – ✓');
  });

  it('returns nothing partial: a refused extract rejects instead of yielding the compositions read so far', async () => {
    const good = extract(
      '<component><NarrativeStatement><id root="N1"/><text>hello</text></NarrativeStatement></component>',
    );
    const parsed = await parseEhrExtract(good);
    expect(parsed.record.resources.length).toBeGreaterThan(0);
    const truncated = good.slice(0, good.indexOf('</ehrFolder>'));
    await expect(parseEhrExtract(truncated)).rejects.toBeInstanceOf(XmlSafetyError);
    const withDoctype = `<!DOCTYPE x [<!ENTITY e "boom">]>${good}`;
    await expect(parseEhrExtract(withDoctype)).rejects.toMatchObject({ violation: 'doctype' });
  });
});
