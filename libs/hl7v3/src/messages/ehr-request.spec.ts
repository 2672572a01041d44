import { readXml } from '../xml/safe-xml-reader.js';
import { TreeBuilder } from '../xml/xml-tree.js';
import { buildEhrRequest, parseEhrRequest, type EhrRequestInput } from './ehr-request.js';

const INPUT: EhrRequestInput = {
  messageId: 'B1000000-0000-4000-8000-000000000001',
  creationTime: '20240501100000',
  fromAsid: '200000000222',
  toAsid: '200000000111',
  ehrRequestId: 'B1000000-0000-4000-8000-0000000000AA',
  nhsNumber: '9990000093',
  requestingOds: 'P40004',
  sendingOds: 'P30003',
};

// No XSD for RCMR_IN010000UK05 is among the shared GP2GP schemas, so this checks well-formedness and round trip.
describe('EHR request (RCMR_IN010000UK05)', () => {
  it('builds a well-formed request in the HL7 namespace', async () => {
    const xml = buildEhrRequest(INPUT);
    const tree = new TreeBuilder();
    await readXml(xml, tree);
    const root = tree.documentElement!;
    expect(root.name).toBe('RCMR_IN010000UK05');
    expect(root.attrs['xmlns']).toBe('urn:hl7-org:v3');
    expect(xml).toContain('<interactionId root="2.16.840.1.113883.2.1.3.2.4.12" extension="RCMR_IN010000UK05"/>');
  });

  it('round-trips every field', async () => {
    await expect(parseEhrRequest(buildEhrRequest(INPUT))).resolves.toEqual(INPUT);
  });

  it('rejects another interaction and an incomplete request with a clear message', async () => {
    await expect(parseEhrRequest('<MCCI_IN010000UK13/>')).rejects.toThrow(/Not an EHR request/);
    const incomplete = buildEhrRequest(INPUT).replace(/<recordTarget[\s\S]*?<\/recordTarget>/, '');
    await expect(parseEhrRequest(incomplete)).rejects.toThrow(/missing nhsNumber/);
  });
});
