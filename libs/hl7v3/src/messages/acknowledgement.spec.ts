import { describeWithSchemas, expectSchemaValid } from '@lloyd/test-support';
import { buildAcknowledgement, parseAcknowledgement, type AcknowledgementInput } from './acknowledgement.js';
import { GP2GP_REASON_CODES, isGp2gpReasonCode } from './reason-codes.js';

const BASE: AcknowledgementInput = {
  messageId: 'C1000000-0000-4000-8000-000000000001',
  creationTime: '20240501100000',
  fromAsid: '200000000222',
  toAsid: '200000000111',
  typeCode: 'AA',
  acknowledgedMessageId: 'A1B2C3D4-0000-4000-8000-000000000001',
};

describeWithSchemas('application acknowledgement (MCCI_IN010000UK13)', (validate) => {
  it('builds a positive acknowledgement that validates and parses back', async () => {
    const xml = buildAcknowledgement(BASE);
    await expectSchemaValid(validate, xml, 'MCCI_IN010000UK13');
    await expect(parseAcknowledgement(xml)).resolves.toEqual({
      messageId: BASE.messageId,
      creationTime: BASE.creationTime,
      fromAsid: BASE.fromAsid,
      toAsid: BASE.toAsid,
      typeCode: 'AA',
      acknowledgedMessageId: BASE.acknowledgedMessageId,
    });
  });

  it.each([
    ['AE', '06'],
    ['AR', '11'],
    ['AE', '30'],
  ] as const)('builds a negative %s with reason %s that validates and parses back', async (typeCode, code) => {
    const xml = buildAcknowledgement({ ...BASE, typeCode, reasonCode: code });
    await expectSchemaValid(validate, xml, 'MCCI_IN010000UK13');
    const parsed = await parseAcknowledgement(xml);
    expect(parsed.typeCode).toBe(typeCode);
    expect(parsed.reason).toEqual({ code, display: GP2GP_REASON_CODES[code] });
  });
});

describe('parseAcknowledgement', () => {
  const wrap = (ack: string, controlAct = ''): string =>
    `<MCCI_IN010000UK13 xmlns="urn:hl7-org:v3"><id root="X"/><creationTime value="2024"/>${ack}` +
    `<communicationFunctionRcv><device><id root="1.2.826.0.1285.0.2.0.107" extension="1"/></device></communicationFunctionRcv>` +
    `<communicationFunctionSnd><device><id root="1.2.826.0.1285.0.2.0.107" extension="2"/></device></communicationFunctionSnd>` +
    `<ControlActEvent>${controlAct}</ControlActEvent></MCCI_IN010000UK13>`;

  it('reads the reason from acknowledgementDetail when the ControlActEvent has none', async () => {
    const xml = wrap(
      '<acknowledgement typeCode="AE"><acknowledgementDetail typeCode="ER"><code code="25" displayName="Timeout"/></acknowledgementDetail><messageRef><id root="M"/></messageRef></acknowledgement>',
    );
    await expect(parseAcknowledgement(xml)).resolves.toMatchObject({
      typeCode: 'AE',
      acknowledgedMessageId: 'M',
      reason: { code: '25', display: 'Timeout' },
    });
  });

  it('reads the reason from ControlActEvent/reason/justifyingDetectedIssueEvent/code first', async () => {
    const xml = wrap(
      '<acknowledgement typeCode="AR"><messageRef><id root="M"/></messageRef></acknowledgement>',
      '<reason><justifyingDetectedIssueEvent><code code="17" codeSystem="2.16.840.1.113883.2.1.3.2.4.17.101"/></justifyingDetectedIssueEvent></reason>',
    );
    await expect(parseAcknowledgement(xml)).resolves.toMatchObject({
      typeCode: 'AR',
      reason: { code: '17', display: GP2GP_REASON_CODES['17'] },
    });
  });

  it('refuses a negative acknowledgement without a reason and an unknown type', async () => {
    expect(() => buildAcknowledgement({ ...BASE, typeCode: 'AE' })).toThrow(/reason code/);
    await expect(
      parseAcknowledgement(
        wrap('<acknowledgement typeCode="XX"><messageRef><id root="M"/></messageRef></acknowledgement>'),
      ),
    ).rejects.toThrow(/not AA, AE or AR/);
  });

  it('uses the standard reason text unless one is given, and tells codes from non-codes', async () => {
    const custom = await parseAcknowledgement(
      buildAcknowledgement({ ...BASE, typeCode: 'AE', reasonCode: '99', reasonText: 'Disk full' }),
    );
    expect(custom.reason).toEqual({ code: '99', display: 'Disk full' });
    expect(isGp2gpReasonCode('31')).toBe(true);
    expect(isGp2gpReasonCode('08')).toBe(false);
  });
});
