import {
  SupplierError,
  SupplierProtocolError,
  SupplierUnavailableError,
  toSupplierError,
  type SupplierCallContext,
  type SupplierIdentity,
} from '@lloyd/adapters-core';
import { messageKind } from '@lloyd/hl7v3';
import { peekRoot, type PeekedXml } from './xml-root.js';

const XML = 'application/xml';

/** The system's answer to an EHR request, its first element read to tell which message it is. */
export interface EhrRequestAnswer {
  readonly status: number;
  readonly kind: ReturnType<typeof messageKind>;
  /** The answer from its first byte, still to be read (or cancelled). */
  readonly peeked: PeekedXml;
}

/**
 * Posts an EHR request (`RCMR_IN010000UK05`) to the system's `gp2gp/ehr-request` and peeks at the answer: an EHR
 * extract or an acknowledgement. A 5xx without an XML message is the system being unavailable; a 5xx that carries a
 * negative acknowledgement is returned, so its GP2GP reason can be read. Used for record views and for transfers.
 */
export async function postEhrRequest(
  base: URL,
  body: string,
  identity: SupplierIdentity,
  ctx: SupplierCallContext,
): Promise<EhrRequestAnswer> {
  const response = await fetch(new URL('gp2gp/ehr-request', base), {
    method: 'POST',
    signal: ctx.signal,
    headers: { 'content-type': `${XML}; charset=utf-8`, accept: XML, 'x-correlation-id': ctx.correlationId },
    body,
  });
  const { status } = response;
  if (status >= 500 && !response.headers.get('content-type')?.includes('xml')) {
    await response.body?.cancel();
    throw new SupplierUnavailableError({ ...identity, status, detail: `HTTP ${status} to the EHR request` });
  }
  if (!response.body) {
    throw new SupplierProtocolError({ ...identity, detail: `empty answer (HTTP ${status}) to the EHR request` });
  }
  const peeked = await peekRoot(response.body as ReadableStream<Uint8Array>);
  return { status, kind: messageKind(peeked.root ?? ''), peeked };
}

/** A failed call as a supplier error: transport failures and aborts as the shared mapping says, anything else that
 * went wrong reading the answer as a protocol error naming `what`. */
export function asSupplierError(err: unknown, identity: SupplierIdentity, signal: AbortSignal, what: string): Error {
  const mapped = toSupplierError(err, identity, signal);
  if (mapped instanceof SupplierError) return mapped;
  return new SupplierProtocolError({ ...identity, detail: `unreadable ${what}: ${mapped.message}`, cause: err });
}
