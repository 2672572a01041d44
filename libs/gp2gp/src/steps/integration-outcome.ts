import { text } from 'node:stream/consumers';
import { BlobNotFoundError, type BlobStore } from '@lloyd/store';
import { isReasonCode, REASON_CODES } from '../model/reason-codes.js';
import type { IntegrationSummary, Transfer } from '../model/transfer.js';
import { moveTo } from '../model/transitions.js';
import { transferBlobs } from '../store/transfer-keys.js';
import type { IntegrationResult } from '@lloyd/adapters-core';

/** Sums the receiving system's per-item outcomes (the GP2GP 2.2 integration note). */
export function summarise(result: IntegrationResult): IntegrationSummary {
  const summary: IntegrationSummary = { integrated: 0, degraded: 0, notIntegrated: 0 };
  for (const item of result.items) {
    if (item.outcome === 'integrated') summary.integrated++;
    else if (item.outcome === 'degraded') summary.degraded++;
    else summary.notIntegrated++;
  }
  return summary;
}

/** Stores the per-item integration note, for the final acknowledgement and for the sending practice. */
export async function storeIntegrationNote(blobs: BlobStore, t: Transfer, result: IntegrationResult): Promise<void> {
  await blobs.put(transferBlobs.integrationNote(t.id), JSON.stringify({ status: result.status, items: result.items }), {
    contentType: 'application/json',
  });
}

/**
 * The integration note as the receiving system answered the delivery of a held record: what a decision on it must
 * still account for, item by item. Empty when no note was stored (nothing to account for).
 */
export async function readHeldNote(blobs: BlobStore, t: Transfer): Promise<IntegrationResult> {
  try {
    const note = JSON.parse(await text(await blobs.get(transferBlobs.integrationNote(t.id)))) as IntegrationResult;
    return { status: 'awaiting-acceptance', items: note.items };
  } catch (err) {
    if (!(err instanceof BlobNotFoundError)) throw err;
    return { status: 'awaiting-acceptance', items: [] };
  }
}

/** The transfer moved to the state the receiving system's answer calls for. */
export function applyIntegration(t: Transfer, result: IntegrationResult, now: Date): Transfer {
  const integration = summarise(result);
  switch (result.status) {
    case 'integrated':
      return moveTo(t, 'integrated', now, { integration });
    case 'awaiting-acceptance':
      return moveTo(t, 'awaiting-acceptance', now, { integration });
    case 'rejected': {
      const code = isReasonCode(result.reasonCode) ? result.reasonCode : '11';
      return moveTo(t, 'rejected', now, {
        integration,
        rejection: { code, reason: `The receiving practice rejected the record: ${REASON_CODES[code]}` },
      });
    }
  }
}
