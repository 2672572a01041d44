import { buildEhrExtract, parseEhrExtract } from '@lloyd/hl7v3';
import { Terminology } from '@lloyd/terminology';
import { sampleRecord } from './testing/index.js';
it('scratch', async () => {
  const t = Terminology.sample();
  const n = t.normaliseRecord(sampleRecord('9990000018', 'P10001', { degraded: true }));
  console.log('before', n.degraded, n.mapped);
  const xml = buildEhrExtract(n.record, { messageId: 'A1B2C3D4-0000-4000-8000-000000000001', fromAsid: '1', toAsid: '2', toOds: 'P2' });
  const parsed = await parseEhrExtract(xml);
  console.log(JSON.stringify(parsed.stats));
  const n2 = t.normaliseRecord(parsed.record);
  console.log('after', n2.degraded, n2.mapped, n2.record.resources.length);
  for (const r of n2.record.resources) console.log(r.resourceType, JSON.stringify((r as any).code ?? (r as any).type), JSON.stringify((r as any).extension));
});
