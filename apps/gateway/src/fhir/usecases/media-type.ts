/** A media type with optional parameters, as HTTP's `media-type` grammar allows: no line breaks, no header tricks. */
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+([ \t]*;[ \t]*[\w!#$&^.+-]+=("[^"\r\n]*"|[\w!#$&^.+-]+))*$/;

/**
 * The content type to send a supplier's document with: the system's own when it is a well-formed media type, else
 * `application/octet-stream` (a supplier's header is passed on to the caller, so it must not be able to break it).
 */
export function servableType(contentType: string): string {
  return MEDIA_TYPE.test(contentType) ? contentType : 'application/octet-stream';
}
