import { servableType } from './media-type.js';

describe('servableType', () => {
  it.each([
    'text/plain',
    'application/pdf',
    'text/plain; charset=utf-8',
    'image/svg+xml',
    'multipart/mixed; boundary="a b"',
  ])('passes %p on as it is', (type) => expect(servableType(type)).toBe(type));

  it.each(['', 'garbage', 'text/html\r\nSet-Cookie: x=y', 'text/plain; charset', 'text/plain;\ncharset=utf-8'])(
    'sends %p as application/octet-stream',
    (type) => expect(servableType(type)).toBe('application/octet-stream'),
  );
});
