import type { MetricsService } from '@lloyd/observability';
import type { Counter, Histogram } from 'prom-client';
import type { Transfer } from '../model/transfer.js';

/** Buckets in seconds from a second to beyond the 8-day final-ack rule. */
const DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86_400, 3 * 86_400, 8 * 86_400, 30 * 86_400];

/** Prometheus metrics of the transfer broker. */
export class TransferMetrics {
  private readonly transitions: Counter<'state'>;
  private readonly durations: Histogram<'outcome'>;
  private readonly removals: Counter;
  private readonly removedBytes: Counter;

  constructor(metrics: MetricsService) {
    this.transitions = metrics.counter('lloyd_gp2gp_transfers_total', 'GP2GP transfers reaching each state.', [
      'state',
    ]);
    this.durations = metrics.histogram(
      'lloyd_gp2gp_transfer_duration_seconds',
      'Time from a GP2GP transfer being requested to its end, by outcome (integrated, rejected, failed).',
      ['outcome'],
      DURATION_BUCKETS,
    );
    this.removals = metrics.counter(
      'lloyd_gp2gp_transfer_files_removed_total',
      'Ended GP2GP transfers whose files were deleted after the retention period (gp2gp.fileRetentionMs).',
    );
    this.removedBytes = metrics.counter(
      'lloyd_gp2gp_transfer_files_removed_bytes_total',
      'Bytes of GP2GP transfer files deleted after the retention period.',
    );
  }

  /** Counts one transfer's files deleted, and their bytes. */
  filesRemoved(bytes: number): void {
    this.removals.inc();
    this.removedBytes.inc(bytes);
  }

  /** Counts a change of state; observes the duration when the transfer has just ended. */
  changed(previous: Transfer | null, next: Transfer, now: number): void {
    if (previous && previous.state === next.state) return;
    this.transitions.inc({ state: next.state });
    if (next.state === 'completed' || next.state === 'failed') {
      const outcome = next.state === 'failed' ? 'failed' : next.rejection ? 'rejected' : 'integrated';
      this.durations.observe({ outcome }, Math.max(0, (now - Date.parse(next.createdAt)) / 1000));
    }
  }
}
