import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * Part of every ETag a simulated system sends, new on every start: the systems keep their records in memory, so a
 * version number from an earlier run must never match one of this run.
 */
export const BOOT_TAG = randomUUID().slice(0, 8);

/**
 * Conditional reads, as supplier systems that support them answer: sets the answer's `ETag`, and answers
 * `304 Not Modified` (returning true) when the client's `If-None-Match` names this version, weak or strong, or `*`.
 */
export function notModified(ifNoneMatch: string | undefined, etag: string, reply: FastifyReply): boolean {
  void reply.header('etag', etag);
  const held = (ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!held.includes(etag) && !held.includes('*')) return false;
  void reply.code(304);
  return true;
}
