import { readFileSync } from 'node:fs';
import { sharedDataPath } from '@lloyd/test-support';
import { describeWithSchemas, expectSchemaValid } from '@lloyd/test-support';
import { buildCopcContinue, buildCopcFragment, parseCopc } from './copc.js';

const PARTIES = {
  messageId: 'D1000000-0000-4000-8000-000000000001',
  creationTime: '20240501100000',
  fromAsid: '200000000111',
  toAsid: '200000000222',
  fromOds: 'P30003',
  toOds: 'P40004',
};

describeWithSchemas('COPC_IN000001UK01', (validate) => {
  it('builds a fragment carrier that validates and parses back', async () => {
    const xml = buildCopcFragment({ ...PARTIES, fileName: 'E39E79A2_0.messageattachment' });
    await expectSchemaValid(validate, xml, 'COPC_IN000001UK01');
    await expect(parseCopc(xml)).resolves.toEqual({
      ...PARTIES,
      kind: 'fragment',
      subject: 'Attachment: E39E79A2_0.messageattachment',
      payloadMessageId: PARTIES.messageId,
      references: ['E39E79A2_0.messageattachment'],
      fromOds: 'P30003',
      toOds: 'P40004',
    });
  });

  it('builds a Continue acknowledgement that validates and names the extract it continues', async () => {
    const xml = buildCopcContinue({ ...PARTIES, extractMessageId: 'A1B2C3D4-0000-4000-8000-000000000001' });
    await expectSchemaValid(validate, xml, 'COPC_IN000001UK01');
    const parsed = await parseCopc(xml);
    expect(parsed).toMatchObject({
      kind: 'continue',
      subject: 'Continue Acknowledgement',
      acknowledgedMessageId: 'A1B2C3D4-0000-4000-8000-000000000001',
    });
  });

  it('parses the NHS sample Continue message', async () => {
    const xml = readFileSync(sharedDataPath('gp2gp', 'extracts', 'COPC_IN000001UK01_CONTINUE__payload.xml'));
    await expect(parseCopc(xml)).resolves.toMatchObject({
      kind: 'continue',
      fromOds: 'B83002',
      toOds: 'C81007',
      acknowledgedMessageId: 'TEST-EHR-EXTRACT-ID',
    });
  });
});

describe('parseCopc', () => {
  it('refuses another interaction', async () => {
    await expect(parseCopc('<RCMR_IN030000UK06/>')).rejects.toThrow(/Not a COPC message/);
  });
});
