import { z } from 'zod';
import type { IntegrationItem, IntegrationResult } from '@lloyd/adapters-core';

/** The system's `<TransferReceipt>`: where a transfer stands, what happened to each item, which attachments arrived. */
const Receipt = z.object({
  '@conversationId': z.string(),
  '@status': z.enum(['receiving', 'awaiting-acceptance', 'integrated', 'rejected']),
  '@reasonCode': z.string().optional(),
  Item: z
    .array(
      z.object({
        '@ref': z.string(),
        '@sourceRefs': z.string().default(''),
        '@outcome': z.enum(['integrated', 'degraded', 'not-integrated']),
        '@note': z.string().optional(),
      }),
    )
    .default([]),
  Attachment: z
    .array(z.object({ '@id': z.string(), '@received': z.enum(['true', 'false']).transform((v) => v === 'true') }))
    .default([]),
});
export type TransferReceipt = z.infer<typeof Receipt>;

export function readReceipt(element: unknown): { ok: true; receipt: TransferReceipt } | { ok: false; reason: string } {
  const result = Receipt.safeParse(element);
  if (result.success) return { ok: true, receipt: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: `TransferReceipt ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}

/**
 * The receipt as Lloyd's integration note: one entry per canonical resource the system reported on (items name the
 * resources they stand for), then the attachments, then what the adapter could not send at all. A rejected record
 * files nothing, so every item is then not integrated.
 */
export function toIntegrationResult(receipt: TransferReceipt, notSent: readonly IntegrationItem[]): IntegrationResult {
  const status = receipt['@status'] === 'receiving' ? 'awaiting-acceptance' : receipt['@status'];
  const rejected = status === 'rejected';
  // Keyed by source id: an attachment sent without a document of its own is reported once, as the attachment.
  const items = new Map<string, IntegrationItem>();
  for (const item of receipt.Item) {
    const refs = item['@sourceRefs'].split(' ').filter(Boolean);
    for (const sourceId of refs.length > 0 ? refs : [item['@ref']]) {
      const note = rejected ? 'the practice rejected the record' : item['@note'];
      items.set(sourceId, {
        sourceId,
        outcome: rejected ? 'not-integrated' : item['@outcome'],
        ...(note ? { note } : {}),
      });
    }
  }
  for (const attachment of receipt.Attachment) {
    const filed = attachment['@received'] && !rejected;
    items.set(attachment['@id'], {
      sourceId: attachment['@id'],
      outcome: filed ? 'integrated' : 'not-integrated',
      ...(filed ? {} : { note: rejected ? 'the practice rejected the record' : 'the attachment did not arrive' }),
    });
  }
  return {
    status,
    ...(rejected ? { reasonCode: receipt['@reasonCode'] ?? '11' } : {}),
    items: [...items.values(), ...notSent],
  };
}
