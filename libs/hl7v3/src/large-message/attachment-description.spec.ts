import { formatAttachmentDescription, parseAttachmentDescription } from './attachment-description.js';

describe('attachment descriptions', () => {
  it('reads every field GP2GP defines', () => {
    expect(
      parseAttachmentDescription(
        ' Filename="588210BB_00011000.tif" ContentType=image/tiff Compressed=No LargeAttachment=Yes OriginalBase64=Yes Length=36504 ',
      ),
    ).toEqual({
      filename: '588210BB_00011000.tif',
      contentType: 'image/tiff',
      compressed: false,
      largeAttachment: true,
      originalBase64: true,
      length: 36504,
      skeleton: false,
      other: {},
    });
  });

  it('recognises the skeleton marker, even with the closing quote missing as some senders write it', () => {
    expect(
      parseAttachmentDescription(
        'Filename="x.gzip" ContentType=text/xml Compressed=Yes DomainData="X-GP2GP-Skeleton: Yes',
      ).skeleton,
    ).toBe(true);
    expect(parseAttachmentDescription('DomainData="X-GP2GP-Skeleton:Yes"').skeleton).toBe(true);
  });

  it('tolerates odd spacing and unknown keys, ignoring unreadable values', () => {
    const d = parseAttachmentDescription(
      'Id = MID Filename="a b.txt" ContentType=text/plain  Compressed=Maybe Length=int',
    );
    expect(d).toMatchObject({ filename: 'a b.txt', contentType: 'text/plain', other: { Id: 'MID' } });
    expect(d.compressed).toBeUndefined();
    expect(d.length).toBeUndefined();
  });

  it('formats a description that reads back the same', () => {
    const text = formatAttachmentDescription({
      filename: 'letter.pdf',
      contentType: 'application/pdf',
      compressed: true,
      largeAttachment: false,
      originalBase64: true,
      length: 10,
      skeleton: true,
    });
    expect(text).toBe(
      'Filename="letter.pdf" ContentType=application/pdf Compressed=Yes LargeAttachment=No OriginalBase64=Yes Length=10 DomainData="X-GP2GP-Skeleton: Yes"',
    );
    expect(parseAttachmentDescription(text)).toMatchObject({
      filename: 'letter.pdf',
      compressed: true,
      length: 10,
      skeleton: true,
    });
  });
});
