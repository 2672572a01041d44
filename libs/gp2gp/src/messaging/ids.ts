import { createHash } from 'node:crypto';

/**
 * A message id derived from the conversation and the message's purpose (upper-case UUID, as HL7 wants). Running a
 * step again after a crash therefore produces the very same message, which GP2GP duplicate elimination recognises.
 */
export function messageIdFor(conversationId: string, purpose: string): string {
  const hex = createHash('sha256').update(`${conversationId}:${purpose}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`.toUpperCase();
}

/**
 * The Spine ASID (Accredited System ID, 12 digits) Lloyd uses for a practice's system. Lloyd brokers for every
 * practice itself, so the ASID is derived from the ODS code until practices are configured with their real ones.
 */
export function asidFor(ods: string): string {
  const digest = createHash('sha256').update(`asid:${ods}`).digest();
  return `9${(digest.readBigUInt64BE(0) % 100_000_000_000n).toString().padStart(11, '0')}`;
}
