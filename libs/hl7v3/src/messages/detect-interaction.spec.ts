import { Readable } from 'node:stream';
import { messageKind, readRootElement } from './detect-interaction.js';

describe('message detection', () => {
  it('reads only the root element of a stream', async () => {
    let pulled = 0;
    function* endless(): Generator<string> {
      yield '<?xml version="1.0"?><hl7:COPC_IN000001UK01 xmlns:hl7="urn:hl7-org:v3">';
      for (;;) {
        pulled++;
        yield '<x/>';
      }
    }
    await expect(readRootElement(Readable.from(endless()))).resolves.toBe('COPC_IN000001UK01');
    expect(pulled).toBeLessThan(2);
  });

  it.each([
    ['RCMR_IN030000UK06', 'ehr-extract'],
    ['RCMR_IN030000UK07', 'ehr-extract'],
    ['EhrExtract', 'ehr-extract'],
    ['RCMR_IN010000UK05', 'ehr-request'],
    ['MCCI_IN010000UK13', 'acknowledgement'],
    ['COPC_IN000001UK01', 'copc'],
    ['Something', 'unknown'],
  ])('%s is %s', (root, kind) => {
    expect(messageKind(root)).toBe(kind);
  });
});
