import type { FastifyReply } from 'fastify';
import type { TransferEvent } from '@lloyd/gp2gp';

const KEEP_ALIVE_MS = 15_000;

/**
 * Writes transfer events as server-sent events (`text/event-stream`): one `event: progress` per timeline entry,
 * its `id` the entry's position (so a client reconnects with `Last-Event-ID`), and a comment line as a keep-alive.
 * The stream ends after the transfer's final event, or when the client goes away.
 */
export async function streamTransferEvents(
  reply: FastifyReply,
  events: AsyncGenerator<TransferEvent>,
  closed: AbortController,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(reply.request.id),
  });
  raw.write(': GP2GP transfer progress\n\n');
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  try {
    for await (const event of events) {
      const data = { transferId: event.transferId, seq: event.seq, final: event.final, ...event.entry };
      raw.write(`id: ${event.seq}\nevent: progress\ndata: ${JSON.stringify(data)}\n\n`);
    }
  } finally {
    clearInterval(keepAlive);
    closed.abort();
    raw.end();
  }
}
