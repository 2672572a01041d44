import { externalAttachments, parseEbxml, sameDocumentId } from './ebxml.js';

const ENVELOPE = `<SOAP:Envelope xmlns:SOAP="http://schemas.xmlsoap.org/soap/envelope/" xmlns:eb="http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd" xmlns:hl7ebxml="urn:hl7-org:transport/ebxml/DSTUv1.0" xmlns:xlink="http://www.w3.org/1999/xlink">
<SOAP:Header><eb:MessageHeader eb:version="2.0">
  <eb:From><eb:PartyId>RHM-801710</eb:PartyId></eb:From><eb:To><eb:PartyId>RHM-803229</eb:PartyId></eb:To>
  <eb:CPAId>S2030731A2137919</eb:CPAId><eb:ConversationId>CONV-1</eb:ConversationId><eb:Service>urn:nhs:names:services:gp2gp</eb:Service>
  <eb:Action>RCMR_IN030000UK06</eb:Action><eb:MessageData><eb:MessageId>MSG-1</eb:MessageId><eb:Timestamp>2013-11-02T16:54:36Z</eb:Timestamp></eb:MessageData>
</eb:MessageHeader></SOAP:Header>
<SOAP:Body><eb:Manifest eb:version="2.0">
  <eb:Reference xlink:href="cid:payload@spine.nhs.uk"><eb:Description xml:lang="en">HL7 payload</eb:Description><hl7ebxml:Payload style="HL7" encoding="XML" version="3.0"/></eb:Reference>
  <eb:Reference eb:id="_DOC-1" xlink:href="cid:ATT-1"><eb:Description xml:lang="en"> Filename="DOC-1_letter.pdf" ContentType=application/pdf Compressed=No LargeAttachment=No OriginalBase64=Yes </eb:Description></eb:Reference>
  <eb:Reference eb:id="DOC-2" xlink:href="mid:COPC-1"><eb:Description xml:lang="en">Filename="DOC-2_scan.tif" ContentType=image/tiff Compressed=No LargeAttachment=Yes OriginalBase64=No Length=4718592</eb:Description></eb:Reference>
</eb:Manifest></SOAP:Body></SOAP:Envelope>`;

describe('ebXML envelope', () => {
  it('reads the message header and every manifest reference with its description', async () => {
    const envelope = await parseEbxml(ENVELOPE);
    expect(envelope).toMatchObject({
      conversationId: 'CONV-1',
      messageId: 'MSG-1',
      action: 'RCMR_IN030000UK06',
      service: 'urn:nhs:names:services:gp2gp',
      cpaId: 'S2030731A2137919',
      fromPartyId: 'RHM-801710',
      toPartyId: 'RHM-803229',
    });
    expect(envelope.references.map((r) => [r.scheme, r.target, r.hl7Payload])).toEqual([
      ['cid', 'payload@spine.nhs.uk', true],
      ['cid', 'ATT-1', false],
      ['mid', 'COPC-1', false],
    ]);
    expect(envelope.references[1]!.description).toMatchObject({ filename: 'DOC-1_letter.pdf', originalBase64: true });
  });

  it('lists the attachments sent as separate messages (mid:), which the transfer must wait for', async () => {
    const external = externalAttachments(await parseEbxml(ENVELOPE));
    expect(external.map((r) => [r.id, r.target, r.description.largeAttachment, r.description.length])).toEqual([
      ['DOC-2', 'COPC-1', true, 4718592],
    ]);
  });

  it('matches document ids with or without the leading underscore', () => {
    expect(sameDocumentId('_doc-1', 'DOC-1')).toBe(true);
    expect(sameDocumentId('DOC-1', 'DOC-2')).toBe(false);
  });
});
