import { reachedAt, type Transfer } from '../model/transfer.js';
import { isTerminal } from '../model/transfer-state.js';

const HOUR = 3600 * 1000;
/** The GP Registrations data platform's bands: at most 3×24 h, at most 8×24 h, beyond (exact durations). */
export const THREE_DAYS_MS = 72 * HOUR;
export const EIGHT_DAYS_MS = 192 * HOUR;

/** How management information counts a transfer. */
export type TransferClass =
  | { kind: 'integrated'; band: 'within-3-days' | 'within-8-days' | 'beyond-8-days'; durationMs: number }
  | { kind: 'technical-failure'; code: string }
  | { kind: 'not-integrated-within-8-days' }
  | { kind: 'in-progress' };

/** When the 8-day clock starts: the extract's arrival, or the request when no extract arrived. */
function clockStart(t: Transfer): number {
  return (reachedAt(t, 'extract-received') ?? new Date(t.createdAt)).getTime();
}

/**
 * Classifies a transfer as the GP2GP data platform does, in its order: (1) integrated (final ack AA, or reason 15
 * A-B-A suppressed) — on time within 8 days of the extract arriving, else late; (2) a final negative ack other than
 * 12, (3) large-message (COPC) failures, (4) fatal sender errors and (5) no extract at all are technical failures
 * with their reason code; (6) anything else not integrated 8 days after the extract arrived is a process failure,
 * which means the paper fallback; younger transfers are in progress. `now` is the report's clock.
 */
export function classifyTransfer(t: Transfer, now: number): TransferClass {
  const integratedAt = reachedAt(t, 'integrated');
  if (integratedAt && (!t.rejection || t.rejection.code === '15')) {
    const durationMs = Math.max(0, integratedAt.getTime() - clockStart(t));
    const band =
      durationMs <= THREE_DAYS_MS ? 'within-3-days' : durationMs <= EIGHT_DAYS_MS ? 'within-8-days' : 'beyond-8-days';
    return { kind: 'integrated', band, durationMs };
  }
  if (t.rejection && t.rejection.code !== '12') return { kind: 'technical-failure', code: t.rejection.code };
  if (t.state === 'failed') return { kind: 'technical-failure', code: t.failure?.code ?? '99' };
  if (!isTerminal(t.state) && now - clockStart(t) <= EIGHT_DAYS_MS) return { kind: 'in-progress' };
  return { kind: 'not-integrated-within-8-days' };
}
