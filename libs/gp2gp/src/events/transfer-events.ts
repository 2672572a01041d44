import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OnModuleDestroy } from '@nestjs/common';
import type { TimelineEntry, Transfer } from '../model/transfer.js';
import { isTerminal } from '../model/transfer-state.js';

/** One progress event: a timeline entry of the transfer, numbered from 0 in timeline order. */
export interface TransferEvent {
  /** Position in the timeline (the SSE `id`, so a client can resume with Last-Event-ID). */
  seq: number;
  transferId: string;
  entry: TimelineEntry;
  /** True on the last event of a finished transfer: the stream ends after it. */
  final: boolean;
}

/**
 * Progress of transfers: an in-process emitter for changes made in this process, and the stored timeline for
 * everything else. {@link watch} replays the timeline, then follows it live; it also re-reads the store every
 * `pollMs`, so changes made by worker processes elsewhere show up too.
 */
export class TransferEvents implements OnModuleDestroy {
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly read: (id: string) => Promise<Transfer | null>,
    private readonly pollMs: number,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Tells watchers in this process that the transfer changed. */
  publish(transfer: Transfer): void {
    this.emitter.emit(transfer.id, transfer);
  }

  /**
   * The transfer's events from `afterSeq + 1` on (all of them by default), as they happen, until the transfer
   * finishes or `signal` aborts. Yields nothing when the transfer does not exist.
   */
  async *watch(id: string, signal: AbortSignal, afterSeq = -1): AsyncGenerator<TransferEvent> {
    let next = afterSeq + 1;
    let wake: (() => void) | undefined;
    const onChange = () => wake?.();
    this.emitter.on(id, onChange);
    try {
      while (!signal.aborted) {
        const transfer = await this.read(id);
        if (!transfer) return;
        const finished = isTerminal(transfer.state);
        for (; next < transfer.timeline.length; next++) {
          const entry = transfer.timeline[next]!;
          yield { seq: next, transferId: id, entry, final: finished && next === transfer.timeline.length - 1 };
        }
        if (finished) return;
        const changed = new Promise<void>((resolve) => (wake = resolve));
        await Promise.race([changed, sleep(this.pollMs, undefined, { signal, ref: false }).catch(() => undefined)]);
        wake = undefined;
      }
    } finally {
      this.emitter.off(id, onChange);
    }
  }

  onModuleDestroy(): void {
    this.emitter.removeAllListeners();
  }
}
