/**
 * The description GP2GP puts on each attachment in the ebXML manifest (and Spine's message handler repeats), e.g.
 * `Filename="X_letter.pdf" ContentType=application/pdf Compressed=No LargeAttachment=No OriginalBase64=Yes Length=4718`.
 * Senders differ in spacing and quoting, so parsing is tolerant; unknown keys are kept in `other`.
 */
export interface AttachmentDescription {
  filename?: string;
  contentType?: string;
  /** The content is gzip-compressed (senders are not always right; reassembly also checks the bytes). */
  compressed?: boolean;
  /** The attachment is sent as a large message (in COPC fragments, by `mid:` reference). */
  largeAttachment?: boolean;
  /** The original document was base64 text before sending. */
  originalBase64?: boolean;
  /** Length of the attachment as sent (characters of its encoded form). */
  length?: number;
  domainData?: string;
  /** `DomainData="X-GP2GP-Skeleton: Yes"`: the whole extract travels as this attachment. */
  skeleton: boolean;
  other: Record<string, string>;
}

const PAIR = /([A-Za-z][A-Za-z0-9-]*)\s*=\s*(?:"([^"]*)"?|(\S+))/g;

function yesNo(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (/^(yes|true|y)$/i.test(value)) return true;
  if (/^(no|false|n)$/i.test(value)) return false;
  return undefined;
}

export function parseAttachmentDescription(text: string | undefined): AttachmentDescription {
  const out: AttachmentDescription = { skeleton: false, other: {} };
  if (!text) return out;
  for (const match of text.matchAll(PAIR)) {
    const key = match[1]!.toLowerCase();
    const value = (match[2] ?? match[3] ?? '').trim();
    switch (key) {
      case 'filename':
        out.filename = value;
        break;
      case 'contenttype':
        out.contentType = value;
        break;
      case 'compressed': {
        const v = yesNo(value);
        if (v !== undefined) out.compressed = v;
        break;
      }
      case 'largeattachment': {
        const v = yesNo(value);
        if (v !== undefined) out.largeAttachment = v;
        break;
      }
      case 'originalbase64': {
        const v = yesNo(value);
        if (v !== undefined) out.originalBase64 = v;
        break;
      }
      case 'length':
        if (/^\d+$/.test(value)) out.length = Number(value);
        break;
      case 'domaindata':
        out.domainData = value;
        out.skeleton = /X-GP2GP-Skeleton\s*:\s*Yes/i.test(value);
        break;
      default:
        out.other[match[1]!] = value;
    }
  }
  return out;
}

/** Formats a description the way GP2GP senders write it. */
export function formatAttachmentDescription(
  d: Omit<AttachmentDescription, 'other' | 'skeleton'> & { skeleton?: boolean },
): string {
  const yn = (v: boolean | undefined): string => (v ? 'Yes' : 'No');
  const parts = [
    `Filename="${(d.filename ?? 'attachment').replace(/"/g, "'")}"`,
    `ContentType=${d.contentType ?? 'application/octet-stream'}`,
    `Compressed=${yn(d.compressed)}`,
    `LargeAttachment=${yn(d.largeAttachment)}`,
    `OriginalBase64=${yn(d.originalBase64)}`,
  ];
  if (d.length !== undefined) parts.push(`Length=${d.length}`);
  if (d.skeleton) parts.push('DomainData="X-GP2GP-Skeleton: Yes"');
  else if (d.domainData) parts.push(`DomainData="${d.domainData.replace(/"/g, "'")}"`);
  return parts.join(' ');
}
