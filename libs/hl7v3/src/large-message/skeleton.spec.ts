import { Readable } from 'node:stream';
import { parseEhrExtract } from '../extract/parse-ehr-extract.js';
import { XmlSafetyError } from '../xml/xml-safety-error.js';
import { spliceSkeleton } from './skeleton.js';

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

const core = `<EhrExtract xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><component><ehrFolder><component><ehrComposition>
  <id root="C1"/><code code="1" codeSystem="2.16.840.1.113883.2.1.3.2.4.15"/>
  <component><NarrativeStatement><id root="KEEP"/><text>a &amp; b</text></NarrativeStatement></component>
  <component><NarrativeStatement><id root="SKEL-1"/><text>Skeleton statement</text>
    <reference><referredToExternalDocument><id root="SKEL-1"/><text mediaType="text/xml"><reference value="cid:SKEL-1"/></text></referredToExternalDocument></reference>
  </NarrativeStatement></component>
</ehrComposition></component></ehrFolder></component></EhrExtract>`;

const fragment = `<ObservationStatement classCode="OBS" moodCode="EVN"><id root="REAL"/><code code="2" codeSystem="2.16.840.1.113883.2.1.3.2.4.15"/>
  <value xsi:type="PQ" value="5" unit="1"/></ObservationStatement>`;

describe('spliceSkeleton', () => {
  it('replaces the skeleton statement with the attachment and keeps everything else', async () => {
    const xml = await text(spliceSkeleton(core, '_SKEL-1', Readable.from([fragment.slice(0, 40), fragment.slice(40)])));
    expect(xml).not.toContain('Skeleton statement');
    const parsed = await parseEhrExtract(xml);
    const ids = parsed.record.resources.map((r) => `${r.resourceType}/${r.id}`);
    expect(ids).toEqual(['Encounter/C1', 'Observation/KEEP', 'Observation/REAL']);
    expect((parsed.record.resources[2] as fhir4.Observation).valueQuantity?.value).toBe(5);
    expect((parsed.record.resources[1] as fhir4.Observation).note?.[0]?.text).toBe('a & b');
  });

  it('fails clearly when the extract has no such skeleton, and applies the XML caps to the attachment', async () => {
    await expect(text(spliceSkeleton(core, 'OTHER', fragment))).rejects.toThrow(/no skeleton statement/);
    await expect(text(spliceSkeleton(core, 'SKEL-1', '<!DOCTYPE x []><x/>'))).rejects.toBeInstanceOf(XmlSafetyError);
  });
});
